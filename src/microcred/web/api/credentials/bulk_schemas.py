"""API models of bulk issuance: a run with its progress, and its rows' problems."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from microcred.ports.credentials import BulkRowRecord, BulkRun


class BulkRunPublic(BaseModel):
    """One uploaded CSV file: its state, counts and progress (``processed`` of ``total_rows``)."""

    id: str
    filename: str
    file_sha256: str
    dry_run: bool
    state: str
    total_rows: int
    problem_rows: int
    issued: int
    already_issued: int
    failed: int
    processed: int
    progress: float
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, run: BulkRun) -> BulkRunPublic:
        return cls(
            id=run.id,
            filename=run.filename,
            file_sha256=run.file_sha256,
            dry_run=run.dry_run,
            state=run.state.value,
            total_rows=run.total_rows,
            problem_rows=run.problem_rows,
            issued=run.issued,
            already_issued=run.already_issued,
            failed=run.failed,
            processed=run.processed,
            progress=round(run.processed / run.total_rows, 4) if run.total_rows else 0.0,
            error=run.error,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class BulkProblemPublic(BaseModel):
    """What is wrong with one cell (``column`` empty: the row as a whole)."""

    column: str
    problem: str
    value: str


class BulkRowPublic(BaseModel):
    """One row of the file, numbered as a spreadsheet shows it (the header is row 1)."""

    row: int
    state: str
    credential_id: str | None
    external_id: str | None
    problems: list[BulkProblemPublic]

    @classmethod
    def of(cls, row: BulkRowRecord) -> BulkRowPublic:
        return cls(
            row=row.row,
            state=row.state.value,
            credential_id=row.credential_id,
            external_id=row.external_id,
            problems=[BulkProblemPublic(column=c, problem=p, value=v) for c, p, v in row.problems],
        )


class BulkReportPublic(BaseModel):
    """A run and one page of its rows (those with problems unless ``all`` was asked)."""

    run: BulkRunPublic
    rows: list[BulkRowPublic]
    total: int
    offset: int
    limit: int
