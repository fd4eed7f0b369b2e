"""Pages for people: the home page with a verification form, the result, and each credential's
public page (content-negotiated with its JSON at the same URL)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from microcred.bootstrap import Container
from microcred.credentials.parsing import load_json
from microcred.credentials.verify import VerificationReport
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.pages.formatting import points, when, words
from microcred.web.pages.view import credential_view

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
    return templates.TemplateResponse(request, "index.html", {})


@router.post("/verify", response_class=HTMLResponse)
async def verify_page(request: Request) -> Response:
    """Verify a pasted credential (or an uploaded file) and show the checks."""
    c: Container = request.app.state.container
    form = await request.form()
    raw: Any = form.get("credential") or ""
    upload = form.get("file")
    if upload is not None and hasattr(upload, "read"):
        raw = (await upload.read()).decode("utf-8", "replace")
    text = str(raw).strip()
    try:
        # parsing and verifying (remote fetches, canonicalisation) run off the event loop
        report = await run_in_threadpool(_verify_text, c, text)
    except MicrocredError as exc:
        return templates.TemplateResponse(
            request,
            "index.html",
            {"error": exc.explain(), "pasted": text[:200_000]},
            status_code=422,
        )
    view = credential_view(report.credential) if report.credential else None
    return templates.TemplateResponse(
        request, "verify_result.html", {"report": report, "view": view}
    )


def _verify_text(c: Container, text: str) -> VerificationReport:
    """Verify a pasted credential: JSON-LD or a VC-JWT."""
    if not text:
        raise InvalidInput("Paste a credential first.")
    credential: Any
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
    return c.verification.verify(credential)


def credential_page(request: Request, c: Container, credential_id: str) -> Response:
    """A credential's public page with its live verification."""
    found = c.public.credential(credential_id)
    report = c.verification.verify(found.jwt or found.document)
    return templates.TemplateResponse(
        request,
        "credential.html",
        {
            "view": credential_view(found.document),
            "report": report,
            "json_url": f"/credentials/{credential_id}",
            "proof_url": f"/credentials/{credential_id}/tlog-proof",
        },
    )


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """An error as a page, in the site's layout."""
    return templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )


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
