"""The one place errors become HTTP status codes: errors carry meaning, the web layer translates.

A class not in the table answers as its nearest listed ancestor does (``MicrocredError``: 400).
"""

from __future__ import annotations

from microcred.credentials.baking import BadImage
from microcred.errors import (
    ConfigurationError,
    Conflict,
    FetchTimedOut,
    InvalidInput,
    MicrocredError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
    UpstreamFailed,
)
from microcred.services.ledger.service import NotYetLogged
from microcred.transparency.anchor import AnchorError
from microcred.transparency.tiles import MalformedTilePath
from microcred.transparency.witness import MalformedRequest

STATUS: dict[type[MicrocredError], int] = {
    MicrocredError: 400,
    InvalidInput: 422,
    PayloadTooLarge: 413,
    MalformedRequest: 400,
    BadImage: 400,
    MalformedTilePath: 404,
    NotFound: 404,
    Unauthenticated: 401,
    PermissionDenied: 403,
    Conflict: 409,
    NotYetLogged: 409,
    TooManyAttempts: 429,
    ConfigurationError: 500,
    AnchorError: 503,
    Unavailable: 503,
    UpstreamFailed: 502,
    FetchTimedOut: 504,
}


def status_of(error: MicrocredError) -> int:
    """The HTTP status to answer ``error`` with."""
    for cls in type(error).__mro__:
        found = STATUS.get(cls)
        if found is not None:
            return found
    return 400
