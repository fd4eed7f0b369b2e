"""Export runs (an admin's export as a job): the table and its organisation-scoped repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime
from microcred.ports.portability import ExportRun, ExportState


class ExportRunRow(Base):
    """One export an admin asked for."""

    __tablename__ = "export_runs"
    __table_args__ = (Index("ix_export_runs_org_created", "organisation_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    requested_by: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16))
    sealed_passphrase: Mapped[bytes | None] = mapped_column(LargeBinary)
    done: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    archive_sha256: Mapped[str | None] = mapped_column(String(64))
    archive_bytes: Mapped[int | None] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


_FIELDS = (
    "requested_by",
    "sealed_passphrase",
    "done",
    "total",
    "archive_sha256",
    "archive_bytes",
    "records",
    "error",
    "created_at",
    "started_at",
    "finished_at",
)


def _run(row: ExportRunRow) -> ExportRun:
    return ExportRun(
        id=row.id,
        organisation_id=row.organisation_id,
        state=ExportState(row.state),
        **{name: getattr(row, name) for name in _FIELDS},
    )


class SqlExportRuns:
    """`ExportRunRepository` for one organisation."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add(self, run: ExportRun) -> None:
        """Store a new run (of this organisation only)."""
        assert run.organisation_id == self._org
        self._s.add(
            ExportRunRow(
                id=run.id,
                organisation_id=self._org,
                state=run.state.value,
                **{name: getattr(run, name) for name in _FIELDS},
            )
        )
        self._s.flush()

    def _row(self, run_id: str) -> ExportRunRow | None:
        return self._s.scalar(
            select(ExportRunRow).where(
                ExportRunRow.id == run_id, ExportRunRow.organisation_id == self._org
            )
        )

    def get(self, run_id: str) -> ExportRun | None:
        """A run of this organisation."""
        row = self._row(run_id)
        return _run(row) if row else None

    def recent(self, limit: int = 20) -> Sequence[ExportRun]:
        """Newest first."""
        rows = self._s.scalars(
            select(ExportRunRow)
            .where(ExportRunRow.organisation_id == self._org)
            .order_by(ExportRunRow.created_at.desc(), ExportRunRow.id)
            .limit(limit)
        )
        return [_run(r) for r in rows]

    def save(self, run: ExportRun) -> None:
        """Write a run's progress and outcome back."""
        row = self._row(run.id)
        if row is None:
            return
        row.state = run.state.value
        for name in _FIELDS:
            setattr(row, name, getattr(run, name))
        self._s.flush()
