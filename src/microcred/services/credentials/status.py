"""Reading issued credentials, changing their status (revoke, suspend, reinstate) and their
holder's choice to keep them private."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.domain.credential import (
    CredentialStatus,
    IssuedCredential,
    StatusAction,
    next_status,
)
from microcred.domain.identity import Organisation, Permission, Principal
from microcred.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.credentials import StatusChangeRecord, StatusListRecord
from microcred.ports.mail import OfferState
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.ports.webhooks import EventType
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.credentials.status_lists import StatusLists
from microcred.services.ids import new_id
from microcred.services.ledger.service import Ledger
from microcred.services.webhooks import credential_data, emit
from microcred.transparency.entry import LogEvent, change_commitment

MAX_REASON = 2000
_EVENTS = {
    StatusAction.REVOKE: LogEvent.REVOKED,
    StatusAction.SUSPEND: LogEvent.SUSPENDED,
    StatusAction.REINSTATE: LogEvent.REINSTATED,
}


@dataclass(frozen=True, slots=True)
class _Change:
    action: StatusAction
    reason: str
    actor: str | None
    at: datetime


def commitment_of(change: StatusChangeRecord) -> bytes:
    """What the log entry of a status change commits to: its record (reason, actor, time)."""
    return change_commitment(
        change.id, change.action.value, change.reason, change.actor_user_id, change.at
    )


def holds(principal: Principal, credential: IssuedCredential) -> bool:
    """True when ``principal`` is the credential's holder (its recipient, signed in to the
    issuing organisation)."""
    return (
        principal.organisation_id == credential.organisation_id
        and Permission.VIEW_OWN_CREDENTIALS in principal.permissions
        and credential.recipient_email is not None
        and credential.recipient_email.lower() == principal.email.lower()
    )


def may_view(principal: Principal, credential: IssuedCredential) -> bool:
    """True when ``principal`` may see the credential's record: the organisation's staff who
    view credentials, or its holder."""
    if principal.organisation_id != credential.organisation_id:
        return False
    return Permission.VIEW_CREDENTIALS in principal.permissions or holds(principal, credential)


class CredentialService:
    """An organisation's issued credentials."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: IssuerKeys,
        status_lists: StatusLists,
        ledger: Ledger,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keys = keys
        self._lists = status_lists
        self._ledger = ledger

    def get(self, principal: Principal, credential_id: str) -> IssuedCredential:
        """A credential of the principal's organisation (learners: only their own)."""
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).credentials.get(credential_id)
        if found is None or not self._may_see(principal, found):
            raise NotFound("No such credential in your organisation.")
        return found

    @staticmethod
    def _may_see(principal: Principal, credential: IssuedCredential) -> bool:
        return may_view(principal, credential)

    def set_private(
        self, principal: Principal, credential_id: str, private: bool
    ) -> IssuedCredential:
        """Hide a credential's public page and downloads from everyone but its holder and the
        organisation's staff (``private=True``), or show them again. Only the holder decides:
        an admin may neither hide a learner's credential nor publish one they hid. The signed
        credential, its status list entry and its log entry do not change."""
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            found = scope.credentials.get(credential_id)
            if found is None or not self._may_see(principal, found):
                raise NotFound("No such credential in your organisation.")
            if not holds(principal, found):
                raise PermissionDenied(
                    "Only the credential's holder may make it private or public."
                )
            offer = scope.mail.offer_for(found.id)
            if offer is not None and offer.state is not OfferState.ACCEPTED:
                raise Conflict(
                    "This credential was offered to you: accept it before you share it."
                    if offer.state is OfferState.OFFERED
                    else "You declined this credential; it stays private."
                )
            if found.private != private:
                scope.credentials.set_private(found.id, private)
                uow.commit()
        found.private = private
        return found

    def list(
        self,
        principal: Principal,
        *,
        achievement_id: str | None = None,
        status: CredentialStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> list[IssuedCredential]:
        """Credentials of the organisation, newest first (learners: only their own)."""
        email = None
        if Permission.VIEW_CREDENTIALS not in principal.permissions:
            if Permission.VIEW_OWN_CREDENTIALS not in principal.permissions:
                raise PermissionDenied("Your role may not view credentials.")
            email = principal.email
        with self._uow() as uow:
            return list(
                uow.tenant(principal.organisation_id).credentials.list(
                    achievement_id=achievement_id,
                    recipient_email=email,
                    status=status,
                    offset=offset,
                    limit=limit,
                )
            )

    def change_status(
        self, principal: Principal, credential_id: str, action: StatusAction, reason: str
    ) -> IssuedCredential:
        """Revoke, suspend or reinstate; the signed status list changes in the same transaction.
        The copies bound to wallets' DIDs change with it, each with its own log entry."""
        principal.require(Permission.CHANGE_STATUS)
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
            raise InvalidInput(f"Give a reason (1–{MAX_REASON} characters).")
        with self._uow() as uow:
            credential = self._change_within(
                uow,
                principal.organisation_id,
                credential_id,
                action,
                reason.strip(),
                principal.user_id,
            )
            uow.commit()
        return credential

    def revoke_within(
        self,
        uow: UnitOfWork,
        organisation_id: str,
        credential_id: str,
        reason: str,
        actor_user_id: str | None,
    ) -> IssuedCredential:
        """Revoke inside the caller's transaction (e.g. an earner declining an offer): the
        status list bit, the status change record and the log entry, as `change_status` does."""
        return self._change_within(
            uow, organisation_id, credential_id, StatusAction.REVOKE, reason, actor_user_id
        )

    def _change_within(
        self,
        uow: UnitOfWork,
        organisation_id: str,
        credential_id: str,
        action: StatusAction,
        reason: str,
        actor_user_id: str | None,
    ) -> IssuedCredential:
        org = uow.organisations.get(organisation_id)
        scope = uow.tenant(organisation_id)
        credential = scope.credentials.get(credential_id)
        if org is None or credential is None:
            raise NotFound("No such credential in your organisation.")
        old_status = credential.status
        new_status = next_status(old_status, action, credential.status_purpose)
        change = _Change(action, reason, actor_user_id, self._clock.now())
        self._apply(uow, scope, org, credential, new_status, change)
        credential.status = new_status
        if action is StatusAction.REVOKE:
            data = credential_data(credential) | {"reason": change.reason}
            emit(uow, org.id, EventType.CREDENTIAL_REVOKED, data, change.at, subject=credential.id)
        for copy in scope.credentials.bound_copies(credential.id):
            if copy.status is old_status:  # a copy revoked on its own stays revoked
                self._apply(uow, scope, org, copy, new_status, change)
        return credential

    def _apply(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        org: Organisation,
        credential: IssuedCredential,
        new_status: CredentialStatus,
        change: _Change,
    ) -> None:
        record = scope.status_lists.get(credential.status_list_id)
        if record is None:
            raise NotFound("The credential's status list is missing.")
        signer = self._keys.signer_for(scope, org, record.key_id)
        self._lists.set_bit(
            scope,
            record,
            credential.status_index,
            new_status is not CredentialStatus.ACTIVE,
            signer,
            change.at,
        )
        scope.credentials.set_status(credential.id, new_status)
        stored = StatusChangeRecord(
            new_id(), org.id, credential.id, change.action, change.reason, change.actor, change.at
        )
        self._ledger.record(uow, _EVENTS[change.action], credential, commitment_of(stored))
        scope.credentials.record_change(stored)

    def history(self, principal: Principal, credential_id: str) -> Sequence[StatusChangeRecord]:
        """Every status change of a credential."""
        self.get(principal, credential_id)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).credentials.changes(credential_id)


class PublicDocuments:
    """What the server publishes to everyone: credentials, status lists and DID documents."""

    def __init__(
        self, uow: UnitOfWorkFactory, keys: IssuerKeys, lists: StatusLists, clock: Clock
    ) -> None:
        self._uow = uow
        self._keys = keys
        self._lists = lists
        self._clock = clock

    def credential(self, credential_id: str) -> IssuedCredential:
        """A credential by its public id, private or not (for checks on a file already in
        hand; what is shown or downloaded by id goes through `shared`)."""
        with self._uow() as uow:
            found = uow.public.credential(credential_id)
        if found is None:
            raise NotFound("No such credential.")
        return found

    def shared(self, credential_id: str, viewer: Principal | None) -> IssuedCredential:
        """A credential to show or download by its id: a private one only to its holder and
        the organisation's staff; to anyone else it does not exist (the same answer as an
        unknown id)."""
        found = self.credential(credential_id)
        if found.private and (viewer is None or not may_view(viewer, found)):
            raise NotFound("No such credential.")
        return found

    def changed_at(self, credential: IssuedCredential, action: StatusAction) -> datetime | None:
        """When ``action`` was last applied to the credential (the reason stays private)."""
        with self._uow() as uow:
            changes = uow.tenant(credential.organisation_id).credentials.changes(credential.id)
        return max((ch.at for ch in changes if ch.action is action), default=None)

    def names(self, credential: IssuedCredential) -> tuple[str, str]:
        """The credential's achievement name and its organisation's name, as the issuer stores
        them today (for share links and cards: our record, not the document's claims)."""
        with self._uow() as uow:
            org = uow.organisations.get(credential.organisation_id)
            achievement = uow.tenant(credential.organisation_id).achievements.get(
                credential.achievement_id
            )
        return (
            achievement.name if achievement else "Micro-credential",
            org.name if org else "its issuer",
        )

    def status_list(self, list_id: str) -> dict[str, Any]:
        """The signed status list credential, re-signed first when its window is half gone."""
        with self._uow() as uow:
            record = uow.public.status_list(list_id)
        if record is None:
            raise NotFound("No such status list.")
        if self._lists.needs_refresh(record, self._clock.now()):
            record = self._refresh(record)
        return StatusLists.document(record)

    def _refresh(self, stale: StatusListRecord) -> StatusListRecord:
        with self._uow() as uow:
            org = uow.organisations.get(stale.organisation_id)
            scope = uow.tenant(stale.organisation_id)
            record = scope.status_lists.get(stale.id)  # locks the row: one re-signer at a time
            now = self._clock.now()
            if org is None or record is None or not self._lists.needs_refresh(record, now):
                return record or stale
            self._lists.refresh(record, self._keys.signer_for(scope, org, record.key_id), now)
            scope.status_lists.save(record)
            uow.commit()
        return record

    def did_document(self, org_slug: str) -> dict[str, Any]:
        """The organisation's did:web document (also served for did:key organisations)."""
        with self._uow() as uow:
            org = uow.public.organisation_by_slug(org_slug)
            if org is None:
                raise NotFound("No such organisation.")
            keys = uow.public.keys_of(org.id)
        return self._keys.did_document(org, keys)
