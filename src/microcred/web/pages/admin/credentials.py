"""Issuing one credential to an e-mail address, and revoking, suspending or reinstating it with a
reason (the reason shows in the staff history here, never on the public page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.achievement import StatusPurpose
from microcred.domain.credential import CredentialStatus, Recipient, StatusAction
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.services.credentials.issuance import IssueRequest
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import achievements, container, names

router = APIRouter(include_in_schema=False)
#: micro-credentials the issue form offers at once (by name; a search finds the others)
OPTIONS = 50
TONES = {
    CredentialStatus.ACTIVE: "ok",
    CredentialStatus.SUSPENDED: "warn",
    CredentialStatus.REVOKED: "bad",
}
#: what each action is called on its button, and which actions each status allows
ACTIONS = {
    StatusAction.REVOKE: "Revoke",
    StatusAction.SUSPEND: "Suspend",
    StatusAction.REINSTATE: "Reinstate",
}
ALLOWED = {
    CredentialStatus.ACTIVE: (StatusAction.SUSPEND, StatusAction.REVOKE),
    CredentialStatus.SUSPENDED: (StatusAction.REINSTATE, StatusAction.REVOKE),
    CredentialStatus.REVOKED: (),
}


def _list_page(
    request: Request,
    c: Container,
    principal: Principal,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    issued = c.credentials.list(principal, limit=100)
    find = request.query_params.get("find", "")[:200]
    options = {a.id: a for a in c.achievements.search(principal, find, OPTIONS)}
    kept = (typed or {}).get("achievement_id", "")
    if kept and kept not in options:  # the one chosen before an error stays on offer
        options.update(achievements(c, principal, [kept]))
    return render(
        request,
        principal,
        "admin_credentials.html",
        status,
        issued=issued,
        names=names(c, principal, {x.achievement_id for x in issued}),
        options=options,
        find=find,
        more=len(options) >= OPTIONS,
        tones=TONES,
        error=error,
        typed=typed or {},
        issued_id=request.query_params.get("issued"),
    )


@router.get("/admin/credentials")
def credentials_page(request: Request) -> Response:
    """The organisation's credentials, newest first, and the form to issue one."""
    c = container(request)
    principal = staff(request, c, Permission.VIEW_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    return _list_page(request, c, principal)


@router.post("/admin/credentials")
async def issue_one(request: Request) -> Response:
    """Issue a credential for a micro-credential to an e-mail address."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_issue, c, request, form)


def _issue(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        email = typed.get("email", "").strip()
        if not email:
            raise InvalidInput("Give the recipient's e-mail address.")
        name = typed.get("name", "").strip() or None
        aid = typed.get("achievement_id", "")
        if not aid or aid not in achievements(c, principal, [aid]):
            raise InvalidInput("Choose one of your micro-credentials.")
        issued = c.issuance.issue(
            principal, IssueRequest(aid, Recipient(email=email, name=name), [])
        )
    except MicrocredError as exc:
        return _list_page(request, c, principal, exc.explain(), status_of(exc), typed)
    return RedirectResponse(f"/admin/credentials/{issued.id}?issued=1", status_code=303)


def _item_page(
    request: Request,
    c: Container,
    principal: Principal,
    credential_id: str,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    credential = c.credentials.get(principal, credential_id)
    return render(
        request,
        principal,
        "admin_credential.html",
        status,
        credential=credential,
        name=names(c, principal, [credential.achievement_id]).get(
            credential.achievement_id, "Micro-credential"
        ),
        history=c.credentials.history(principal, credential_id),
        tone=TONES[credential.status],
        actions=[
            (a.value, ACTIONS[a])
            for a in ALLOWED[credential.status]
            if a is StatusAction.REVOKE or credential.status_purpose is StatusPurpose.SUSPENSION
        ],
        may_change=Permission.CHANGE_STATUS in principal.permissions,
        error=error,
        typed=typed or {},
    )


@router.get("/admin/credentials/{credential_id}")
def credential_page(credential_id: str, request: Request) -> Response:
    """One credential: its status, its history with reasons, and the status form."""
    c = container(request)
    principal = staff(request, c, Permission.VIEW_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    return _item_page(request, c, principal, credential_id)


@router.post("/admin/credentials/{credential_id}/status")
async def change_status(credential_id: str, request: Request) -> Response:
    """Revoke, suspend or reinstate with a reason."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_change, c, credential_id, request, form)


def _change(c: Container, credential_id: str, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.CHANGE_STATUS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        try:
            action = StatusAction(typed.get("action", ""))
        except ValueError:
            raise InvalidInput("Choose revoke, suspend or reinstate.") from None
        c.credentials.change_status(principal, credential_id, action, typed.get("reason", ""))
    except MicrocredError as exc:
        return _item_page(
            request, c, principal, credential_id, exc.explain(), status_of(exc), typed
        )
    return RedirectResponse(f"/admin/credentials/{credential_id}?changed=1", status_code=303)
