"""Browser sessions: the API token lives in an HttpOnly, SameSite=Strict cookie, and every form
carries a CSRF token derived from it (a cross-site page can neither read the cookie nor forge
the token)."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import Request

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.errors import MicrocredError, Unauthenticated

COOKIE = "mc_session"


def session_token(request: Request) -> str | None:
    """The session token from the cookie."""
    value = request.cookies.get(COOKIE)
    return value if value and len(value) < 200 else None


def current(request: Request, c: Container) -> Principal | None:
    """The signed-in principal, or None."""
    token = session_token(request)
    if token is None:
        return None
    try:
        return c.identity.authenticate(token)
    except MicrocredError:
        return None


def csrf_token(request: Request) -> str:
    """The form token for this session."""
    token = session_token(request) or ""
    return hmac.new(token.encode(), b"microcred-csrf", hashlib.sha256).hexdigest()


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse a form post whose CSRF token does not match the session."""
    if not isinstance(submitted, str) or not hmac.compare_digest(submitted, csrf_token(request)):
        raise Unauthenticated("The form has expired or did not come from this site; reload it.")
