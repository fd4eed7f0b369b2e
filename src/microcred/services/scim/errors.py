"""The one error SCIM provisioning raises: RFC 7644 §3.12 gives each problem an HTTP status and,
for bad requests, a ``scimType``; both are part of the protocol's meaning, so they travel with
the error and the SCIM router writes them into the ``Error`` message."""

from __future__ import annotations

from microcred.errors import MicrocredError


class ScimProblem(MicrocredError):
    """A SCIM request refused: ``status`` and ``scim_type`` as RFC 7644 Table 8 and 9 name them
    (``scim_type`` is empty where the RFC gives none, e.g. 401, 404, 412)."""

    code = "scim_error"

    def __init__(self, message: str, *, status: int = 400, scim_type: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


def invalid_value(message: str) -> ScimProblem:
    """400 ``invalidValue``."""
    return ScimProblem(message, scim_type="invalidValue")


def not_found(kind: str) -> ScimProblem:
    """404: no such resource in the token's organisation."""
    return ScimProblem(f"No such {kind} in this organisation.", status=404)
