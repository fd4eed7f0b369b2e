"""Bulk issuance from a CSV file: check every row first (a dry run), then issue the rows as a
job, in chunks of one transaction each, once per row ever (an idempotency key per row).

A file with any problem issues nothing. A chunk commits its credentials, their log entries, the
rows' keys and the run's progress together, so a crash leaves each chunk fully issued or not at
all; the job then resumes with the rows still pending. A row whose key is already taken (the same
file uploaded twice, or two uploads racing: the key is unique per organisation) is reported as
"already issued" with the credential it got the first time.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, BinaryIO

from microcred.credentials.bulk_csv import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    BulkRow,
    Checked,
    Problem,
    check_rows,
    read_csv,
)
from microcred.domain.credential import Evidence, Recipient
from microcred.domain.identity import Permission, Principal
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.credentials import BulkRowRecord, BulkRowState, BulkRun, BulkState
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.services.credentials.issuance import IssuanceService, IssueRequest
from microcred.services.ids import new_id

log = logging.getLogger("microcred.bulk")

BULK_JOB = "credentials.bulk"
#: consecutive failed attempts after which a run gives up (state failed)
MAX_ATTEMPTS = 5
#: rows with problems (invalid at upload, or failed at issuance)
PROBLEM_STATES = (BulkRowState.INVALID, BulkRowState.FAILED)
_MAX_VALUE = 200


class _RowFailed(Exception):
    """One row could not be issued (its chunk is rolled back and redone without it)."""

    def __init__(self, row: int, reason: str) -> None:
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _filename(name: str | None) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return clean[:255] or "upload.csv"


def _records(run_id: str, checked: Checked, taken: dict[str, str]) -> list[BulkRowRecord]:
    by_row: dict[int, list[Problem]] = {}
    for problem in checked.problems:
        by_row.setdefault(problem.row, []).append(problem)
    records = [
        BulkRowRecord(
            run_id,
            row,
            BulkRowState.INVALID,
            problems=[(p.column, p.problem, p.value[:_MAX_VALUE]) for p in problems],
        )
        for row, problems in by_row.items()
    ]
    for r in checked.rows:
        credential = taken.get(r.key)
        records.append(_record(run_id, r, credential))
    records.sort(key=lambda record: record.row)
    return records


def _record(run_id: str, r: BulkRow, credential: str | None) -> BulkRowRecord:
    return BulkRowRecord(
        run_id,
        r.row,
        BulkRowState.ALREADY_ISSUED if credential else BulkRowState.PENDING,
        key=r.key,
        email=r.email,
        name=r.name,
        achievement_id=r.achievement_id,
        issued_on=r.issued_on,
        expires_on=r.expires_on,
        evidence_url=r.evidence_url,
        evidence_narrative=r.evidence_narrative,
        external_id=r.external_id,
        credential_id=credential,
    )


def _request(row: BulkRowRecord) -> IssueRequest:
    assert row.achievement_id is not None
    assert row.email is not None
    evidence = (
        [Evidence(id=row.evidence_url, narrative=row.evidence_narrative)]
        if row.evidence_url or row.evidence_narrative
        else []
    )
    return IssueRequest(
        row.achievement_id,
        Recipient(email=row.email, name=row.name),
        evidence,
        awarded=row.issued_on,
        valid_until=row.expires_on,
    )


class BulkIssuance:
    """Uploads, dry runs, confirmation, progress and the job that issues a run's rows."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        issuance: IssuanceService,
        *,
        chunk_rows: int = 200,
        chunks_per_job: int = 10,
        job_seconds: float = 10.0,
        max_bytes: int = MAX_FILE_BYTES,
        max_rows: int = MAX_ROWS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._issuance = issuance
        self.chunk_rows = chunk_rows
        self.chunks_per_job = chunks_per_job
        self.job_seconds = job_seconds
        self.max_bytes = max_bytes
        self.max_rows = max_rows

    # -- uploading and checking ----------------------------------------------------------------

    def upload(
        self, principal: Principal, source: BinaryIO, filename: str | None, *, dry_run: bool
    ) -> BulkRun:
        """Read and check every row of the file; store the run with its per-row report. A dry
        run stops there (state checked); otherwise a file without problems is queued for
        issuing, and a file with any problem is rejected with nothing issued."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        parsed = read_csv(source, max_bytes=self.max_bytes, max_rows=self.max_rows)
        if not parsed.rows:
            raise InvalidInput("The file has a header row but no rows to issue.")
        org_id = principal.organisation_id
        with self._uow() as uow:
            catalogue = self._catalogue(uow.tenant(org_id))
        now = self._clock.now()
        checked = check_rows(parsed, catalogue, now)
        with self._uow() as uow:
            repo = uow.tenant(org_id).bulk_issuance
            taken = repo.issued_keys([r.key for r in checked.rows])
            state = (
                BulkState.CHECKED
                if dry_run
                else BulkState.REJECTED
                if checked.problems
                else BulkState.QUEUED
            )
            run = BulkRun(
                id=new_id(),
                organisation_id=org_id,
                created_by=principal.user_id,
                filename=_filename(filename),
                file_sha256=parsed.sha256,
                dry_run=dry_run,
                state=state,
                total_rows=len(parsed.rows),
                problem_rows=checked.problem_rows,
                already_issued=len(taken),
                processed=len(taken),
                created_at=now,
            )
            repo.add_run(run, _records(run.id, checked, taken))
            if state is BulkState.QUEUED:
                self._enqueue(uow, org_id, run.id)
            uow.commit()
        log.info("bulk run %s: %d rows, %s", run.id, run.total_rows, run.state.value)
        return run

    def _catalogue(self, scope: TenantScope) -> dict[str, tuple[str, int | None]]:
        found: dict[str, tuple[str, int | None]] = {}
        offset = 0
        while True:
            page = scope.achievements.list(offset=offset, limit=200)
            found.update({a.id: (a.name, a.validity_days) for a in page})
            if len(page) < 200:
                return found
            offset += len(page)

    def confirm(self, principal: Principal, run_id: str) -> BulkRun:
        """Issue a dry run's rows (a run without problems, confirmed once)."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        with self._uow() as uow:
            repo = uow.tenant(principal.organisation_id).bulk_issuance
            run = repo.run(run_id)
            if run is None:
                raise NotFound("No such bulk issuance in your organisation.")
            if run.problem_rows:
                raise InvalidInput(
                    f"{run.problem_rows:,} row(s) have problems; nothing was issued.",
                    hint="Fix them and upload the file again.",
                )
            if not repo.move(run_id, [BulkState.CHECKED], BulkState.QUEUED, self._clock.now()):
                raise Conflict(f"This upload is already {run.state.value}; it issues only once.")
            self._enqueue(uow, run.organisation_id, run_id)
            uow.commit()
        return self.get(principal, run_id)

    # -- reading -------------------------------------------------------------------------------

    def get(self, principal: Principal, run_id: str) -> BulkRun:
        """One run of the principal's organisation."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        with self._uow() as uow:
            run = uow.tenant(principal.organisation_id).bulk_issuance.run(run_id)
        if run is None:
            raise NotFound("No such bulk issuance in your organisation.")
        return run

    def runs(self, principal: Principal, limit: int = 20) -> Sequence[BulkRun]:
        """The organisation's recent runs, newest first."""
        principal.require(Permission.ISSUE_CREDENTIALS)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).bulk_issuance.runs(limit=limit)

    def rows(
        self,
        principal: Principal,
        run_id: str,
        *,
        problems_only: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[BulkRowRecord], int]:
        """A page of a run's rows (only those with problems by default) and how many match."""
        self.get(principal, run_id)
        states = PROBLEM_STATES if problems_only else None
        with self._uow() as uow:
            repo = uow.tenant(principal.organisation_id).bulk_issuance
            page = repo.rows(run_id, states=states, offset=offset, limit=limit)
            return page, repo.count_rows(run_id, states)

    def report(self, principal: Principal, run_id: str) -> Iterator[BulkRowRecord]:
        """Every row of a run in file order (for the downloadable report), page by page."""
        self.get(principal, run_id)
        offset = 0
        while True:
            with self._uow() as uow:
                page = uow.tenant(principal.organisation_id).bulk_issuance.rows(
                    run_id, offset=offset, limit=500
                )
            yield from page
            if len(page) < 500:
                return
            offset += len(page)

    # -- the job -------------------------------------------------------------------------------

    def _enqueue(self, uow: UnitOfWork, organisation_id: str, run_id: str) -> None:
        uow.jobs.enqueue(
            BULK_JOB,
            {"run_id": run_id, "organisation_id": organisation_id},
            dedupe_key=f"{BULK_JOB}:{run_id}",
            max_attempts=MAX_ATTEMPTS,
        )

    def run(self, payload: dict[str, Any]) -> None:
        """The job handler: issue up to ``chunks_per_job`` chunks of a run (no new chunk after
        ``job_seconds``), then hand the rest to a follow-up job, so the log's sequencing and
        other jobs wait seconds, not the length of a whole file."""
        run_id = str(payload.get("run_id", ""))
        org_id = str(payload.get("organisation_id", ""))
        with self._uow() as uow:
            repo = uow.tenant(org_id).bulk_issuance
            found = repo.run(run_id)
            if found is None or found.state not in {BulkState.QUEUED, BulkState.RUNNING}:
                return
            repo.move(run_id, [BulkState.QUEUED, BulkState.RUNNING], BulkState.RUNNING, self._now())
            uow.commit()
        deadline = time.monotonic() + self.job_seconds
        try:
            for _ in range(self.chunks_per_job):
                if time.monotonic() > deadline:
                    break
                if not self._chunk(org_id, run_id):
                    with self._uow() as uow:
                        uow.tenant(org_id).bulk_issuance.move(
                            run_id, [BulkState.RUNNING], BulkState.DONE, self._now()
                        )
                        uow.commit()
                    return
            with self._uow() as uow:
                self._enqueue(uow, org_id, run_id)
                uow.commit()
        except Exception as exc:
            if not self._record_failure(org_id, run_id, exc):
                raise

    def _now(self) -> datetime:
        return self._clock.now()

    def _record_failure(self, org_id: str, run_id: str, exc: Exception) -> bool:
        """Count a failed attempt; True when the run gives up (and the job should not retry)."""
        reason = exc.explain() if isinstance(exc, MicrocredError) else "an internal error"
        with self._uow() as uow:
            repo = uow.tenant(org_id).bulk_issuance
            run = repo.run(run_id)
            if run is None:
                return True
            run.attempts += 1
            run.error = f"Attempt {run.attempts} stopped: {reason}"[:2000]
            gave_up = run.attempts >= MAX_ATTEMPTS
            if gave_up:
                run.state, run.finished_at = BulkState.FAILED, self._now()
            repo.save(run)
            uow.commit()
        return gave_up

    def _chunk(self, org_id: str, run_id: str) -> bool:
        """Issue the next chunk of pending rows in one transaction; False when none was left.
        A row that cannot be issued is marked failed and the chunk redone without it; a key
        another upload took meanwhile (a race) makes the chunk start again and see it."""
        for _ in range(self.chunk_rows + 3):
            try:
                return self._try_chunk(org_id, run_id)
            except _RowFailed as failed:
                with self._uow() as uow:
                    repo = uow.tenant(org_id).bulk_issuance
                    repo.mark(run_id, failed.row, BulkRowState.FAILED, problem=failed.reason)
                    repo.progress(run_id, issued=0, already=0, failed=1)
                    uow.commit()
            except Conflict:
                log.info("bulk run %s: a row's key was taken meanwhile; redoing the chunk", run_id)
        raise MicrocredError("The bulk issuance made no progress; it will be retried.")

    def _try_chunk(self, org_id: str, run_id: str) -> bool:
        with self._uow() as uow:
            repo = uow.tenant(org_id).bulk_issuance
            rows = repo.pending(run_id, self.chunk_rows)
            if not rows:
                return False
            taken = repo.issued_keys([r.key for r in rows if r.key])
            outcomes: list[tuple[int, BulkRowState, str | None]] = []
            claimed: list[tuple[str, str, int]] = []
            for row in rows:
                assert row.key is not None
                if row.key in taken:
                    outcomes.append((row.row, BulkRowState.ALREADY_ISSUED, taken[row.key]))
                    continue
                try:
                    credential = self._issuance.issue_within(uow, org_id, _request(row))
                except MicrocredError as exc:
                    raise _RowFailed(row.row, exc.explain()) from exc
                claimed.append((row.key, credential.id, row.row))
                outcomes.append((row.row, BulkRowState.ISSUED, credential.id))
            repo.claim_keys(run_id, claimed, self._now())
            repo.mark_many(run_id, outcomes)
            repo.progress(
                run_id, issued=len(claimed), already=len(outcomes) - len(claimed), failed=0
            )
            uow.commit()
        return True
