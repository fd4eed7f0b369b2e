"""Signed-in pages: sign in/out, the learner's progress, and the reviewer's queue with the rubric
beside the evidence and the AI's suggestion."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from microcred.bootstrap import Container
from microcred.domain.identity import Permission
from microcred.errors import MicrocredError, NotFound, TooManyAttempts
from microcred.web.api.deps import require_instructor
from microcred.web.errors import status_of
from microcred.web.pages.common import container, names, page_context
from microcred.web.pages.routes import templates
from microcred.web.pages.session import (
    COOKIE,
    LOGIN_COOKIE,
    check_csrf,
    check_login_csrf,
    current,
    login_csrf,
)

router = APIRouter(include_in_schema=False)


def _login_page(
    request: Request,
    c: Container,
    status_code: int = 200,
    *,
    error: str | None = None,
    organisation: str = "",
) -> Response:
    token, fresh = login_csrf(request, c)
    response = templates.TemplateResponse(
        request,
        "login.html",
        {
            "error": error,
            "organisation": organisation[:63],
            "csrf": token,
            "sso": c.sso.providers.sign_in_options(organisation) if organisation else None,
        },
        status_code=status_code,
    )
    if fresh is not None:
        response.set_cookie(
            LOGIN_COOKIE,
            fresh,
            httponly=True,
            samesite="strict",
            secure=urlsplit(c.settings.public_base_url).scheme == "https",
            path="/login",
        )
    return response


def _home(c: Container, token: str) -> str:
    """Where a role starts: managers on their skills and gaps, everyone else on /learn."""
    with contextlib.suppress(MicrocredError):
        principal = c.identity.authenticate(token)
        granted = principal.permissions
        if {Permission.VIEW_PEOPLE_SKILLS, Permission.SEARCH_TALENT} <= granted and (
            Permission.MANAGE_ORGANISATION not in granted
        ):
            return "/skills"
    return "/learn"


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form, with a CSRF token bound to a pre-session cookie; with
    ``?organisation=`` also that organisation's single sign-on button (and no password form
    when it signs in with single sign-on only)."""
    return _login_page(
        request, container(request), organisation=request.query_params.get("organisation", "")
    )


@router.post("/login")
async def login(request: Request) -> Response:
    """Sign in; the session token goes into an HttpOnly, SameSite=Strict cookie. The form's
    CSRF token is checked first; the password check (argon2) runs off the event loop."""
    c = container(request)
    form = await request.form()
    organisation = str(form.get("organisation") or "")
    try:
        check_login_csrf(request, c, form.get("csrf"))
        issued = await run_in_threadpool(
            c.identity.sign_in,
            organisation,
            str(form.get("email") or ""),
            str(form.get("password") or ""),
            request.client.host if request.client else None,
        )
    except MicrocredError as exc:
        response = await run_in_threadpool(
            _login_page,
            request,
            c,
            status_of(exc) if status_of(exc) in (401, 429) else 400,
            error=exc.explain(),
            organisation=organisation,
        )
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(_home(c, issued.token), status_code=303)
    response.set_cookie(
        COOKIE,
        issued.token,
        httponly=True,
        samesite="strict",
        secure=urlsplit(c.settings.public_base_url).scheme == "https",
        max_age=c.settings.session_token_seconds,
    )
    return response


def _sign_out(request: Request, c: Container, submitted: object) -> None:
    principal = current(request, c)
    if principal is not None:
        check_csrf(request, submitted)
        c.identity.sign_out(principal)


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out: the session token is revoked, the cookie cleared."""
    c = container(request)
    form = await request.form()
    await run_in_threadpool(_sign_out, request, c, form.get("csrf"))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/instructor")
def instructor(request: Request) -> Response:
    """Per rubric: graded work, measured agreement of the AI, and whether it may decide alone."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    require_instructor(principal)
    rows, code = [], []
    with_rubric, with_code = c.rubrics.assessed(principal)
    assessed = names(c, principal, with_rubric | with_code)
    for achievement_id, name in sorted(assessed.items(), key=lambda x: (x[1].lower(), x[0])):
        if achievement_id in with_code:
            with contextlib.suppress(NotFound):  # deleted meanwhile
                assignment = c.code.get(principal, achievement_id)
                code.append(assignment | {"id": achievement_id, "name": name})
        if achievement_id in with_rubric:
            with contextlib.suppress(NotFound):
                trust = c.rubrics.trust(principal, achievement_id)
                rows.append({"id": achievement_id, "name": name, "trust": trust})
    return templates.TemplateResponse(
        request, "instructor.html", page_context(request, principal, rows=rows, code=code)
    )
