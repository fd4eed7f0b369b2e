"""API models of export runs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from microcred.ports import ExportRun


class ExportCreate(BaseModel):
    """Start an export: the passphrase seals the keys inside the archive (not stored once the
    job has used it)."""

    model_config = ConfigDict(extra="forbid")
    passphrase: str = Field(min_length=12, max_length=1000)


class ExportPublic(BaseModel):
    """An export run: its state, progress (kinds of record written of ``total``) and, when
    done, the archive's size, SHA-256 and download URL."""

    id: str
    state: str
    requested_by: str
    done: int
    total: int
    records: int
    archive_bytes: int | None
    archive_sha256: str | None
    archive_url: str | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, run: ExportRun) -> ExportPublic:
        """The API view of ``run``."""
        return cls(
            id=run.id,
            state=run.state.value,
            requested_by=run.requested_by,
            done=run.done,
            total=run.total,
            records=run.records,
            archive_bytes=run.archive_bytes,
            archive_sha256=run.archive_sha256,
            archive_url=f"/api/v1/exports/{run.id}/archive" if run.archive_sha256 else None,
            error=run.error,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )
