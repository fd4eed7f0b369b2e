"""Signed-in pages: sign in/out, the learner's progress, and the reviewer's queue with the rubric
beside the evidence and the AI's suggestion."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError, NotFound, TooManyAttempts
from microcred.web.api.deps import require_instructor
from microcred.web.errors import status_of
from microcred.web.pages.routes import templates
from microcred.web.pages.session import (
    COOKIE,
    LOGIN_COOKIE,
    check_csrf,
    check_login_csrf,
    csrf_token,
    current,
    login_csrf,
)

router = APIRouter(include_in_schema=False)


def _container(request: Request) -> Container:
    found: Container = request.app.state.container
    return found


def _names(c: Container, principal: Principal) -> dict[str, str]:
    with c.uow() as uow:
        return {
            a.id: a.name for a in uow.tenant(principal.organisation_id).achievements.list(limit=200)
        }


def _context(request: Request, principal: Principal, **extra: object) -> dict[str, object]:
    return {
        "principal": principal,
        "csrf": csrf_token(request),
        "can_review": Permission.REVIEW_SUBMISSIONS in principal.permissions,
        **extra,
    }


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
        {"error": error, "organisation": organisation[:63], "csrf": token},
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


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form, with a CSRF token bound to a pre-session cookie."""
    return _login_page(request, _container(request))


@router.post("/login")
async def login(request: Request) -> Response:
    """Sign in; the session token goes into an HttpOnly, SameSite=Strict cookie. The form's
    CSRF token is checked first; the password check (argon2) runs off the event loop."""
    c = _container(request)
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
    response = RedirectResponse("/learn", status_code=303)
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
    c = _container(request)
    form = await request.form()
    await run_in_threadpool(_sign_out, request, c, form.get("csrf"))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/learn")
def learn(request: Request) -> Response:
    """The learner's pathways, progress and submissions."""
    c = _container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return templates.TemplateResponse(
        request,
        "learn.html",
        _context(
            request,
            principal,
            progress=c.learning.progress(principal),
            submissions=list(reversed(c.learning.my_submissions(principal))),
            names=_names(c, principal),
        ),
    )


@router.get("/instructor")
def instructor(request: Request) -> Response:
    """Per rubric: graded work, measured agreement of the AI, and whether it may decide alone."""
    c = _container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    require_instructor(principal)
    rows, code = [], []
    for achievement_id, name in _names(c, principal).items():
        with contextlib.suppress(NotFound):  # NotFound: no code assignment
            code.append(
                c.code.get(principal, achievement_id) | {"id": achievement_id, "name": name}
            )
        try:
            trust = c.rubrics.trust(principal, achievement_id)
        except NotFound:
            continue  # no rubric
        rows.append({"id": achievement_id, "name": name, "trust": trust})
    return templates.TemplateResponse(
        request, "instructor.html", _context(request, principal, rows=rows, code=code)
    )


@router.get("/review")
def review_queue(request: Request) -> Response:
    """Submissions waiting for a person."""
    c = _container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return templates.TemplateResponse(
        request,
        "review_queue.html",
        _context(request, principal, queue=c.review.queue(principal), names=_names(c, principal)),
    )


def _item_page(
    request: Request,
    c: Container,
    principal: Principal,
    submission_id: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    item = c.review.item(principal, submission_id)
    suggested = {s["criterion_id"]: s["points"] for s in (item.suggestion or {}).get("scores", [])}
    return templates.TemplateResponse(
        request,
        "review_item.html",
        _context(
            request,
            principal,
            item=item,
            suggestion_points=suggested,
            error=error,
            achievement_name=_names(c, principal).get(item.submission.achievement_id, "Submission"),
        ),
        status_code=status,
    )


@router.get("/review/{submission_id}")
def review_item(submission_id: str, request: Request) -> Response:
    """One submission: evidence, rubric, the AI's suggestion, and the decision form."""
    c = _container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return _item_page(request, c, principal, submission_id)


@router.post("/review/{submission_id}")
async def review_decide(submission_id: str, request: Request) -> Response:
    """Accept the AI's assessment or save a grade with feedback."""
    c = _container(request)
    form = await request.form()
    # the session lookup, the decision and any issuance run off the event loop
    return await run_in_threadpool(_review_decide, c, submission_id, request, form)


def _review_decide(c: Container, submission_id: str, request: Request, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    feedback = str(form.get("feedback") or "")
    try:
        if form.get("action") == "accept":
            c.review.decide(principal, submission_id, accept_ai=True, feedback=feedback)
        else:
            points: dict[str, float] = {}
            for key, value in form.multi_items():
                if key.startswith("points:") and isinstance(value, str):
                    try:
                        points[key[len("points:") :]] = float(value)
                    except ValueError:
                        raise InvalidInput("Pick a level for each criterion.") from None
            passed = form.get("passed")
            c.review.decide(
                principal,
                submission_id,
                points=points or None,
                passed=None if passed is None else passed == "true",
                feedback=feedback,
            )
    except MicrocredError as exc:
        return _item_page(request, c, principal, submission_id, exc.explain(), status_of(exc))
    return RedirectResponse("/review", status_code=303)


@router.get("/review/{submission_id}/files/{digest}")
def review_file(submission_id: str, digest: str, request: Request) -> Response:
    """A submitted file, as an attachment."""
    c = _container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    part, data = c.learning.evidence_file(principal, submission_id, digest)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{part.filename or "file"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
