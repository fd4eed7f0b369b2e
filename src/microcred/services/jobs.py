"""Running background jobs (DESIGN §5): one interface, an in-process worker by default; more
workers (``microcred worker``) on other machines share a PostgreSQL queue."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from microcred.errors import MicrocredError
from microcred.ports.clock import Clock
from microcred.ports.jobs import Job, JobWakeup
from microcred.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("microcred.jobs")

#: A job handler gets the payload (its return value is ignored); raising means "retry later".
Handler = Callable[[dict[str, Any]], object]


#: A running job whose claim was not renewed for this long belongs to a worker that vanished
#: (SIGKILL, a lost machine) and is handed to another worker. Live workers renew their claims
#: every quarter of it (`JobRunner` heartbeat), however long the job takes.
STALE_AFTER = timedelta(seconds=60)


class JobRunner:
    """Claims and runs jobs, retrying failures with exponential backoff."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        handlers: Mapping[str, Handler],
        *,
        worker_id: str | None = None,
        stale_after: timedelta = STALE_AFTER,
        base_backoff: timedelta = timedelta(seconds=2),
        wakeup: JobWakeup | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.handlers = dict(handlers)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stale_after = stale_after
        self._beat = stale_after.total_seconds() / 4
        self._backoff = base_backoff
        #: announces new jobs (PostgreSQL LISTEN/NOTIFY); without it, idle workers poll
        self.wakeup = wakeup
        #: seconds until the earliest scheduled job is ready, as of the last empty claim
        self._idle_until: float | None = None

    def _claim(self) -> Job | None:
        with self._uow() as uow:
            now = self._clock.now()
            uow.jobs.release_stale(now - self._stale_after)
            kinds = list(self.handlers) or None
            job = uow.jobs.claim(self.worker_id, now, kinds)
            if job is None:
                due = uow.jobs.next_due(kinds)
                self._idle_until = None if due is None else (due - now).total_seconds()
            uow.commit()
        return job

    def run_once(self) -> bool:
        """Run one ready job; False when there was none."""
        job = self._claim()
        if job is None:
            return False
        handler = self.handlers[job.kind]
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job.id, done), daemon=True)
        beat.start()
        try:
            handler(job.payload)
        except Exception as exc:
            done.set()
            reason = exc.explain() if isinstance(exc, MicrocredError) else type(exc).__name__
            if not isinstance(exc, MicrocredError):
                log.exception("job %s (%s) failed", job.id, job.kind)
            now = self._clock.now()
            retry = None
            if job.attempts < job.max_attempts:
                retry = now + self._backoff * (2 ** (job.attempts - 1))
            with self._uow() as uow:
                uow.jobs.fail(job.id, reason, now, retry)
                uow.commit()
            return True
        done.set()
        with self._uow() as uow:
            uow.jobs.complete(job.id, self._clock.now())
            uow.commit()
        return True

    def _heartbeat(self, job_id: int, done: threading.Event) -> None:
        """Renew the claim while the handler runs, so only a vanished worker's job is released."""
        while not done.wait(self._beat):
            try:
                with self._uow() as uow:
                    kept = uow.jobs.touch(job_id, self.worker_id, self._clock.now())
                    uow.commit()
            except MicrocredError as exc:  # the database is away: the claim may lapse, and rerun
                log.warning("job %s: claim not renewed (%s)", job_id, exc.message)
                continue
            if not kept:
                log.warning("job %s: its claim passed to another worker", job_id)
                return

    def drain(self, limit: int = 10_000) -> int:
        """Run ready jobs until none is left (tests, CLI); returns how many ran."""
        count = 0
        while count < limit and self.run_once():
            count += 1
        return count

    def run_forever(self, stop: threading.Event, idle_seconds: float = 0.5) -> None:
        """Run jobs until ``stop`` is set; when idle, wait ``idle_seconds``, until the earliest
        scheduled job is due, or until a new job is announced (with a wake-up), whichever comes
        first. With a wake-up the poll can be long without delaying any work.
        """
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker loop error")
                busy = False
            if busy:
                continue
            wait = idle_seconds
            if self._idle_until is not None:  # a scheduled job (sequencing, a retry) is due sooner
                wait = min(wait, max(0.05, self._idle_until))
            if self.wakeup is None:
                stop.wait(wait)
            else:
                self.wakeup.wait(wait)


class BackgroundWorker:
    """A `JobRunner` on a daemon thread (the in-process default)."""

    def __init__(self, runner: JobRunner, idle_seconds: float = 0.5) -> None:
        self._runner = runner
        self._stop = threading.Event()
        self._idle = idle_seconds
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._runner.run_forever,
                args=(self._stop, self._idle),
                name="microcred-worker",
                daemon=True,
            )
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current job."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
