"""Public pages beside the verify form: a credential's downloads (its JSON or VC-JWT, and its
baked badge, PNG or SVG), the e-mail check on its page, an organisation's page listing its
micro-credentials, and the achievement URL every credential carries (a page for browsers, the
OB 3.0 ``Achievement`` for API clients). Nothing here shows people or counts of recipients."""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from microcred.bootstrap import Container
from microcred.credentials.achievement_credential import achievement_json
from microcred.credentials.baking import BadgeFormat, credential_badge
from microcred.credentials.certificate import CertificateFields, Paper, render_certificate
from microcred.domain.achievement import Achievement
from microcred.domain.credential import CredentialStatus
from microcred.errors import InvalidInput, NotFound
from microcred.web.pages.routes import credential_page, templates, wants_html
from microcred.web.pages.session import viewer

router = APIRouter(include_in_schema=False)


def _filename(name: str, credential_id: str, ext: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "credential"
    safe_id = re.sub(r"[^A-Za-z0-9-]", "", credential_id)[:64]
    return f"{stem}-{safe_id}.{ext}"


def _achievement_name(document: dict[str, Any]) -> str:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = achievement.get("name") if isinstance(achievement, dict) else None
    return name if isinstance(name, str) else "credential"


@router.get("/credentials/{credential_id}.json")
def download_json(credential_id: str, request: Request) -> Response:
    """The credential as a file to keep (``Content-Disposition: attachment``); the same bytes as
    ``/credentials/<id>`` gives an API client."""
    c: Container = request.app.state.container
    found = c.public.shared(credential_id, viewer(request, c))
    if found.jwt is not None:
        raise NotFound("This credential is a VC-JWT: download it as .jwt instead.")
    response = JSONResponse(found.document)
    filename = _filename(_achievement_name(found.document), credential_id, "json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/credentials/{credential_id}.jwt")
def download_jwt(credential_id: str, request: Request) -> Response:
    """A VC-JWT credential as a text file to keep."""
    c: Container = request.app.state.container
    found = c.public.shared(credential_id, viewer(request, c))
    if found.jwt is None:
        raise NotFound("This credential is JSON: download it as .json instead.")
    filename = _filename(_achievement_name(found.document), credential_id, "jwt")
    return Response(
        found.jwt,
        media_type="application/vc+jwt",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


#: an SVG badge opened on its own is a document: it may show itself and its inline images only
_BADGE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


@router.get("/credentials/{credential_id}/badge.{ext}")
def download_badge(credential_id: str, ext: str, request: Request) -> Response:
    """The credential baked into its badge image (OB 3.0 §5.3): ``badge.png`` when the issuer's
    image is a PNG, ``badge.svg`` always (the issuer's SVG, its PNG wrapped, or the default
    badge)."""
    try:
        fmt = BadgeFormat(ext)
    except ValueError:
        raise NotFound("A badge downloads as badge.png or badge.svg.") from None
    c: Container = request.app.state.container
    found = c.public.shared(credential_id, viewer(request, c))
    image = credential_badge(found.document, fmt, jwt=found.jwt)
    filename = _filename(_achievement_name(found.document), credential_id, fmt.value)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt is BadgeFormat.SVG:
        headers["Content-Security-Policy"] = _BADGE_POLICY
    return Response(image, media_type=fmt.media_type, headers=headers)


@router.get("/credentials/{credential_id}/certificate.pdf")
def download_certificate(credential_id: str, request: Request, paper: str = "a4") -> Response:
    """The credential as a printable PDF certificate (``?paper=a4`` or ``letter``) with a QR
    code of its public page and the signed credential attached. A revoked or suspended
    credential's certificate carries that word as a banner. A plain ``def``: FastAPI runs it,
    and the rendering, in the thread pool."""
    try:
        size = Paper(paper.lower())
    except ValueError:
        raise InvalidInput("A certificate prints on paper=a4 or paper=letter.") from None
    c: Container = request.app.state.container
    found = c.public.shared(credential_id, viewer(request, c))  # a private one: 404
    status: Literal["revoked", "suspended"] | None = None
    if found.status is CredentialStatus.REVOKED:
        status = "revoked"
    elif found.status is CredentialStatus.SUSPENDED:
        status = "suspended"
    fields = CertificateFields(verify_url=c.urls.credential(found.id), status=status)
    pdf = render_certificate(found.document, fields, size, jwt=found.jwt)
    filename = _filename(_achievement_name(found.document), credential_id, "pdf")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/credentials/{credential_id}/email", response_class=HTMLResponse)
async def email_check(credential_id: str, request: Request) -> Response:
    """Is this credential about this e-mail address? Compared with the salted hash in the
    credential, never stored or logged; the form changes nothing, so it needs no CSRF token
    (it is a POST only to keep the address out of URLs, histories and access logs)."""
    c: Container = request.app.state.container
    form = await request.form()
    email = str(form.get("email") or "")
    # reading the credential and verifying it run off the event loop
    return await run_in_threadpool(credential_page, request, c, credential_id, email)


def _skills(achievement: Achievement) -> list[dict[str, Any]]:
    return [
        {
            "name": a.target_name,
            "url": a.target_url if a.target_url.startswith(("https://", "http://")) else None,
            "framework": a.target_framework,
            "level": a.level,
        }
        for a in achievement.alignments
    ]


@router.get("/orgs/{slug}", response_model=None)
def organisation_page(slug: str, request: Request) -> Response:
    """An organisation's public page: who it is and the micro-credentials it awards."""
    c: Container = request.app.state.container
    org = c.directory.organisation(slug)
    achievements = c.directory.achievements(org)
    if not wants_html(request):
        issuer = c.directory.issuer(org)
        return JSONResponse(
            {
                **issuer.to_json(),
                "achievements": [
                    achievement_json(a, c.urls.achievement(org.slug, a.id), issuer)
                    for a in achievements
                ],
            }
        )
    return templates.TemplateResponse(
        request,
        "organisation.html",
        {
            "org": org,
            "achievements": [{"a": a, "skills": _skills(a)} for a in achievements],
        },
    )


@router.get("/orgs/{slug}/achievements/{achievement_id}", response_model=None)
def achievement_page(slug: str, achievement_id: str, request: Request) -> Response:
    """The achievement URL inside every credential: a page for people, the OB 3.0 Achievement
    for API clients."""
    c: Container = request.app.state.container
    org = c.directory.organisation(slug)
    achievement = c.directory.achievement(org, achievement_id)
    if not wants_html(request):
        url = c.urls.achievement(org.slug, achievement.id)
        return JSONResponse(achievement_json(achievement, url, c.directory.issuer(org)))
    return templates.TemplateResponse(
        request,
        "achievement.html",
        {"org": org, "a": achievement, "skills": _skills(achievement)},
    )
