"""Single sign-on pages: ``/login/sso`` sends the browser to the organisation's OpenID Connect
provider (with a short-lived, HttpOnly, SameSite=Lax cookie binding the sign-in to this
browser: Lax, because the provider's answer is a cross-site navigation), and
``/login/sso/callback`` finishes it. Every refusal is an error page saying what went wrong."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from microcred.bootstrap import Container
from microcred.errors import MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.common import container
from microcred.web.pages.routes import error_page, templates
from microcred.web.pages.session import COOKIE

router = APIRouter(include_in_schema=False)
#: the cookie binding a sign-in at the provider to the browser that started it
SSO_COOKIE = "mc_sso"
_PATH = "/login/sso"


def _secure(c: Container) -> bool:
    return urlsplit(c.settings.public_base_url).scheme == "https"


def _refused(request: Request, exc: MicrocredError) -> Response:
    status = status_of(exc)
    response = error_page(
        request,
        status if 400 <= status < 600 and status != 500 else 400,
        "Single sign-on did not work",
        exc.explain(),
    )
    response.delete_cookie(SSO_COOKIE, path=_PATH)
    return response


@router.get("/login/sso")
def start(request: Request) -> Response:
    """Send the browser to the provider of ``?organisation=`` (discovery runs in this thread)."""
    c = container(request)
    try:
        started = c.sso.sign_in.begin(request.query_params.get("organisation", ""))
    except MicrocredError as exc:
        return _refused(request, exc)
    response = RedirectResponse(started.authorization_url, status_code=303)
    response.set_cookie(
        SSO_COOKIE,
        started.browser_cookie,
        max_age=c.settings.sso_sign_in_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=_secure(c),
        path=_PATH,
    )
    return response


@router.get("/login/sso/callback")
async def callback(request: Request) -> Response:
    """Finish the sign-in: check the answer, exchange the code, check the ID token, sign in."""
    c = container(request)
    query = request.query_params
    try:
        done = await run_in_threadpool(
            c.sso.sign_in.complete,
            request.cookies.get(SSO_COOKIE),
            state=query.get("state"),
            code=query.get("code"),
            error=query.get("error"),
        )
    except MicrocredError as exc:
        return await run_in_threadpool(_refused, request, exc)
    # a page, not a redirect: the SameSite=Strict session cookie is sent from the next
    # (same-site) navigation on, not on a redirect that began at the provider
    response = templates.TemplateResponse(
        request, "sso_done.html", {"created": done.created, "next": "/learn"}
    )
    response.set_cookie(
        COOKIE,
        done.issued.token,
        httponly=True,
        samesite="strict",
        secure=_secure(c),
        max_age=c.settings.session_token_seconds,
    )
    response.delete_cookie(SSO_COOKIE, path=_PATH)
    return response
