"""LTI 1.3 tool pages, per organisation under ``/lti/{slug}``: ``login`` answers the platform's
login initiation (a redirect to the platform's auth endpoint, with a short-lived HttpOnly cookie
binding the login to this browser: SameSite=None over https, because the launch is a
cross-site form post), ``launch`` checks the launch (a resource link signs in and lands on the
micro-credential; a deep linking request opens the picker), ``deep-link`` returns the signed
response to the platform, and ``jwks`` publishes the tool's keys. Every refusal is an error
page saying what went wrong."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.errors import MicrocredError, NotFound
from microcred.services.lti import Launched
from microcred.web.errors import status_of
from microcred.web.pages.common import container
from microcred.web.pages.routes import error_page, templates
from microcred.web.pages.session import COOKIE

router = APIRouter(include_in_schema=False)
#: the cookie binding a login at the platform to the browser that started it
LTI_COOKIE = "mc_lti"
MAX_FORM_FIELDS = 10


def _secure(c: Container) -> bool:
    return urlsplit(c.settings.public_base_url).scheme == "https"


def _path(slug: str) -> str:
    return f"/lti/{slug}"


def _refused(request: Request, slug: str, exc: MicrocredError) -> Response:
    status = status_of(exc)
    response = error_page(
        request,
        status if 400 <= status < 600 and status != 500 else 400,
        "The LTI launch did not work",
        exc.explain(),
    )
    response.delete_cookie(LTI_COOKIE, path=_path(slug))
    return response


def _login(request: Request, slug: str, params: dict[str, str]) -> Response:
    c = container(request)
    try:
        started = c.lti.launches.login(slug, params)
    except MicrocredError as exc:
        return _refused(request, slug, exc)
    response = RedirectResponse(started.url, status_code=302)
    secure = _secure(c)
    response.set_cookie(
        LTI_COOKIE,
        started.browser_cookie,
        max_age=c.settings.sso_sign_in_minutes * 60,
        httponly=True,
        samesite="none" if secure else "lax",
        secure=secure,
        path=_path(slug),
    )
    return response


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/lti/{slug}/login")
def login_get(slug: str, request: Request) -> Response:
    """The platform's login initiation by GET."""
    return _login(request, slug, dict(request.query_params))


@router.post("/lti/{slug}/login")
async def login_post(slug: str, request: Request) -> Response:
    """The platform's login initiation by form POST."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return await run_in_threadpool(_login, request, slug, _fields(form))


@router.post("/lti/{slug}/launch")
async def launch(slug: str, request: Request) -> Response:
    """Check the launch the platform posted (the JWKS is fetched in a thread)."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    return await run_in_threadpool(_launch, request, slug, _fields(form))


def _launch(request: Request, slug: str, form: dict[str, str]) -> Response:
    c = container(request)
    try:
        done = c.lti.launches.launch(
            slug,
            request.cookies.get(LTI_COOKIE),
            state=form.get("state"),
            id_token=form.get("id_token"),
        )
        if done.deep_linking:
            response = _picker(request, c, slug, done)
        else:
            response = _signed_in(request, c, done)
    except MicrocredError as exc:
        return _refused(request, slug, exc)
    response.delete_cookie(LTI_COOKIE, path=_path(slug))
    return response


def _signed_in(request: Request, c: Container, done: Launched) -> Response:
    # a page, not a redirect: the SameSite=Strict session cookie is sent from the next
    # (same-site) navigation on, not on one that began at the platform
    response = templates.TemplateResponse(
        request,
        "lti_done.html",
        {"created": done.created, "next": done.next_url},
    )
    assert done.session is not None
    response.set_cookie(
        COOKIE,
        done.session.token,
        httponly=True,
        samesite="strict",
        secure=_secure(c),
        max_age=c.settings.session_token_seconds,
    )
    return response


def _picker(request: Request, c: Container, slug: str, done: Launched) -> Response:
    picker = c.lti.deep_linking.picker(done)
    return templates.TemplateResponse(
        request,
        "lti_picker.html",
        {"picker": picker, "action": f"/lti/{slug}/deep-link"},
    )


@router.post("/lti/{slug}/deep-link")
async def deep_link(slug: str, request: Request) -> Response:
    """Sign the deep linking response for the chosen micro-credentials and hand it to the
    browser to post back to the platform."""
    form = await request.form(max_files=0, max_fields=40)
    context = form.get("context")
    chosen = [v for v in form.getlist("achievement_id") if isinstance(v, str)]
    return await run_in_threadpool(_deep_link, request, slug, context, chosen)


def _deep_link(request: Request, slug: str, context: object, chosen: list[str]) -> Response:
    c = container(request)
    try:
        answer = c.lti.deep_linking.respond(slug, context, chosen)
    except MicrocredError as exc:
        return _refused(request, slug, exc)
    target = urlsplit(answer.return_url)
    response = templates.TemplateResponse(
        request, "lti_return.html", {"return_url": answer.return_url, "jwt": answer.jwt}
    )
    # this one form posts to the platform: the page's policy names its origin
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"form-action {target.scheme}://{target.netloc}; frame-ancestors 'none'"
    )
    return response


@router.get("/lti/{slug}/jwks")
def jwks(slug: str, request: Request) -> Response:
    """The tool's public keys for the organisation's platforms (RS256, by ``kid``)."""
    c = container(request)
    org_id = c.lti.registrations.organisation_of(slug)
    if org_id is None:
        raise NotFound("There is no such organisation.")
    return JSONResponse(c.lti.keys.jwks(org_id), headers={"Cache-Control": "max-age=300"})
