"""The learner's pages: their credentials (a wallet), pathway progress with each next step a
link, and one micro-credential's page to submit evidence (text, links, files, a code archive),
follow its review, read feedback and resubmit, with every version listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from microcred.bootstrap import Container
from microcred.domain.credential import CredentialStatus, IssuedCredential
from microcred.domain.identity import Permission, Principal
from microcred.domain.learning import Submission, SubmissionStatus
from microcred.errors import InvalidInput, MicrocredError, NotFound
from microcred.services.credentials import FORMAT_WORDS
from microcred.services.learning.evidence import Upload
from microcred.web.errors import status_of
from microcred.web.pages.common import achievements, container, page_context
from microcred.web.pages.common import names as c_names
from microcred.web.pages.routes import error_page, templates
from microcred.web.pages.session import check_csrf, current
from microcred.web.pages.sharing import ShareRecord, linkedin_add_url

router = APIRouter(include_in_schema=False)

#: page routes that take files: their bodies may reach ``MICROCRED_MAX_UPLOAD_BYTES``
UPLOAD_ROUTES = ("/learn/{achievement_id}/submit",)
MAX_PARTS = 20
#: what a holder may make a credential: its public page shown to anyone, or hidden
VISIBILITIES = ("private", "public")

#: what a learner reads for each submission state
STATE_WORDS = {
    SubmissionStatus.SUBMITTED: ("Being reviewed", "info"),
    SubmissionStatus.IN_HUMAN_REVIEW: ("Waiting for a reviewer", "info"),
    SubmissionStatus.PASSED: ("Passed", "ok"),
    SubmissionStatus.NOT_YET: ("Not passed yet", "warn"),
    SubmissionStatus.SUPERSEDED: ("Replaced by a newer version", "neutral"),
}


@dataclass(frozen=True, slots=True)
class WalletEntry:
    """A credential as its holder sees it in their wallet."""

    credential: IssuedCredential
    name: str
    state: str
    tone: str
    #: LinkedIn's "Add to profile" link; None while the credential is private or revoked
    linkedin: str | None = None
    #: offered to its holder and not yet accepted or declined (docs/email.md)
    offered: bool = False


def _wallet(
    c: Container, principal: Principal, held: Sequence[IssuedCredential], names: dict[str, str]
) -> list[WalletEntry]:
    now = c.clock.now()
    organisation = c.identity.get_organisation(principal.organisation_id).name
    entries = []
    offered = c.mail.offers.pending(principal)
    for cred in held:
        if cred.recipient_email and cred.recipient_email.lower() != principal.email.lower():
            continue  # an issuer's own list shows everyone's; the wallet is the holder's
        until = cred.valid_until
        expired = until is not None and (until if until.tzinfo else until.replace(tzinfo=UTC)) < now
        if cred.id in offered:
            state, tone = "Offered to you", "info"
        elif cred.status is CredentialStatus.REVOKED:
            state, tone = "Revoked", "bad"
        elif cred.status is CredentialStatus.SUSPENDED:
            state, tone = "Suspended", "warn"
        elif expired:
            state, tone = "Expired", "neutral"
        else:
            state, tone = "Valid", "ok"
        name = names.get(cred.achievement_id, "Micro-credential")
        share = ShareRecord(
            cred.id, cred.credential_url, name, organisation, cred.issued_at, cred.valid_until
        )
        shareable = not cred.private and cred.status is not CredentialStatus.REVOKED
        link = linkedin_add_url(share) if shareable else None
        entries.append(WalletEntry(cred, name, state, tone, link, cred.id in offered))
    return entries


@router.get("/learn")
def learn(request: Request) -> Response:
    """The learner's credentials, pathways with their next steps, and submissions."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    enrolled = c.learning.my_enrolments(principal)
    held = c.credentials.list(principal, limit=200)
    progress = c.learning.progress(principal)
    submissions = list(reversed(c.learning.my_submissions(principal)))
    names = c_names(
        c,
        principal,
        [e.achievement_id for e in enrolled if e.achievement_id]
        + [x.achievement_id for x in held]
        + [a for p in progress for a in p.unlocked]
        + [s.achievement_id for s in submissions],
    )
    enrolled_pathways = {e.pathway_id for e in enrolled if e.pathway_id}
    single = [e.achievement_id for e in enrolled if e.achievement_id in names]
    return templates.TemplateResponse(
        request,
        "learn.html",
        page_context(
            request,
            principal,
            wallet=_wallet(c, principal, held, names),
            imports=c.imports.list(principal)
            if Permission.VIEW_OWN_CREDENTIALS in principal.permissions
            else [],
            format_words=FORMAT_WORDS,
            wants_reminders=c.mail.preferences.wants_reminders(principal),
            progress=progress,
            single=single,
            open_pathways=[
                p for p in c.learning.pathways(principal) if p.id not in enrolled_pathways
            ],
            submissions=submissions,
            names=names,
            states=STATE_WORDS,
        ),
    )


@router.get("/learn/record.json")
def learner_record(request: Request) -> Response:
    """The learner's record as a signed CLR 2.0 file to download."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    try:
        record = c.records.record(principal)
    except NotFound as exc:  # nothing earned yet: an answer, not a failure
        return error_page(request, 200, "No learner record yet", exc.message)
    except MicrocredError as exc:
        return error_page(request, status_of(exc), "No learner record", exc.message)
    return JSONResponse(
        record,
        media_type="application/vc+ld+json",
        headers={"Content-Disposition": 'attachment; filename="learner-record.json"'},
    )


@router.post("/learn/credentials/{credential_id}/visibility")
async def credential_visibility(credential_id: str, request: Request) -> Response:
    """The holder makes a credential private (its public page and downloads answer 404 to
    anyone but them and the organisation's staff) or public again."""
    c = container(request)
    form = await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_credential_visibility, c, request, credential_id, form)


def _credential_visibility(
    c: Container, request: Request, credential_id: str, form: FormData
) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    visibility = form.get("visibility")
    if visibility not in VISIBILITIES:
        raise InvalidInput("Choose whether the credential is private or public.")
    c.credentials.set_private(principal, credential_id, visibility == "private")
    return RedirectResponse(f"/learn?visibility={visibility}#wallet", status_code=303)


@router.post("/learn/enrol")
async def enrol(request: Request) -> Response:
    """Enrol in a pathway from the learner's page."""
    c = container(request)
    form = await request.form(max_files=0, max_fields=5)
    return await run_in_threadpool(_enrol, c, request, form)


def _enrol(c: Container, request: Request, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    pathway_id = form.get("pathway_id")
    if not isinstance(pathway_id, str) or not pathway_id:
        raise InvalidInput("Choose a pathway to enrol in.")
    c.learning.enrol(principal, pathway_id=pathway_id)
    return RedirectResponse("/learn?enrolled=1", status_code=303)


def _work_page(
    request: Request,
    c: Container,
    principal: Principal,
    achievement_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    entered: dict[str, Any] | None = None,
) -> Response:
    achievement = achievements(c, principal, [achievement_id]).get(achievement_id)
    if achievement is None:
        return error_page(
            request, 404, "Not found", "No such micro-credential in your organisation."
        )
    versions = [
        s
        for s in reversed(c.learning.my_submissions(principal))
        if s.achievement_id == achievement_id
    ]
    latest: Submission | None = versions[0] if versions else None
    return templates.TemplateResponse(
        request,
        "learn_work.html",
        page_context(
            request,
            principal,
            achievement=achievement,
            versions=versions,
            latest=latest,
            waiting=latest is not None and latest.open,
            passed=any(s.status is SubmissionStatus.PASSED for s in versions),
            states=STATE_WORDS,
            error=error,
            entered=entered or {},
            max_upload=c.settings.max_upload_bytes,
        ),
        status_code=status,
    )


@router.get("/learn/{achievement_id}")
def work(achievement_id: str, request: Request) -> Response:
    """One micro-credential: what it asks, the submission form, and every version so far."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return _work_page(request, c, principal, achievement_id)


@router.post("/learn/{achievement_id}/submit")
async def submit(achievement_id: str, request: Request) -> Response:
    """Submit (or resubmit) evidence: text, links, files and a code archive."""
    c = container(request)
    form = await request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS + 5)
    texts = [v.strip() for v in form.getlist("text") if isinstance(v, str) and v.strip()]
    links = [v.strip() for v in form.getlist("link") if isinstance(v, str) and v.strip()]
    uploads: dict[str, list[Upload]] = {"file": [], "code": []}
    for field, received in uploads.items():
        for item in form.getlist(field):
            if isinstance(item, UploadFile) and item.filename:
                received.append(Upload(item.filename, await item.read()))
    entered = {"text": "\n".join(texts), "link": "\n".join(links)}
    return await run_in_threadpool(
        _submit, c, request, form.get("csrf"), achievement_id, texts, links, uploads, entered
    )


def _submit(
    c: Container,
    request: Request,
    csrf: object,
    achievement_id: str,
    texts: list[str],
    links: list[str],
    uploads: dict[str, list[Upload]],
    entered: dict[str, Any],
) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, csrf)
    # one link per line in the form
    links = [line.strip() for link in links for line in link.splitlines() if line.strip()]
    try:
        c.learning.submit(
            principal,
            achievement_id,
            texts=texts,
            links=links,
            files=uploads["file"],
            code=uploads["code"],
        )
    except MicrocredError as exc:
        return _work_page(
            request,
            c,
            principal,
            achievement_id,
            error=exc.explain(),
            status=status_of(exc),
            entered=entered,
        )
    return RedirectResponse(f"/learn/{achievement_id}?submitted=1", status_code=303)


@router.get("/learn/submissions/{submission_id}/status")
def submission_status(submission_id: str, request: Request) -> Response:
    """A submission's state for the page that follows it (the signed-in learner's own)."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return JSONResponse({"error": "unauthenticated"}, status_code=401)
    found = c.learning.submission(principal, submission_id)
    words, tone = STATE_WORDS[found.status]
    return JSONResponse(
        {"state": found.status.value, "words": words, "tone": tone, "open": found.open},
        headers={"Cache-Control": "no-store"},
    )
