"""The error family. Every error explains itself in plain language.

Bad input must never surface as a stack trace or an HTTP 500: adapters map each
family member to a status code and show ``explain()`` to the user.
"""

from __future__ import annotations


class MicrocredError(Exception):
    """Root of every error microcred raises on purpose."""

    #: HTTP status an API adapter should answer with.
    status_code: int = 400
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
    status_code = 422


class PayloadTooLarge(InvalidInput):
    """The input exceeds a size or depth limit."""

    code = "payload_too_large"
    status_code = 413


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
    status_code = 404


class Unauthenticated(MicrocredError):
    """No valid credentials were presented."""

    code = "unauthenticated"
    status_code = 401


class PermissionDenied(MicrocredError):
    """The caller is known but may not do this."""

    code = "permission_denied"
    status_code = 403


class Conflict(MicrocredError):
    """The request conflicts with the current state (duplicate, wrong order)."""

    code = "conflict"
    status_code = 409


class TooManyAttempts(MicrocredError):
    """Too many failed attempts (sign-in, ...): wait ``retry_after`` seconds before the next."""

    code = "too_many_attempts"
    status_code = 429

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = max(1, retry_after)


class ConfigurationError(MicrocredError):
    """Settings are missing or unsafe."""

    code = "configuration_error"
    status_code = 500


class Offline(NotFound):
    """Something would have to be fetched, but verification runs offline."""

    code = "offline"


class AddressRefused(InvalidInput):
    """An outgoing fetch would reach a loopback, private or otherwise non-public address."""

    code = "address_refused"


class FetchTimedOut(MicrocredError):
    """An outgoing fetch did not finish within its deadline (or the verification's)."""

    code = "fetch_timed_out"
    status_code = 504
