"""Browser sessions: the API token lives in an HttpOnly, SameSite=Strict cookie, and every form
carries a CSRF token derived from it (a cross-site page can neither read the cookie nor forge
the token)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.errors import MicrocredError, PermissionDenied, Unauthenticated

COOKIE = "mc_session"
#: the pre-session cookie the sign-in form's CSRF token is bound to
LOGIN_COOKIE = "mc_login"


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


def viewer(request: Request, c: Container) -> Principal | None:
    """Who is looking at a public page or document: the session's principal, else the API
    token's (``Authorization: Bearer``), else nobody (an invalid token is nobody, not an
    error: the public answer is given instead)."""
    found = current(request, c)
    if found is not None:
        return found
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        return None
    try:
        return c.identity.authenticate(token.strip())
    except MicrocredError:
        return None


def csrf_token(request: Request) -> str:
    """The form token for this session."""
    token = session_token(request) or ""
    return hmac.new(token.encode(), b"microcred-csrf", hashlib.sha256).hexdigest()


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse (PermissionDenied: a 403 page) a form post whose CSRF token does not match the
    session: the sender is signed in, but the form did not come from this session's pages."""
    if (
        not isinstance(submitted, str)
        or not submitted.isascii()  # compare_digest raises TypeError on other text
        or not hmac.compare_digest(submitted, csrf_token(request))
    ):
        raise PermissionDenied("The form has expired or did not come from this site; reload it.")


def _login_token(c: Container, nonce: str) -> str:
    secret = (c.settings.kek_secrets or [""])[0]
    key = hmac.new(secret.encode(), b"microcred-login-csrf", hashlib.sha256)
    return hmac.new(key.digest(), nonce.encode(), hashlib.sha256).hexdigest()


def login_csrf(request: Request, c: Container) -> tuple[str, str | None]:
    """The sign-in form's CSRF token, bound to the browser's pre-session cookie, and a new
    cookie value to set when the browser has none yet (login CSRF: a cross-site form can
    neither read the cookie nor, SameSite=Strict, make the browser send it)."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    fresh = None
    if not nonce or len(nonce) > 100:
        nonce = fresh = secrets.token_urlsafe(24)
    return _login_token(c, nonce), fresh


def check_login_csrf(request: Request, c: Container, submitted: object) -> None:
    """Refuse a sign-in post whose token does not match the browser's pre-session cookie."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    if (
        not nonce
        or len(nonce) > 100
        or not isinstance(submitted, str)
        or not submitted.isascii()  # compare_digest raises TypeError on other text
        or not hmac.compare_digest(submitted, _login_token(c, nonce))
    ):
        raise Unauthenticated(
            "The sign-in form has expired or did not come from this site; reload it."
        )
