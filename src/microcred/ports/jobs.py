"""The job queue (DESIGN §5): background work enqueued in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(slots=True)
class Job:
    """A claimed unit of background work."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


class JobRepository(Protocol):
    """The job queue's storage (DESIGN §5): enqueue joins the caller's transaction."""

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        run_at: datetime | None = None,
        max_attempts: int = 5,
    ) -> bool: ...
    def claim(
        self, worker: str, now: datetime, kinds: Sequence[str] | None = None
    ) -> Job | None: ...
    def complete(self, job_id: int, now: datetime) -> None: ...
    def fail(self, job_id: int, error: str, now: datetime, retry_at: datetime | None) -> None: ...
    def release_stale(self, locked_before: datetime) -> int: ...
    def touch(self, job_id: int, worker: str, now: datetime) -> bool:
        """Renew ``worker``'s claim on a running job (its heartbeat); False when it lost it."""
        ...

    def pending(self, kind: str | None = None) -> int: ...
    def next_due(self, kinds: Sequence[str] | None = None) -> datetime | None:
        """When the earliest queued job (of ``kinds``) becomes ready; None when none is queued."""
        ...


class JobWakeup(Protocol):
    """Wakes an idle worker as soon as a job is enqueued elsewhere (PostgreSQL LISTEN/NOTIFY)."""

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when a job was announced meanwhile."""
        ...

    def close(self) -> None:
        """Release the listening connection."""
        ...
