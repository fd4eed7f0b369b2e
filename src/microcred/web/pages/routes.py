"""Pages for people: the home page with a verification form, the result, and each credential's
public page (content-negotiated with its JSON at the same URL)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC
from functools import partial
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from microcred.bootstrap import Container
from microcred.credentials import baking
from microcred.credentials.parsing import load_json
from microcred.credentials.verify import VerificationReport
from microcred.domain.credential import CredentialStatus, IssuedCredential
from microcred.errors import InvalidInput, MicrocredError
from microcred.services.credentials import holds
from microcred.web.errors import status_of
from microcred.web.pages import public_checks as checks
from microcred.web.pages.common import page_context
from microcred.web.pages.formatting import points, when, words
from microcred.web.pages.session import csrf_token, current, viewer
from microcred.web.pages.sharing import ShareRecord, linkedin_add_url, open_graph
from microcred.web.pages.view import credential_view

log = logging.getLogger("microcred.web")
router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(
    directory=str(resources.files("microcred.web.pages").joinpath("templates"))
)
templates.env.filters["when"] = when
templates.env.filters["words"] = words
templates.env.filters["points"] = points


def wants_html(request: Request) -> bool:
    """True when a browser asks for a page rather than JSON (never under ``/api/``: the API
    always answers JSON)."""
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split(",")[0]


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    """The verification form."""
    c: Container = request.app.state.container
    return templates.TemplateResponse(request, "index.html", {"max_bytes": _file_limit(c)})


#: what the verify form reads of a file: a credential is JSON or a VC-JWT, well under this
UPLOAD_TEXT_LIMIT = 1_000_000
#: room for the multipart framing and the other fields within the request body limit
_FORM_OVERHEAD = 16_384


def _file_limit(c: Container) -> int:
    """The largest file the verify form takes (the request body limit, less the form's framing,
    applies first: `BodyLimits` refuses bigger requests before any page code runs)."""
    return max(1024, min(UPLOAD_TEXT_LIMIT, c.settings.max_body_bytes - _FORM_OVERHEAD))


@router.post("/verify", response_class=HTMLResponse)
async def verify_page(request: Request) -> Response:
    """Verify a pasted credential, an uploaded file (JSON, a VC-JWT, or a baked PNG or SVG
    badge, told apart by its first bytes) or the address of one of ours, and show the checks.
    With ``email``, also answer whether the credential was issued to that address (nothing is
    stored; the form changes nothing, so it needs no CSRF token)."""
    c: Container = request.app.state.container
    form = await request.form()
    text = str(form.get("credential") or "").strip()
    link = str(form.get("url") or "").strip()
    email = form.get("email")
    upload = form.get("file")
    source: str | None = None
    try:
        if upload is not None and hasattr(upload, "read"):
            data = await upload.read(_file_limit(c) + 1)
            if data:
                text, source = await run_in_threadpool(_file_text, data, _file_limit(c))
        if not text and link:
            text = link
            checks.credential_id_from_link(c, link)  # refuses what is not one of ours at once
        # parsing and verifying (remote fetches, canonicalisation) run off the event loop
        report, own = await run_in_threadpool(_verify_text, c, text, request)
        note = await run_in_threadpool(checks.status_note, c, report, own)
    except MicrocredError as exc:
        return templates.TemplateResponse(
            request,
            "index.html",
            {
                "error": exc.explain(),
                "pasted": "" if text == link or text.startswith("http") else text[:200_000],
                "link": link[:2000] if link.startswith(("http://", "https://")) else "",
                "max_bytes": _file_limit(c),
            },
            status_code=status_of(exc) if 400 <= status_of(exc) < 500 else 422,
        )
    document = report.credential
    return templates.TemplateResponse(
        request,
        "verify_result.html",
        {
            "report": report,
            "summary": checks.summary(report),
            "status_note": note,
            "view": credential_view(document) if document else None,
            "submitted": text,
            "extracted_from": source,
            "email_action": "/verify",
            "email_answer": (
                checks.email_answer(document, str(email), verified=report.verified)
                if document is not None and isinstance(email, str)
                else None
            ),
            # a private credential's download answers 404 to strangers: offer no link to it
            "json_url": None if own is not None and own.private else _json_url(own),
            "achievement_link": checks.local_achievement_path(c, document),
        },
    )


def _file_text(data: bytes, limit: int) -> tuple[str, str | None]:
    """An uploaded file as text, with where it came from when it was a baked badge ("a baked
    PNG badge"); refuses what cannot be a credential."""
    if len(data) > limit:
        raise InvalidInput(
            f"That file is larger than {limit:,} bytes; a credential is much smaller."
        )
    if baking.detect(data) is not None:
        found = baking.extract(data)
        return found.text, found.source
    if b"\x00" in data:
        raise InvalidInput(
            "That file is not a credential: it is not text (JSON or a VC-JWT) nor a baked "
            "PNG or SVG badge."
        )
    try:
        return data.decode("utf-8-sig").strip(), None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "That file is not a credential: it is not UTF-8 text (JSON or a VC-JWT)."
        ) from exc


def _json_url(own: IssuedCredential | None) -> str | None:
    if own is None:
        return None
    return f"/credentials/{own.id}.{'jwt' if own.jwt else 'json'}"


def _verify_text(
    c: Container, text: str, request: Request
) -> tuple[VerificationReport, IssuedCredential | None]:
    """Verify a pasted credential (JSON-LD or a VC-JWT) or the address of one of ours (not a
    private one, unless the visitor may see it); with the stored credential when it is ours."""
    if not text:
        raise InvalidInput("Paste a credential, choose a file or give its address first.")
    credential: Any
    if text.startswith(("http://", "https://")) and len(text) < 2000 and " " not in text:
        found = c.public.shared(checks.credential_id_from_link(c, text), viewer(request, c))
        return c.verification.verify(found.jwt or found.document), found
    if text[:1] != "{" and text.count(".") == 2:
        credential = text
    else:
        credential = load_json(
            text,
            max_bytes=c.settings.max_body_bytes,
            max_depth=c.settings.max_json_depth,
            what="credential",
        )
        if not isinstance(credential, dict):
            raise InvalidInput("A credential is a JSON object (or a VC-JWT).")
    report = c.verification.verify(credential)
    return report, checks.own_credential(c, report.credential)


def credential_page(
    request: Request,
    c: Container,
    credential_id: str,
    email: str | None = None,
) -> Response:
    """A credential's public page with its live verification, its status in words, the download
    and the e-mail check (answered for ``email`` when given). A private credential is shown
    only to its holder and the organisation's staff."""
    who = viewer(request, c)
    found = c.public.shared(credential_id, who)
    report = c.verification.verify(found.jwt or found.document)
    share = share_record(c, found)
    holder = who is not None and holds(who, found)
    shareable = not found.private and found.status is not CredentialStatus.REVOKED
    email_answer = (
        checks.email_answer(found.document, email, verified=report.verified)
        if email is not None
        else None
    )
    return templates.TemplateResponse(
        request,
        "credential.html",
        {
            "view": credential_view(found.document),
            "report": report,
            "summary": checks.summary(report),
            "status_note": checks.status_note(c, report, found),
            "json_url": _json_url(found),
            "is_jwt": found.jwt is not None,
            "badges": [
                (f.value.upper(), f"/credentials/{credential_id}/badge.{f.value}")
                for f in baking.badge_formats(found.document)
            ],
            "proof_url": f"/credentials/{credential_id}/tlog-proof",
            "certificate_url": f"/credentials/{credential_id}/certificate.pdf",
            "email_action": f"/credentials/{credential_id}/email",
            "email_answer": email_answer,
            "achievement_link": checks.local_achievement_path(c, found.document),
            "open_graph": open_graph(
                share,
                image_url=_png_badge_url(c, found),
                revoked=found.status is CredentialStatus.REVOKED,
            ),
            "canonical_url": found.credential_url,
            "private": found.private,
            "holder": holder,
            "linkedin_url": linkedin_add_url(share) if holder and shareable else None,
            "wallet_panel": holder and _sendable(c, found),
            "credential_id": found.id,
            "csrf": csrf_token(request) if holder else None,
        },
    )


def _sendable(c: Container, found: IssuedCredential) -> bool:
    """True when the holder may send ``found`` to a wallet: active and not expired."""
    until = found.valid_until
    if (
        until is not None
        and (until if until.tzinfo else until.replace(tzinfo=UTC)) <= c.clock.now()
    ):
        return False
    return found.status is CredentialStatus.ACTIVE and found.bound_from is None


def share_record(c: Container, found: IssuedCredential) -> ShareRecord:
    """What share links and cards say about ``found``: our stored names and dates."""
    achievement_name, organisation_name = c.public.names(found)
    return ShareRecord(
        found.id,
        found.credential_url,
        achievement_name,
        organisation_name,
        found.issued_at,
        found.valid_until,
    )


def _png_badge_url(c: Container, found: IssuedCredential) -> str | None:
    if baking.BadgeFormat.PNG not in baking.badge_formats(found.document):
        return None
    return f"{c.urls.base}/credentials/{found.id}/badge.png"


def _signed_in_context(request: Request) -> dict[str, object]:
    """The navigation context of the signed-in visitor, or an empty one: an error page must
    render whatever state the session (or the database) is in, so nothing here raises."""
    try:
        principal = current(request, request.app.state.container)
        return {} if principal is None else page_context(request, principal)
    except Exception as exc:  # an error page never fails: then it shows the signed-out nav
        log.warning("error page: the session could not be read (%s)", type(exc).__name__)
        return {}


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """An error as a page, in the site's layout, with the signed-in visitor's navigation (it
    reads the session: call it from a plain ``def`` or a thread, never on the event loop)."""
    return templates.TemplateResponse(
        request,
        "error.html",
        {**_signed_in_context(request), "title": title, "message": message, "status": status},
        status_code=status,
    )


class _RenderedWhenSent(Response):
    """A response rendered in the thread pool at the moment it is sent, for code on the event
    loop that must hand back a response at once (the body-limit middleware)."""

    def __init__(self, render: Callable[[], Response]) -> None:
        super().__init__()
        self._render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rendered = await run_in_threadpool(self._render)
        await rendered(scope, receive, send)


def error_page_when_sent(request: Request, status: int, title: str, message: str) -> Response:
    """`error_page` for a caller on the event loop: the session is read off the loop."""
    return _RenderedWhenSent(partial(error_page, request, status, title, message))


_HTTP_ERRORS = {
    404: ("Page not found", "There is nothing at this address. Check the link, or start again."),
    405: ("Not possible here", "This address does not take that kind of request."),
}


def http_error_page(request: Request, status: int) -> Response:
    """The page for an HTTP error that reached no handler (an unknown address, say)."""
    title, message = _HTTP_ERRORS.get(
        status, ("Something is not right", "The request could not be answered.")
    )
    return error_page(request, status, title, message)
