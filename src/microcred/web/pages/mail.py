"""Pages behind the links in e-mails and the learner's mail choices: the claim page (accept or
decline an offered credential with the link's token alone: GET only shows, a POST decides), the
one-click unsubscribe (RFC 8058: a POST without a session or CSRF token, the link's HMAC being
the proof), the wallet's accept/decline and the reminder setting (signed in, CSRF-checked)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound
from microcred.web.errors import status_of
from microcred.web.pages.common import container
from microcred.web.pages.routes import error_page, templates
from microcred.web.pages.session import check_csrf, current

router = APIRouter(include_in_schema=False)

#: page routes whose POST is authorised by the secret in their URL, not by a session: a
#: cross-site form cannot know the token, and the mail provider's one-click POST has no session
TOKEN_ROUTES = ("/claim/{token}", "/mail/unsubscribe/{token}")
ANSWERS = {"accept": True, "decline": False}


def _link_error(request: Request, exc: MicrocredError, what: str) -> Response:
    title = {
        NotFound: f"This {what} link does not work",
        Conflict: f"This {what} link can no longer be used",
    }.get(type(exc), "That did not work")
    return error_page(request, status_of(exc), title, exc.explain())


@router.get("/claim/{token}")
def claim(token: str, request: Request) -> Response:
    """What the claim link offers, with Accept and Decline (a GET changes nothing: mail
    scanners and link previews follow links)."""
    c = container(request)
    try:
        found = c.mail.offers.view(token)
    except MicrocredError as exc:
        return _link_error(request, exc, "claim")
    response = templates.TemplateResponse(
        request, "claim.html", {"claim": found, "token": token, "done": None}
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays in this page
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/claim/{token}")
async def claim_answer(token: str, request: Request) -> Response:
    """Accept or decline with the claim link's token (it then stops working)."""
    form = await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_claim_answer, container(request), request, token, form)


def _claim_answer(c: Container, request: Request, token: str, form: FormData) -> Response:
    answer = form.get("answer")
    if answer not in ANSWERS:
        raise InvalidInput("Choose to accept or to decline the credential.")
    try:
        view = c.mail.offers.view(token)
        c.mail.offers.answer(token, ANSWERS[str(answer)])
    except MicrocredError as exc:
        return _link_error(request, exc, "claim")
    response = templates.TemplateResponse(
        request, "claim.html", {"claim": view, "token": None, "done": answer}
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/mail/unsubscribe/{token}")
def unsubscribe_page(token: str, request: Request) -> Response:
    """Confirm before opting out (a GET changes nothing)."""
    c = container(request)
    try:
        email = c.mail.preferences.address_of(token)
    except MicrocredError as exc:
        return _link_error(request, exc, "unsubscribe")
    return templates.TemplateResponse(
        request, "unsubscribe.html", {"email": email, "token": token, "done": False}
    )


@router.post("/mail/unsubscribe/{token}")
async def unsubscribe(token: str, request: Request) -> Response:
    """Opt out of reminder e-mails: the confirm button, or a mail provider's one-click POST
    (``List-Unsubscribe=One-Click``)."""
    await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_unsubscribe, container(request), request, token)


def _unsubscribe(c: Container, request: Request, token: str) -> Response:
    try:
        email = c.mail.preferences.unsubscribe(token)
    except MicrocredError as exc:
        return _link_error(request, exc, "unsubscribe")
    return templates.TemplateResponse(
        request, "unsubscribe.html", {"email": email, "token": None, "done": True}
    )


@router.post("/learn/offers/{credential_id}")
async def wallet_answer(credential_id: str, request: Request) -> Response:
    """The signed-in holder accepts or declines an offered credential from their wallet."""
    form = await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_wallet_answer, container(request), request, credential_id, form)


def _wallet_answer(c: Container, request: Request, credential_id: str, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    answer = form.get("answer")
    if answer not in ANSWERS:
        raise InvalidInput("Choose to accept or to decline the credential.")
    c.mail.offers.answer_signed_in(principal, credential_id, ANSWERS[str(answer)])
    return RedirectResponse(f"/learn?offer={answer}#wallet", status_code=303)


@router.post("/learn/email-preferences")
async def reminders(request: Request) -> Response:
    """The signed-in person turns reminder e-mails on or off."""
    form = await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_reminders, container(request), request, form)


def _reminders(c: Container, request: Request, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    choice = form.get("reminders")
    if choice not in ("on", "off"):
        raise InvalidInput("Choose whether to receive reminder e-mails.")
    c.mail.preferences.set_reminders(principal, choice == "on")
    return RedirectResponse(f"/learn?reminders={choice}#email", status_code=303)
