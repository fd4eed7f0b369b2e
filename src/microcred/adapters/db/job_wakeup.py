"""Workers wake at once on PostgreSQL: ``LISTEN`` on one channel that every enqueue ``NOTIFY``s
(delivered when the enqueuing transaction commits), beside the ``SKIP LOCKED`` claim."""

from __future__ import annotations

import contextlib
import logging
import threading
import time

import psycopg
from sqlalchemy import Engine

log = logging.getLogger("microcred.jobs")

#: the channel every enqueue notifies (the payload is the job's kind)
CHANNEL = "microcred_jobs"


class PgJobWakeup:
    """One autocommit connection listening on `CHANNEL`; reconnects after a failure.

    While the server is unreachable, `wait` sleeps its timeout and answers False, so the worker
    falls back to polling instead of spinning.
    """

    def __init__(self, engine: Engine) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
            conn.execute(f"LISTEN {CHANNEL}")
            self._conn = conn
        return self._conn

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when a job was announced meanwhile."""
        started = time.monotonic()
        with self._lock:
            try:
                conn = self._connect()
                for _ in conn.notifies(timeout=timeout, stop_after=1):
                    return True
                return False
            except psycopg.Error as exc:
                reason = type(exc).__name__
                log.warning("job wake-up connection lost (%s); polling meanwhile", reason)
                self._drop()
        time.sleep(max(0.0, timeout - (time.monotonic() - started)))
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Release the listening connection."""
        with self._lock:
            self._drop()
