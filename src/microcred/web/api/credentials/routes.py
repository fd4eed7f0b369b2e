"""Issuing, listing and changing the status of credentials; a holder's choice to keep one
private."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from microcred.domain.credential import CredentialStatus, Recipient, StatusAction
from microcred.services.credentials.issuance import IssueRequest
from microcred.web.api.credentials.schemas import (
    CredentialCreate,
    CredentialPublic,
    CredentialVisibilityUpdate,
    StatusChange,
)
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])
#: the caller's own credentials, as their holder
me_router = APIRouter(prefix="/api/v1/me/credentials", tags=["credentials"])


@router.post("", status_code=status.HTTP_201_CREATED)
def issue(body: CredentialCreate, p: PrincipalDep, c: ContainerDep) -> CredentialPublic:
    """Issue a signed OB 3.0 credential (verified before it is stored)."""
    recipient = Recipient(
        did=body.recipient.did, email=body.recipient.email, name=body.recipient.name
    )
    request = IssueRequest(
        body.achievement_id, recipient, [e.to_domain() for e in body.evidence], body.suite
    )
    return CredentialPublic.of(c.issuance.issue(p, request))


@router.get("")
def list_(
    p: PrincipalDep,
    c: ContainerDep,
    achievement_id: str | None = None,
    status_: Annotated[CredentialStatus | None, Query(alias="status")] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[CredentialPublic]:
    """Credentials of your organisation, newest first."""
    found = c.credentials.list(
        p, achievement_id=achievement_id, status=status_, offset=offset, limit=limit
    )
    return [CredentialPublic.of(x) for x in found]


@router.get("/{credential_id}")
def get(credential_id: str, p: PrincipalDep, c: ContainerDep) -> CredentialPublic:
    """One credential with its status."""
    return CredentialPublic.of(c.credentials.get(p, credential_id))


@router.post("/{credential_id}/status")
def change_status(
    credential_id: str, body: StatusChange, p: PrincipalDep, c: ContainerDep
) -> CredentialPublic:
    """Revoke, suspend or reinstate, with a reason; the status list changes at once."""
    changed = c.credentials.change_status(p, credential_id, StatusAction(body.action), body.reason)
    return CredentialPublic.of(changed)


@router.get("/{credential_id}/history")
def history(credential_id: str, p: PrincipalDep, c: ContainerDep) -> list[dict[str, str | None]]:
    """Every status change with who made it and why."""
    return [
        {
            "action": ch.action.value,
            "reason": ch.reason,
            "actor": ch.actor_user_id,
            "at": ch.at.isoformat(),
        }
        for ch in c.credentials.history(p, credential_id)
    ]


@me_router.patch("/{credential_id}")
def set_visibility(
    credential_id: str, body: CredentialVisibilityUpdate, p: PrincipalDep, c: ContainerDep
) -> CredentialPublic:
    """Make one of your credentials private (its public page, JSON and badge answer 404 to
    anyone but you and your organisation's staff) or public again. Only the holder may; the
    signed credential, its status list entry and its log entry do not change."""
    changed = c.credentials.set_private(p, credential_id, body.visibility == "private")
    return CredentialPublic.of(changed)


#: learners' records (CLR 2.0)
records_router = APIRouter(prefix="/api/v1", tags=["credentials"])


@records_router.get("/me/record")
def my_record(p: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """Your learner record: a signed CLR 2.0 ClrCredential holding every active credential
    issued to you, with the courses and pathways they belong to (``association``)."""
    return c.records.record(p)


@records_router.get("/records")
def record_of(
    email: Annotated[str, Query(min_length=3, max_length=320)], p: PrincipalDep, c: ContainerDep
) -> dict[str, Any]:
    """A person's learner record (staff who view credentials), as a signed CLR 2.0 credential."""
    return c.records.record(p, email)
