"""The error family. Every error explains itself in plain language.

Bad input must never surface as a stack trace or an HTTP 500. Errors carry meaning, not
HTTP codes: the web layer maps each family member to a status (`microcred.web.errors`)
and shows ``explain()`` to the user.
"""

from __future__ import annotations

__all__ = [
    "AddressRefused",
    "ConfigurationError",
    "Conflict",
    "CryptoError",
    "FetchTimedOut",
    "InvalidInput",
    "JsonLdError",
    "MicrocredError",
    "NotFound",
    "Offline",
    "PayloadTooLarge",
    "PermissionDenied",
    "TooManyAttempts",
    "Unauthenticated",
    "Unavailable",
    "UndefinedTerm",
    "UnknownContext",
    "UpstreamFailed",
    "VerificationError",
]


class MicrocredError(Exception):
    """Root of every error microcred raises on purpose."""

    #: A short machine-readable code for API clients.
    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def explain(self) -> str:
        """The message for a person, with the hint when there is one."""
        return f"{self.message} {self.hint}" if self.hint else self.message


class InvalidInput(MicrocredError):
    """The caller sent something malformed, too big or of the wrong kind."""

    code = "invalid_input"


class PayloadTooLarge(InvalidInput):
    """The input exceeds a size or depth limit."""

    code = "payload_too_large"


class JsonLdError(InvalidInput):
    """A JSON-LD document cannot be processed safely."""

    code = "jsonld_error"


class UnknownContext(JsonLdError):
    """A document names a JSON-LD context microcred does not bundle."""

    code = "unknown_context"


class UndefinedTerm(JsonLdError):
    """A property or type does not expand to an absolute IRI."""

    code = "undefined_term"


class CryptoError(MicrocredError):
    """A key, signature or encoding is malformed or cannot be used."""

    code = "crypto_error"


class VerificationError(MicrocredError):
    """A proof, signature or Merkle proof does not hold."""

    code = "verification_failed"


class NotFound(MicrocredError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    code = "not_found"


class Unauthenticated(MicrocredError):
    """No valid credentials were presented."""

    code = "unauthenticated"


class PermissionDenied(MicrocredError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class Conflict(MicrocredError):
    """The request conflicts with the current state (duplicate, wrong order)."""

    code = "conflict"


class TooManyAttempts(MicrocredError):
    """Too many failed attempts (sign-in, ...): wait ``retry_after`` seconds before the next."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = max(1, retry_after)


class ConfigurationError(MicrocredError):
    """Settings are missing or unsafe."""

    code = "configuration_error"


class Offline(NotFound):
    """Something would have to be fetched, but verification runs offline."""

    code = "offline"


class AddressRefused(InvalidInput):
    """An outgoing fetch would reach a loopback, private or otherwise non-public address."""

    code = "address_refused"


class FetchTimedOut(MicrocredError):
    """An outgoing fetch did not finish within its deadline (or the verification's)."""

    code = "fetch_timed_out"


class Unavailable(MicrocredError):
    """Something microcred depends on (a model endpoint, the chain) is down; try again later."""

    code = "unavailable"


class UpstreamFailed(MicrocredError):
    """Something microcred depends on answered, but not with anything usable."""

    code = "upstream_failed"
