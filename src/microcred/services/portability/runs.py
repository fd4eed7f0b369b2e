"""An admin's organisation export as a job: it can be large, so the request only queues it.

The passphrase the admin chose is sealed under the KEK (bound to the run) until the job has used
it, then wiped; the archive goes to the blob store and only the organisation's admins can
download it. Starting, finishing and every download are security events (the audit trail).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from typing import Any

from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Permission, Principal, SecurityEvent
from microcred.errors import Conflict, MicrocredError, NotFound
from microcred.ports import ExportRun, ExportState
from microcred.ports.clock import Clock
from microcred.ports.learning import BlobStore
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.portability.archive import check_passphrase
from microcred.services.portability.export import OrganisationExport

log = logging.getLogger("microcred.export")

EXPORT_JOB = "portability.export"
#: runs of one organisation queued or running at once
MAX_ACTIVE = 2
#: an archive kept in memory on its way to the blob store is at most this big
MAX_ARCHIVE_BYTES = 2 << 30


def _aad(organisation_id: str, run_id: str) -> bytes:
    return f"microcred-export-run:{organisation_id}:{run_id}".encode()


class ExportRuns:
    """Start an export, follow it, download its archive (admins of the organisation only)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        export: OrganisationExport,
        blobs: BlobStore,
        sealer: Sealer,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._export = export
        self._blobs = blobs
        self._sealer = sealer
        self._clock = clock

    def _event(self, principal_or_org: Principal | str, kind: str, detail: str) -> SecurityEvent:
        if isinstance(principal_or_org, Principal):
            org, actor = principal_or_org.organisation_id, principal_or_org.user_id
        else:
            org, actor = principal_or_org, None
        return SecurityEvent(new_id(), org, kind, self._clock.now(), detail, None, actor)

    def start(self, principal: Principal, passphrase: str) -> ExportRun:
        """Queue an export of the caller's organisation under ``passphrase``."""
        principal.require(Permission.MANAGE_ORGANISATION)
        check_passphrase(passphrase)
        run_id = new_id()
        org = principal.organisation_id
        run = ExportRun(
            id=run_id,
            organisation_id=org,
            requested_by=principal.email,
            state=ExportState.QUEUED,
            created_at=self._clock.now(),
            sealed_passphrase=self._sealer.seal(passphrase.encode(), _aad(org, run_id)),
        )
        with self._uow() as uow:
            scope = uow.tenant(org)
            active = [
                r
                for r in scope.exports.recent(50)
                if r.state in (ExportState.QUEUED, ExportState.RUNNING)
            ]
            if len(active) >= MAX_ACTIVE:
                raise Conflict(
                    f"{len(active)} exports are already under way; wait for one to finish."
                )
            scope.exports.add(run)
            scope.security_events.add(
                self._event(principal, "export_requested", f"{principal.email} started an export.")
            )
            uow.jobs.enqueue(
                EXPORT_JOB,
                {"organisation_id": org, "run_id": run_id},
                dedupe_key=f"{EXPORT_JOB}:{run_id}",
                max_attempts=1,
            )
            uow.commit()
        return run

    def get(self, principal: Principal, run_id: str) -> ExportRun:
        """One run of the caller's organisation."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            run = uow.tenant(principal.organisation_id).exports.get(run_id)
        if run is None:
            raise NotFound("No such export.")
        return run

    def recent(self, principal: Principal, limit: int = 20) -> Sequence[ExportRun]:
        """The organisation's exports, newest first."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            return list(uow.tenant(principal.organisation_id).exports.recent(limit))

    def archive(self, principal: Principal, run_id: str) -> tuple[ExportRun, bytes]:
        """A finished run's archive (a security event records who took it)."""
        run = self.get(principal, run_id)
        if run.state is not ExportState.DONE or run.archive_sha256 is None:
            raise Conflict("The export is not finished yet.")
        data = self._blobs.get(run.archive_sha256)
        with self._uow() as uow:
            uow.tenant(principal.organisation_id).security_events.add(
                self._event(
                    principal,
                    "export_downloaded",
                    f"{principal.email} downloaded the export of {run.created_at:%Y-%m-%d %H:%M}.",
                )
            )
            uow.commit()
        return run, data

    # -- the job -------------------------------------------------------------------------------

    def _update(self, org: str, run: ExportRun) -> None:
        with self._uow() as uow:
            uow.tenant(org).exports.save(run)
            uow.commit()

    def run(self, payload: dict[str, Any]) -> None:
        """The job handler: write the archive (progress per kind of record), store it."""
        org = str(payload.get("organisation_id", ""))
        run_id = str(payload.get("run_id", ""))
        with self._uow() as uow:
            run = uow.tenant(org).exports.get(run_id)
        if run is None or run.state is not ExportState.QUEUED or run.sealed_passphrase is None:
            return
        run.state, run.started_at = ExportState.RUNNING, self._clock.now()
        self._update(org, run)
        try:
            passphrase = self._sealer.open(run.sealed_passphrase, _aad(org, run_id)).decode()

            def progress(done: int, total: int) -> None:
                run.done, run.total = done, total
                self._update(org, run)

            with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
                summary = self._export.write(spool, passphrase, [org], progress)
                size = spool.tell()
                if size > MAX_ARCHIVE_BYTES:
                    raise Conflict("The archive is too large for the blob store; use the CLI.")
                spool.seek(0)
                run.archive_sha256 = self._blobs.put(spool.read())
            run.archive_bytes, run.records = size, sum(summary.counts.values())
            run.state = ExportState.DONE
            detail = f"An export finished: {run.records} records, {size} bytes."
        except Exception as exc:  # recorded on the run; the job is not retried
            reason = exc.explain() if isinstance(exc, MicrocredError) else "an internal error"
            if not isinstance(exc, MicrocredError):
                log.exception("export %s failed", run_id)
            run.state, run.error = ExportState.FAILED, reason[:2000]
            detail = f"An export failed: {run.error}"
        run.sealed_passphrase = None  # used: never kept
        run.finished_at = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(org)
            scope.exports.save(run)
            scope.security_events.add(self._event(org, f"export_{run.state.value}", detail))
            uow.commit()
