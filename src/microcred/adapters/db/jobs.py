"""The job queue on the database: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (so workers on other
machines share the load), the single-writer lock on SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.adapters.db.job_wakeup import CHANNEL
from microcred.adapters.db.tables import JobRow
from microcred.ports.clock import Clock
from microcred.ports.jobs import Job

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ERROR = 2000


class SqlJobs:
    """Jobs stored in the ``jobs`` table."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self._s = session
        self._clock = clock

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        run_at: datetime | None = None,
        max_attempts: int = 5,
    ) -> bool:
        """Add a job in the current transaction; False when an equal job is already pending."""
        now = self._clock.now()
        if dedupe_key is not None:
            exists = self._s.scalar(select(JobRow.id).where(JobRow.dedupe_key == dedupe_key))
            if exists is not None:
                return False
        row = JobRow(
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key,
            status=QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            run_at=run_at or now,
            created_at=now,
        )
        try:
            with self._s.begin_nested():
                self._s.add(row)
        except IntegrityError:
            return False  # a concurrent enqueue won the dedupe key
        if self._s.get_bind().dialect.name == "postgresql":
            # delivered at commit (and only then): idle workers LISTENing wake at once
            notify = text("SELECT pg_notify(:channel, :kind)")
            self._s.execute(notify, {"channel": CHANNEL, "kind": kind})
        return True

    def claim(self, worker: str, now: datetime, kinds: Sequence[str] | None = None) -> Job | None:
        """Lock the oldest ready job for ``worker`` (skipping rows other workers hold)."""
        query = (
            select(JobRow)
            .where(JobRow.status == QUEUED, JobRow.run_at <= now)
            .order_by(JobRow.run_at, JobRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if kinds:
            query = query.where(JobRow.kind.in_(list(kinds)))
        row = self._s.scalar(query)
        if row is None:
            return None
        # free the dedupe key as the job starts: work arriving now needs a run after this one
        row.status, row.locked_by, row.locked_at, row.dedupe_key = RUNNING, worker, now, None
        row.attempts += 1
        self._s.flush()
        return Job(row.id, row.kind, dict(row.payload), row.attempts, row.max_attempts)

    def complete(self, job_id: int, now: datetime) -> None:
        """Mark done and free the dedupe key."""
        self._s.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(status=DONE, finished_at=now, dedupe_key=None, locked_by=None)
        )

    def fail(self, job_id: int, error: str, now: datetime, retry_at: datetime | None) -> None:
        """Record a failure; requeue at ``retry_at`` or give up (status failed)."""
        values: dict[str, Any] = {"last_error": error[:MAX_ERROR], "locked_by": None}
        if retry_at is None:
            values |= {"status": FAILED, "finished_at": now, "dedupe_key": None}
        else:
            values |= {"status": QUEUED, "run_at": retry_at}
        self._s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    def touch(self, job_id: int, worker: str, now: datetime) -> bool:
        """Renew ``worker``'s claim on a running job; False when the claim is no longer its."""
        result = self._s.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status == RUNNING, JobRow.locked_by == worker)
            .values(locked_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    def release_stale(self, locked_before: datetime) -> int:
        """Requeue jobs whose worker vanished (locked before ``locked_before``)."""
        result = self._s.execute(
            update(JobRow)
            .where(JobRow.status == RUNNING, JobRow.locked_at < locked_before)
            .values(status=QUEUED, locked_by=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def pending(self, kind: str | None = None) -> int:
        """Jobs queued or running (of ``kind``)."""
        query = select(func.count()).select_from(JobRow).where(JobRow.status.in_([QUEUED, RUNNING]))
        if kind is not None:
            query = query.where(JobRow.kind == kind)
        return int(self._s.scalar(query) or 0)

    def next_due(self, kinds: Sequence[str] | None = None) -> datetime | None:
        """When the earliest queued job (of ``kinds``) becomes ready; None when none is queued."""
        query = select(func.min(JobRow.run_at)).where(JobRow.status == QUEUED)
        if kinds:
            query = query.where(JobRow.kind.in_(list(kinds)))
        return self._s.scalar(query)
