"""What organisation export and import need from storage: every stored kind of record, read as
JSON-ready rows in one consistent snapshot, and written back into an empty instance in one
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

#: one record as it travels: column name -> JSON value (bytes as base64, times as ISO 8601)
Row = dict[str, Any]


class PortableSnapshot(Protocol):
    """One consistent read of the database (nothing changes under it while it is open)."""

    def rows(self, kind: str, organisation_ids: Sequence[str] | None) -> Iterator[Row]:
        """The rows of ``kind`` that belong to ``organisation_ids`` (None: every organisation;
        instance-wide kinds, such as the log, whole), in a stable order that satisfies their
        own references."""
        ...


class PortableStore(Protocol):
    """Raw access to every kind of record an organisation owns, for export and import."""

    def kinds(self) -> Sequence[str]:
        """The kinds that travel, parents before children (the order to write them in)."""
        ...

    def columns(self, kind: str) -> Sequence[str]:
        """The fields of one kind."""
        ...

    def snapshot(self) -> AbstractContextManager[PortableSnapshot]:
        """A consistent read of everything (a repeatable-read transaction)."""
        ...

    def occupied(self) -> list[str]:
        """The kinds that already hold records (an instance to import into must have none)."""
        ...

    def schema_revision(self) -> str | None:
        """The database schema's migration revision(s), comma-separated."""
        ...

    def load(self, batches: Iterable[tuple[str, Sequence[Row]]]) -> Mapping[str, int]:
        """Write every batch in one transaction (all or nothing); how many rows per kind.
        Raises `InvalidInput` when a row does not fit the schema."""
        ...


class ExportState(StrEnum):
    """Where an export run is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class ExportRun:
    """One export an admin asked for: its progress and, when done, the archive's blob."""

    id: str
    organisation_id: str
    requested_by: str
    state: ExportState
    created_at: datetime
    #: the passphrase, sealed under the KEK until the job has used it (then None)
    sealed_passphrase: bytes | None = None
    #: kinds of record written so far, out of ``total``
    done: int = 0
    total: int = 0
    archive_sha256: str | None = None
    archive_bytes: int | None = None
    records: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class ExportRunRepository(Protocol):
    """An organisation's export runs."""

    def add(self, run: ExportRun) -> None: ...
    def get(self, run_id: str) -> ExportRun | None: ...
    def recent(self, limit: int = 20) -> Sequence[ExportRun]: ...
    def save(self, run: ExportRun) -> None: ...
