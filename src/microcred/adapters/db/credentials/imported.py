"""Learners' imported credentials: the table and its repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime
from microcred.ports.credentials import ImportedCredential
from microcred.ports.skills import CheckRecord


class ImportedCredentialRow(Base):
    """One credential a learner brought in, as presented, with its checks."""

    __tablename__ = "imported_credentials"
    __table_args__ = (
        Index("ix_imported_credentials_org_user", "organisation_id", "user_id", "imported_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16))
    format: Mapped[str] = mapped_column(String(16))
    presented: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2048))
    name: Mapped[str | None] = mapped_column(String(500))
    issuer: Mapped[str | None] = mapped_column(String(500))
    verified: Mapped[bool] = mapped_column(Boolean)
    checks: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _record(row: ImportedCredentialRow) -> ImportedCredential:
    return ImportedCredential(
        id=row.id,
        organisation_id=row.organisation_id,
        user_id=row.user_id,
        source=row.source,
        format=row.format,
        presented=row.presented,
        name=row.name,
        issuer=row.issuer,
        verified=row.verified,
        checks=tuple(CheckRecord(c["check"], c["status"], c["message"]) for c in row.checks),
        imported_at=row.imported_at,
        verified_at=row.verified_at,
        source_url=row.source_url,
    )


def _fill(row: ImportedCredentialRow, record: ImportedCredential) -> None:
    row.name, row.issuer = record.name, record.issuer
    row.verified, row.verified_at = record.verified, record.verified_at
    row.checks = [
        {"check": c.check, "status": c.status, "message": c.message} for c in record.checks
    ]


class SqlImportedCredentials:
    """Imported credentials of one organisation."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add(self, imported: ImportedCredential) -> None:
        if imported.organisation_id != self._org:
            raise ValueError("imported credential belongs to another organisation")
        row = ImportedCredentialRow(
            id=imported.id,
            organisation_id=self._org,
            user_id=imported.user_id,
            source=imported.source,
            format=imported.format,
            presented=imported.presented,
            source_url=imported.source_url,
            imported_at=imported.imported_at,
        )
        _fill(row, imported)
        self._s.add(row)
        self._s.flush()

    def _row(self, imported_id: str) -> ImportedCredentialRow | None:
        return self._s.scalar(
            select(ImportedCredentialRow).where(
                ImportedCredentialRow.id == imported_id,
                ImportedCredentialRow.organisation_id == self._org,
            )
        )

    def get(self, imported_id: str) -> ImportedCredential | None:
        row = self._row(imported_id)
        return _record(row) if row else None

    def of_user(self, user_id: str) -> Sequence[ImportedCredential]:
        rows = self._s.scalars(
            select(ImportedCredentialRow)
            .where(
                ImportedCredentialRow.organisation_id == self._org,
                ImportedCredentialRow.user_id == user_id,
            )
            .order_by(ImportedCredentialRow.imported_at.desc(), ImportedCredentialRow.id)
        )
        return [_record(r) for r in rows]

    def verified(self) -> Sequence[ImportedCredential]:
        rows = self._s.scalars(
            select(ImportedCredentialRow)
            .where(
                ImportedCredentialRow.organisation_id == self._org,
                ImportedCredentialRow.verified.is_(True),
            )
            .order_by(ImportedCredentialRow.id)
        )
        return [_record(r) for r in rows]

    def update(self, imported: ImportedCredential) -> None:
        row = self._row(imported.id)
        if row is not None:
            _fill(row, imported)
            self._s.flush()

    def delete(self, imported_id: str) -> bool:
        result = self._s.execute(
            delete(ImportedCredentialRow).where(
                ImportedCredentialRow.id == imported_id,
                ImportedCredentialRow.organisation_id == self._org,
            )
        )
        return bool(getattr(result, "rowcount", 0))
