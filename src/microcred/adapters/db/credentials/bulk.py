"""Bulk-issuance runs, rows and idempotency keys of one organisation, on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from microcred.adapters.db.credentials.bulk_tables import (
    BulkIssuanceKeyRow,
    BulkRunLineRow,
    BulkRunRow,
)
from microcred.ports.credentials import BulkRowRecord, BulkRowState, BulkRun, BulkState

MAX_PAGE = 500
_INSERT_BATCH = 1000
_KEY_BATCH = 500
_RUN_FIELDS = (
    "created_by",
    "filename",
    "file_sha256",
    "dry_run",
    "total_rows",
    "problem_rows",
    "issued",
    "already_issued",
    "failed",
    "processed",
    "attempts",
    "error",
    "created_at",
    "started_at",
    "finished_at",
)


def _run(row: BulkRunRow) -> BulkRun:
    return BulkRun(
        id=row.id,
        organisation_id=row.organisation_id,
        state=BulkState(row.state),
        **{name: getattr(row, name) for name in _RUN_FIELDS},
    )


def _line(row: BulkRunLineRow) -> BulkRowRecord:
    return BulkRowRecord(
        run_id=row.run_id,
        row=row.row,
        state=BulkRowState(row.state),
        key=row.key,
        email=row.email,
        name=row.name,
        achievement_id=row.achievement_id,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        evidence_url=row.evidence_url,
        evidence_narrative=row.evidence_narrative,
        external_id=row.external_id,
        problems=[(str(p[0]), str(p[1]), str(p[2])) for p in row.problems or []],
        credential_id=row.credential_id,
    )


class SqlBulkIssuance:
    """Bound to one organisation: every query filters by it."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    def add_run(self, run: BulkRun, rows: Sequence[BulkRowRecord]) -> None:
        """Store a run and all its rows (in batches; one transaction, the caller's)."""
        if run.organisation_id != self._org:
            raise ValueError("run belongs to another organisation")
        values: dict[str, Any] = {name: getattr(run, name) for name in _RUN_FIELDS}
        self._s.add(BulkRunRow(id=run.id, organisation_id=self._org, state=run.state, **values))
        self._s.flush()
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = [
                {
                    "run_id": run.id,
                    "row": r.row,
                    "organisation_id": self._org,
                    "state": r.state.value,
                    "key": r.key,
                    "email": r.email,
                    "name": r.name,
                    "achievement_id": r.achievement_id,
                    "issued_on": r.issued_on,
                    "expires_on": r.expires_on,
                    "evidence_url": r.evidence_url,
                    "evidence_narrative": r.evidence_narrative,
                    "external_id": r.external_id,
                    "problems": [list(p) for p in r.problems],
                    "credential_id": r.credential_id,
                }
                for r in rows[start : start + _INSERT_BATCH]
            ]
            self._s.execute(insert(BulkRunLineRow), batch)

    def _row(self, run_id: str) -> BulkRunRow | None:
        return self._s.scalar(
            select(BulkRunRow)
            .where(BulkRunRow.id == run_id, BulkRunRow.organisation_id == self._org)
            .execution_options(populate_existing=True)
        )

    def run(self, run_id: str) -> BulkRun | None:
        """One run of this organisation."""
        row = self._row(run_id)
        return _run(row) if row else None

    def runs(self, *, offset: int = 0, limit: int = 50) -> Sequence[BulkRun]:
        """Runs, newest first."""
        rows = self._s.scalars(
            select(BulkRunRow)
            .where(BulkRunRow.organisation_id == self._org)
            .order_by(BulkRunRow.created_at.desc(), BulkRunRow.id)
            .offset(max(0, offset))
            .limit(max(1, min(limit, MAX_PAGE)))
        )
        return [_run(r) for r in rows]

    def move(
        self, run_id: str, from_states: Sequence[BulkState], to: BulkState, now: datetime
    ) -> bool:
        """Change a run's state only if it is in one of ``from_states`` (one wins a race)."""
        values: dict[str, Any] = {"state": to.value}
        if to is BulkState.RUNNING:
            values["started_at"] = func.coalesce(BulkRunRow.started_at, now)
        if to in {BulkState.DONE, BulkState.FAILED}:
            values["finished_at"] = now
        result = self._s.execute(
            update(BulkRunRow)
            .where(
                BulkRunRow.id == run_id,
                BulkRunRow.organisation_id == self._org,
                BulkRunRow.state.in_([s.value for s in from_states]),
            )
            .values(**values)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    def save(self, run: BulkRun) -> None:
        """Store a run's state, error and attempts."""
        self._s.execute(
            update(BulkRunRow)
            .where(BulkRunRow.id == run.id, BulkRunRow.organisation_id == self._org)
            .values(
                state=run.state.value,
                error=run.error,
                attempts=run.attempts,
                finished_at=run.finished_at,
            )
        )

    def progress(self, run_id: str, *, issued: int, already: int, failed: int) -> None:
        """Count a committed chunk (in SQL, so concurrent workers never lose a count)."""
        self._s.execute(
            update(BulkRunRow)
            .where(BulkRunRow.id == run_id, BulkRunRow.organisation_id == self._org)
            .values(
                issued=BulkRunRow.issued + issued,
                already_issued=BulkRunRow.already_issued + already,
                failed=BulkRunRow.failed + failed,
                processed=BulkRunRow.processed + issued + already + failed,
                attempts=0,
                error=None,
            )
        )

    def _lines(self, run_id: str, states: Sequence[BulkRowState] | None) -> Any:
        query = select(BulkRunLineRow).where(
            BulkRunLineRow.run_id == run_id, BulkRunLineRow.organisation_id == self._org
        )
        if states is not None:
            query = query.where(BulkRunLineRow.state.in_([s.value for s in states]))
        return query

    def rows(
        self,
        run_id: str,
        *,
        states: Sequence[BulkRowState] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[BulkRowRecord]:
        """Rows of a run in file order (only those in ``states`` when given)."""
        query = (
            self._lines(run_id, states)
            .order_by(BulkRunLineRow.row)
            .offset(max(0, offset))
            .limit(max(1, min(limit, MAX_PAGE)))
        )
        return [_line(r) for r in self._s.scalars(query)]

    def count_rows(self, run_id: str, states: Sequence[BulkRowState] | None = None) -> int:
        """How many rows of a run are in ``states`` (all when None)."""
        inner = self._lines(run_id, states).with_only_columns(BulkRunLineRow.row).subquery()
        return int(self._s.scalar(select(func.count()).select_from(inner)) or 0)

    def pending(self, run_id: str, limit: int) -> Sequence[BulkRowRecord]:
        """The next rows still to issue, in file order."""
        query = self._lines(run_id, [BulkRowState.PENDING]).order_by(BulkRunLineRow.row)
        return [_line(r) for r in self._s.scalars(query.limit(max(1, limit)))]

    def mark(
        self,
        run_id: str,
        row: int,
        state: BulkRowState,
        *,
        credential_id: str | None = None,
        problem: str | None = None,
    ) -> None:
        """Record what happened to one row."""
        values: dict[str, Any] = {"state": state.value, "credential_id": credential_id}
        if problem is not None:
            values["problems"] = [["", problem, ""]]
        self._s.execute(
            update(BulkRunLineRow)
            .where(
                BulkRunLineRow.run_id == run_id,
                BulkRunLineRow.row == row,
                BulkRunLineRow.organisation_id == self._org,
            )
            .values(**values)
        )

    def issued_keys(self, keys: Sequence[str]) -> dict[str, str]:
        """Which of ``keys`` this organisation has issued already, with the credential id."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _KEY_BATCH):
            rows = self._s.execute(
                select(BulkIssuanceKeyRow.key, BulkIssuanceKeyRow.credential_id).where(
                    BulkIssuanceKeyRow.organisation_id == self._org,
                    BulkIssuanceKeyRow.key.in_(unique[start : start + _KEY_BATCH]),
                )
            )
            found.update({str(k): str(c) for k, c in rows})
        return found

    def mark_many(
        self, run_id: str, outcomes: Sequence[tuple[int, BulkRowState, str | None]]
    ) -> None:
        """Record a chunk's outcomes ``(row, state, credential id)`` in one statement."""
        if not outcomes:
            return
        statement = (
            update(BulkRunLineRow)
            .where(
                BulkRunLineRow.run_id == run_id,
                BulkRunLineRow.organisation_id == self._org,
                BulkRunLineRow.row == bindparam("n"),
            )
            .values(state=bindparam("s"), credential_id=bindparam("c"))
        )
        params = [{"n": row, "s": state.value, "c": cid} for row, state, cid in outcomes]
        self._s.connection().execute(statement, params)

    def claim_keys(self, run_id: str, keys: Sequence[tuple[str, str, int]], now: datetime) -> None:
        """Record issued rows' ``(key, credential id, row)``; a key already taken fails the
        transaction (the key is unique within the organisation)."""
        if not keys:
            return
        self._s.execute(
            insert(BulkIssuanceKeyRow),
            [
                {
                    "organisation_id": self._org,
                    "key": key,
                    "credential_id": cid,
                    "run_id": run_id,
                    "row": row,
                    "created_at": now,
                }
                for key, cid, row in keys
            ],
        )
