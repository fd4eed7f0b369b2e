"""Tables for bulk issuance: runs (one uploaded file each), their rows, and the idempotency keys
that make issuing the same row twice impossible (a unique key per organisation)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class BulkRunRow(Base):
    """One uploaded CSV file and its progress."""

    __tablename__ = "bulk_runs"
    __table_args__ = (Index("ix_bulk_runs_org_created", "organisation_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[str] = mapped_column(String(320))
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16))
    total_rows: Mapped[int] = mapped_column(Integer)
    problem_rows: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
    already_issued: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BulkRunLineRow(Base):
    """One row of an uploaded file: its checked values, or its problems."""

    __tablename__ = "bulk_run_rows"
    __table_args__ = (Index("ix_bulk_run_rows_run_state", "run_id", "state", "row"),)
    run_id: Mapped[str] = mapped_column(ForeignKey("bulk_runs.id"), primary_key=True)
    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    key: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    achievement_id: Mapped[str | None] = mapped_column(String(36))
    issued_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_on: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evidence_url: Mapped[str | None] = mapped_column(String(2048))
    evidence_narrative: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    problems: Mapped[list[list[str]]] = mapped_column(JSON)
    credential_id: Mapped[str | None] = mapped_column(String(36))


class BulkIssuanceKeyRow(Base):
    """A row issued once: its idempotency key, unique within the organisation."""

    __tablename__ = "bulk_issuance_keys"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    run_id: Mapped[str] = mapped_column(ForeignKey("bulk_runs.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
