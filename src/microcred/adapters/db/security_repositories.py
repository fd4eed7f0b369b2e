"""Security storage: failure counters of guessable actions (shared by every web process) and
the security events an organisation's admins read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from microcred.adapters.db.tables import AttemptCounterRow, SecurityEventRow
from microcred.domain.identity import SecurityEvent
from microcred.ports.identity import AttemptCounter

_MAX_EVENTS = 500


class SqlAttemptCounters:
    """Counters keyed by an opaque (hashed) key; `lock` serialises concurrent attempts."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def lock(self, key: str, now: datetime) -> AttemptCounter:
        """The counter for ``key`` (created at zero), row-locked until the transaction ends."""
        values = {"key": key, "failures": 0, "locked_until": None, "updated_at": now}
        dialect = self._s.get_bind().dialect.name
        if dialect == "postgresql":
            self._s.execute(pg_insert(AttemptCounterRow).values(values).on_conflict_do_nothing())
        elif dialect == "sqlite":  # the write transaction is already exclusive (BEGIN IMMEDIATE)
            self._s.execute(
                sqlite_insert(AttemptCounterRow).values(values).on_conflict_do_nothing()
            )
        elif self._s.get(AttemptCounterRow, key) is None:
            self._s.execute(insert(AttemptCounterRow).values(values))
        row = self._s.scalars(
            select(AttemptCounterRow)
            .where(AttemptCounterRow.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        return AttemptCounter(row.key, row.failures, row.locked_until, row.updated_at)

    def save(self, counter: AttemptCounter) -> None:
        """Store a counter `lock` returned."""
        row = self._s.get(AttemptCounterRow, counter.key)
        if row is None:
            row = AttemptCounterRow(key=counter.key)
            self._s.add(row)
        row.failures = counter.failures
        row.locked_until = counter.locked_until
        row.updated_at = counter.updated_at
        self._s.flush()

    def delete(self, key: str) -> None:
        """Forget a counter (after a success)."""
        self._s.execute(delete(AttemptCounterRow).where(AttemptCounterRow.key == key))

    def prune(self, idle_since: datetime, now: datetime) -> int:
        """Drop counters idle since ``idle_since`` whose lock (if any) has ended."""
        result = self._s.execute(
            delete(AttemptCounterRow).where(
                AttemptCounterRow.updated_at < idle_since,
                (AttemptCounterRow.locked_until.is_(None)) | (AttemptCounterRow.locked_until < now),
            )
        )
        return int(getattr(result, "rowcount", 0))


class SqlSecurityEvents:
    """Security events of one organisation."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add(self, event: SecurityEvent) -> None:
        """Record an event."""
        if event.organisation_id != self._org:
            raise ValueError("event belongs to another organisation")
        self._s.add(
            SecurityEventRow(
                id=event.id,
                organisation_id=event.organisation_id,
                kind=event.kind,
                user_id=event.user_id,
                actor_user_id=event.actor_user_id,
                client=event.client,
                detail=event.detail,
                at=event.at,
            )
        )
        self._s.flush()

    def recent(self, limit: int = 100) -> Sequence[SecurityEvent]:
        """The newest events first."""
        rows = self._s.scalars(
            select(SecurityEventRow)
            .where(SecurityEventRow.organisation_id == self._org)
            .order_by(SecurityEventRow.at.desc(), SecurityEventRow.id)
            .limit(max(1, min(limit, _MAX_EVENTS)))
        )
        return [
            SecurityEvent(
                r.id,
                r.organisation_id,
                r.kind,
                r.at,
                r.detail,
                r.user_id,
                r.actor_user_id,
                r.client,
            )
            for r in rows
        ]
