"""Repositories over a SQLAlchemy session. Tenant repositories filter every query by
``organisation_id``; there is no method that reaches across organisations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from microcred.adapters.db import mapping as m
from microcred.adapters.db.tables import (
    ApiTokenRow,
    CredentialRow,
    OrganisationRow,
    SigningKeyRow,
    StatusChangeRow,
    StatusListRow,
    UserRow,
)
from microcred.domain.achievement import StatusPurpose
from microcred.domain.credential import CredentialStatus, IssuedCredential
from microcred.domain.identity import ApiToken, Organisation, User
from microcred.ports.credentials import SigningKeyRecord, StatusChangeRecord, StatusListRecord

MAX_PAGE = 200


def _page(offset: int, limit: int) -> tuple[int, int]:
    return max(0, offset), max(1, min(limit, MAX_PAGE))


class SqlOrganisations:
    """Organisations."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, org: Organisation) -> None:
        self._s.add(m.org_to_row(org, OrganisationRow()))
        self._s.flush()

    def get(self, org_id: str) -> Organisation | None:
        row = self._s.get(OrganisationRow, org_id)
        return m.org_from_row(row) if row else None

    def by_slug(self, slug: str) -> Organisation | None:
        row = self._s.scalar(select(OrganisationRow).where(OrganisationRow.slug == slug))
        return m.org_from_row(row) if row else None

    def list(self) -> Sequence[Organisation]:
        rows = self._s.scalars(select(OrganisationRow).order_by(OrganisationRow.slug))
        return [m.org_from_row(r) for r in rows]

    def update(self, org: Organisation) -> None:
        row = self._s.get(OrganisationRow, org.id)
        if row is not None:
            m.org_to_row(org, row)
            self._s.flush()


class _Scoped:
    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id


class SqlUsers(_Scoped):
    """Users of one organisation."""

    def add(self, user: User) -> None:
        if user.organisation_id != self._org:
            raise ValueError("user belongs to another organisation")
        self._s.add(m.user_to_row(user, UserRow()))
        self._s.flush()

    def _row(self, user_id: str) -> UserRow | None:
        return self._s.scalar(
            select(UserRow).where(UserRow.id == user_id, UserRow.organisation_id == self._org)
        )

    def get(self, user_id: str) -> User | None:
        row = self._row(user_id)
        return m.user_from_row(row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self._s.scalar(
            select(UserRow).where(UserRow.email == email, UserRow.organisation_id == self._org)
        )
        return m.user_from_row(row) if row else None

    def list(self) -> Sequence[User]:
        rows = self._s.scalars(
            select(UserRow).where(UserRow.organisation_id == self._org).order_by(UserRow.email)
        )
        return [m.user_from_row(r) for r in rows]

    def page(
        self, *, search: str | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[User], int]:
        where = [UserRow.organisation_id == self._org]
        if search:
            escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            where.append(
                or_(
                    func.lower(UserRow.email).like(pattern, escape="\\"),
                    func.lower(UserRow.name).like(pattern, escape="\\"),
                )
            )
        total = self._s.scalar(select(func.count()).select_from(UserRow).where(*where)) or 0
        rows = self._s.scalars(
            select(UserRow).where(*where).order_by(UserRow.email).offset(offset).limit(limit)
        )
        return [m.user_from_row(r) for r in rows], total

    def update(self, user: User) -> None:
        row = self._row(user.id)
        if row is not None:
            m.user_to_row(user, row)
            row.organisation_id = self._org
            self._s.flush()


class SqlTokens:
    """API tokens; scoped when ``organisation_id`` is given, global (lookup by hash) otherwise."""

    def __init__(self, session: Session, organisation_id: str | None = None) -> None:
        self._s = session
        self._org = organisation_id

    def _where(self) -> list[ColumnElement[bool]]:
        return [] if self._org is None else [ApiTokenRow.organisation_id == self._org]

    def add(self, token: ApiToken) -> None:
        if self._org is not None and token.organisation_id != self._org:
            raise ValueError("token belongs to another organisation")
        self._s.add(m.token_to_row(token))
        self._s.flush()

    def by_hash(self, token_hash: str) -> ApiToken | None:
        row = self._s.scalar(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash, *self._where())
        )
        return m.token_from_row(row) if row else None

    def list_for_user(self, user_id: str) -> Sequence[ApiToken]:
        rows = self._s.scalars(
            select(ApiTokenRow).where(ApiTokenRow.user_id == user_id, *self._where())
        )
        return [m.token_from_row(r) for r in rows]

    def get(self, token_id: str) -> ApiToken | None:
        row = self._s.scalar(select(ApiTokenRow).where(ApiTokenRow.id == token_id, *self._where()))
        return m.token_from_row(row) if row else None

    def list(self, *, offset: int = 0, limit: int = 200) -> Sequence[ApiToken]:
        offset, limit = _page(offset, limit)
        rows = self._s.scalars(
            select(ApiTokenRow)
            .where(*self._where())
            .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [m.token_from_row(r) for r in rows]

    def revoke(self, token_id: str, now: datetime | None = None) -> bool:
        result = self._s.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, *self._where())
            .values(revoked=True, revoked_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    def revoke_for_user(
        self, user_id: str, now: datetime, *, except_token: str | None = None
    ) -> int:
        conditions = [ApiTokenRow.user_id == user_id, ApiTokenRow.revoked.is_(False)]
        if except_token is not None:
            conditions.append(ApiTokenRow.id != except_token)
        result = self._s.execute(
            update(ApiTokenRow)
            .where(*conditions, *self._where())
            .values(revoked=True, revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0))


class SqlKeys(_Scoped):
    """Signing keys of one organisation."""

    def add(self, key: SigningKeyRecord) -> None:
        if key.organisation_id != self._org:
            raise ValueError("key belongs to another organisation")
        self._s.add(m.key_to_row(key, SigningKeyRow()))
        self._s.flush()

    def _row(self, key_id: str) -> SigningKeyRow | None:
        return self._s.scalar(
            select(SigningKeyRow).where(
                SigningKeyRow.id == key_id, SigningKeyRow.organisation_id == self._org
            )
        )

    def get(self, key_id: str) -> SigningKeyRecord | None:
        row = self._row(key_id)
        return m.key_from_row(row) if row else None

    def active(self, algorithm: str) -> SigningKeyRecord | None:
        row = self._s.scalar(
            select(SigningKeyRow)
            .where(
                SigningKeyRow.organisation_id == self._org,
                SigningKeyRow.algorithm == algorithm,
                SigningKeyRow.active.is_(True),
            )
            .order_by(SigningKeyRow.created_at.desc())
        )
        return m.key_from_row(row) if row else None

    def list(self) -> Sequence[SigningKeyRecord]:
        rows = self._s.scalars(
            select(SigningKeyRow)
            .where(SigningKeyRow.organisation_id == self._org)
            .order_by(SigningKeyRow.created_at)
        )
        return [m.key_from_row(r) for r in rows]

    def update(self, key: SigningKeyRecord) -> None:
        row = self._row(key.id)
        if row is not None:
            m.key_to_row(key, row)
            row.organisation_id = self._org
            self._s.flush()


class SqlCredentials(_Scoped):
    """Issued credentials of one organisation."""

    def add(self, credential: IssuedCredential) -> None:
        if credential.organisation_id != self._org:
            raise ValueError("credential belongs to another organisation")
        self._s.add(m.credential_to_row(credential))
        self._s.flush()

    def _row(self, credential_id: str) -> CredentialRow | None:
        return self._s.scalar(
            select(CredentialRow).where(
                CredentialRow.id == credential_id, CredentialRow.organisation_id == self._org
            )
        )

    def get(self, credential_id: str) -> IssuedCredential | None:
        row = self._row(credential_id)
        return m.credential_from_row(row) if row else None

    def list(
        self,
        *,
        achievement_id: str | None = None,
        recipient_email: str | None = None,
        status: CredentialStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[IssuedCredential]:
        offset, limit = _page(offset, limit)
        query = select(CredentialRow).where(
            CredentialRow.organisation_id == self._org, CredentialRow.bound_from.is_(None)
        )
        if achievement_id is not None:
            query = query.where(CredentialRow.achievement_id == achievement_id)
        if recipient_email is not None:
            query = query.where(CredentialRow.recipient_email == recipient_email)
        if status is not None:
            query = query.where(CredentialRow.status == status.value)
        rows = self._s.scalars(
            query.order_by(CredentialRow.issued_at.desc(), CredentialRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [m.credential_from_row(r) for r in rows]

    def bound_copies(self, credential_id: str) -> Sequence[IssuedCredential]:
        rows = self._s.scalars(
            select(CredentialRow)
            .where(
                CredentialRow.organisation_id == self._org,
                CredentialRow.bound_from == credential_id,
            )
            .order_by(CredentialRow.issued_at, CredentialRow.id)
        )
        return [m.credential_from_row(r) for r in rows]

    def set_status(self, credential_id: str, status: CredentialStatus) -> None:
        self._s.execute(
            update(CredentialRow)
            .where(CredentialRow.id == credential_id, CredentialRow.organisation_id == self._org)
            .values(status=status.value)
        )

    def set_private(self, credential_id: str, private: bool) -> None:
        self._s.execute(
            update(CredentialRow)
            .where(CredentialRow.id == credential_id, CredentialRow.organisation_id == self._org)
            .values(private=private)
        )

    def record_change(self, change: StatusChangeRecord) -> None:
        if change.organisation_id != self._org:
            raise ValueError("change belongs to another organisation")
        self._s.add(
            StatusChangeRow(
                id=change.id,
                organisation_id=self._org,
                credential_id=change.credential_id,
                action=change.action.value,
                reason=change.reason,
                actor_user_id=change.actor_user_id,
                at=change.at,
            )
        )
        self._s.flush()

    def changes(self, credential_id: str) -> Sequence[StatusChangeRecord]:
        rows = self._s.scalars(
            select(StatusChangeRow)
            .where(
                StatusChangeRow.credential_id == credential_id,
                StatusChangeRow.organisation_id == self._org,
            )
            .order_by(StatusChangeRow.at)
        )
        return [m.change_from_row(r) for r in rows]


class SqlStatusLists(_Scoped):
    """Status lists of one organisation; writes lock the row (PostgreSQL) and carry a version."""

    def add(self, status_list: StatusListRecord) -> None:
        if status_list.organisation_id != self._org:
            raise ValueError("status list belongs to another organisation")
        self._s.add(
            StatusListRow(
                id=status_list.id,
                organisation_id=self._org,
                purpose=status_list.purpose.value,
                key_id=status_list.key_id,
                size=status_list.size,
                bits=status_list.bits,
                allocated=status_list.allocated,
                signed_document=status_list.signed_document,
                signed_version=status_list.signed_version,
                created_at=status_list.created_at,
            )
        )
        self._s.flush()

    def _row(self, list_id: str) -> StatusListRow | None:
        # FOR NO KEY UPDATE: credential inserts (FOR KEY SHARE via their foreign key) go on
        return self._s.scalar(
            select(StatusListRow)
            .where(StatusListRow.id == list_id, StatusListRow.organisation_id == self._org)
            .with_for_update(key_share=True)
        )

    def get(self, list_id: str) -> StatusListRecord | None:
        row = self._row(list_id)
        return m.status_list_from_row(row) if row else None

    def read(self, list_id: str) -> StatusListRecord | None:
        row = self._s.scalar(
            select(StatusListRow).where(
                StatusListRow.id == list_id, StatusListRow.organisation_id == self._org
            )
        )
        return m.status_list_from_row(row) if row else None

    def open_list(self, purpose: StatusPurpose, key_id: str) -> StatusListRecord | None:
        row = self._s.scalar(
            select(StatusListRow)
            .where(
                StatusListRow.organisation_id == self._org,
                StatusListRow.purpose == purpose.value,
                StatusListRow.key_id == key_id,
                StatusListRow.allocated < StatusListRow.size / 2,
            )
            .order_by(StatusListRow.created_at)
            .with_for_update(key_share=True)
        )
        return m.status_list_from_row(row) if row else None

    def index_taken(self, list_id: str, index: int) -> bool:
        found = self._s.scalar(
            select(CredentialRow.id).where(
                CredentialRow.status_list_id == list_id,
                CredentialRow.status_index == index,
                CredentialRow.organisation_id == self._org,
            )
        )
        return found is not None

    def save(self, status_list: StatusListRecord) -> None:
        row = self._row(status_list.id)
        if row is None:
            raise ValueError("status list not found")
        row.bits = status_list.bits
        row.allocated = status_list.allocated
        row.signed_document = status_list.signed_document
        row.signed_version = status_list.signed_version
        self._s.flush()
        status_list.version = row.version

    def count_allocation(self, list_id: str, count: int = 1) -> None:
        # one UPDATE of one integer: the bits and the signed list (tens of KiB) are neither
        # re-read nor rewritten per credential; the identity map is kept in step
        self._s.execute(
            update(StatusListRow)
            .where(StatusListRow.id == list_id, StatusListRow.organisation_id == self._org)
            .values(allocated=StatusListRow.allocated + count)
            .execution_options(synchronize_session="evaluate")
        )


class SqlPublic:
    """Public reads by public identifier."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def credential(self, credential_id: str) -> IssuedCredential | None:
        row = self._s.get(CredentialRow, credential_id)
        return m.credential_from_row(row) if row else None

    def status_list(self, list_id: str) -> StatusListRecord | None:
        row = self._s.get(StatusListRow, list_id)
        return m.status_list_from_row(row) if row else None

    def organisation_by_slug(self, slug: str) -> Organisation | None:
        return SqlOrganisations(self._s).by_slug(slug)

    def keys_of(self, organisation_id: str) -> Sequence[SigningKeyRecord]:
        return SqlKeys(self._s, organisation_id).list()

    def all_credentials(self) -> Sequence[IssuedCredential]:
        """Every credential of every organisation: for the operator's audit only."""
        rows = self._s.scalars(select(CredentialRow).order_by(CredentialRow.issued_at))
        return [m.credential_from_row(r) for r in rows]

    def all_status_lists(self) -> Sequence[StatusListRecord]:
        """Every status list of every organisation: for the operator's audit only."""
        rows = self._s.scalars(select(StatusListRow).order_by(StatusListRow.created_at))
        return [m.status_list_from_row(r) for r in rows]

    def all_status_changes(self) -> Sequence[StatusChangeRecord]:
        """Every recorded status change, oldest first: for the operator's audit only."""
        rows = self._s.scalars(select(StatusChangeRow).order_by(StatusChangeRow.at))
        return [m.change_from_row(r) for r in rows]
