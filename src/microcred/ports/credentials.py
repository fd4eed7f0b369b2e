"""What issuing, publishing and verifying credentials need: keys, micro-credentials,
credentials, status lists, the public reader and the remote document fetcher."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from microcred.domain.achievement import Achievement, StatusPurpose
from microcred.domain.credential import CredentialStatus, IssuedCredential, StatusAction
from microcred.domain.identity import Organisation
from microcred.ports.skills import CheckRecord


@dataclass(slots=True)
class SigningKeyRecord:
    """A stored issuer key; the private half only ever sealed."""

    id: str
    organisation_id: str
    algorithm: str  # "Ed25519" or "RS256"
    public: str  # publicKeyMultibase, or an RSA JWK as JSON
    sealed_private: bytes
    fragment: str
    active: bool
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(slots=True)
class StatusListRecord:
    """One Bitstring Status List of an organisation."""

    id: str
    organisation_id: str
    purpose: StatusPurpose
    key_id: str
    size: int
    bits: bytes
    allocated: int
    version: int
    signed_document: str | None
    signed_version: int
    created_at: datetime


@dataclass(slots=True)
class StatusChangeRecord:
    """An audit entry for a status change."""

    id: str
    organisation_id: str
    credential_id: str
    action: StatusAction
    reason: str
    actor_user_id: str | None
    at: datetime


class KeyRepository(Protocol):
    """Signing keys of one organisation."""

    def add(self, key: SigningKeyRecord) -> None: ...
    def get(self, key_id: str) -> SigningKeyRecord | None: ...
    def active(self, algorithm: str) -> SigningKeyRecord | None: ...
    def list(self) -> Sequence[SigningKeyRecord]: ...
    def update(self, key: SigningKeyRecord) -> None: ...


class AchievementRepository(Protocol):
    """Micro-credential definitions of one organisation."""

    def add(self, achievement: Achievement) -> None: ...
    def get(self, achievement_id: str) -> Achievement | None: ...
    def list(self, *, offset: int = 0, limit: int = 50) -> Sequence[Achievement]: ...
    def update(self, achievement: Achievement) -> None: ...
    def get_many(self, achievement_ids: Collection[str]) -> Sequence[Achievement]:
        """Those of the ids that are the organisation's (others are left out), in no order."""
        ...

    def names(self, achievement_ids: Collection[str]) -> dict[str, str]:
        """The names of those of the ids that are the organisation's, by id."""
        ...

    def search(self, text: str, *, limit: int = 20) -> Sequence[tuple[str, str]]:
        """(id, name) of definitions whose name holds every word of ``text`` (case aside), by
        name."""
        ...


class CredentialRepository(Protocol):
    """Issued credentials of one organisation."""

    def add(self, credential: IssuedCredential) -> None: ...
    def get(self, credential_id: str) -> IssuedCredential | None: ...
    def list(
        self,
        *,
        achievement_id: str | None = None,
        recipient_email: str | None = None,
        status: CredentialStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[IssuedCredential]:
        """Credentials, newest first; copies bound to a wallet's DID are left out (see
        :meth:`bound_copies`)."""
        ...

    def bound_copies(self, credential_id: str) -> Sequence[IssuedCredential]:
        """The copies of a credential re-issued to wallets' DIDs, oldest first."""
        ...

    def set_status(self, credential_id: str, status: CredentialStatus) -> None: ...
    def set_private(self, credential_id: str, private: bool) -> None: ...
    def record_change(self, change: StatusChangeRecord) -> None: ...
    def changes(self, credential_id: str) -> Sequence[StatusChangeRecord]: ...


class StatusListRepository(Protocol):
    """Status lists of one organisation."""

    def add(self, status_list: StatusListRecord) -> None: ...
    def get(self, list_id: str) -> StatusListRecord | None:
        """The list, its row locked to the end of the transaction."""
        ...

    def read(self, list_id: str) -> StatusListRecord | None:
        """The list as committed, without locking its row."""
        ...

    def open_list(self, purpose: StatusPurpose, key_id: str) -> StatusListRecord | None: ...
    def index_taken(self, list_id: str, index: int) -> bool: ...
    def save(self, status_list: StatusListRecord) -> None: ...
    def count_allocation(self, list_id: str, count: int = 1) -> None:
        """Add ``count`` to the list's allocated count, writing nothing else of its row."""
        ...


class PublicReader(Protocol):
    """What anyone may read without signing in: published documents, by their public id."""

    def credential(self, credential_id: str) -> IssuedCredential | None: ...
    def status_list(self, list_id: str) -> StatusListRecord | None: ...
    def organisation_by_slug(self, slug: str) -> Organisation | None: ...
    def keys_of(self, organisation_id: str) -> Sequence[SigningKeyRecord]: ...
    def all_credentials(self) -> Sequence[IssuedCredential]: ...
    def all_status_lists(self) -> Sequence[StatusListRecord]: ...
    def all_status_changes(self) -> Sequence[StatusChangeRecord]: ...


class DocumentFetcher(Protocol):
    """Fetches JSON documents over the network (did:web, status lists), with limits;
    ``deadline`` (a `time.monotonic` value) cuts a fetch short of its own timeout."""

    def __call__(self, url: str, *, deadline: float | None = None) -> dict[str, Any]: ...


class BulkState(enum.StrEnum):
    """Where a bulk-issuance run is: checked (a dry run), rejected (rows had problems, nothing
    issued), queued, running, done, or failed (gave up after repeated errors)."""

    CHECKED = "checked"
    REJECTED = "rejected"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BulkRowState(enum.StrEnum):
    """One row of a run: invalid (has problems), pending, issued, already issued (by an earlier
    upload: same idempotency key), or failed at issuance."""

    INVALID = "invalid"
    PENDING = "pending"
    ISSUED = "issued"
    ALREADY_ISSUED = "already_issued"
    FAILED = "failed"


@dataclass(slots=True)
class BulkRun:
    """One uploaded CSV file and how far its issuance has got."""

    id: str
    organisation_id: str
    created_by: str
    filename: str
    file_sha256: str
    dry_run: bool
    state: BulkState
    total_rows: int
    problem_rows: int
    created_at: datetime
    issued: int = 0
    already_issued: int = 0
    failed: int = 0
    processed: int = 0
    #: consecutive failed attempts (reset by every chunk that commits)
    attempts: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(slots=True)
class BulkRowRecord:
    """One stored row of a run: its checked values, or its problems ``(column, problem, value)``."""

    run_id: str
    row: int
    state: BulkRowState
    key: str | None = None
    email: str | None = None
    name: str | None = None
    achievement_id: str | None = None
    issued_on: datetime | None = None
    expires_on: datetime | None = None
    evidence_url: str | None = None
    evidence_narrative: str | None = None
    external_id: str | None = None
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    credential_id: str | None = None


class BulkIssuanceRepository(Protocol):
    """Bulk-issuance runs, their rows, and the idempotency keys of one organisation."""

    def add_run(self, run: BulkRun, rows: Sequence[BulkRowRecord]) -> None: ...
    def run(self, run_id: str) -> BulkRun | None: ...
    def runs(self, *, offset: int = 0, limit: int = 50) -> Sequence[BulkRun]: ...
    def move(
        self, run_id: str, from_states: Sequence[BulkState], to: BulkState, now: datetime
    ) -> bool: ...
    def save(self, run: BulkRun) -> None: ...
    def progress(self, run_id: str, *, issued: int, already: int, failed: int) -> None: ...
    def rows(
        self,
        run_id: str,
        *,
        states: Sequence[BulkRowState] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[BulkRowRecord]: ...
    def count_rows(self, run_id: str, states: Sequence[BulkRowState] | None = None) -> int: ...
    def pending(self, run_id: str, limit: int) -> Sequence[BulkRowRecord]: ...
    def mark(
        self,
        run_id: str,
        row: int,
        state: BulkRowState,
        *,
        credential_id: str | None = None,
        problem: str | None = None,
    ) -> None: ...
    def issued_keys(self, keys: Sequence[str]) -> dict[str, str]: ...
    def mark_many(
        self, run_id: str, outcomes: Sequence[tuple[int, BulkRowState, str | None]]
    ) -> None: ...
    def claim_keys(
        self, run_id: str, keys: Sequence[tuple[str, str, int]], now: datetime
    ) -> None: ...


@dataclass(slots=True)
class ImportedCredential:
    """A credential from elsewhere that a learner brought into their wallet, with what its
    verification found (kept whatever the outcome, so a failure is shown, never dropped)."""

    id: str
    organisation_id: str
    user_id: str
    #: where it came from: ``file``, ``url``, ``png``, ``svg``, ``text``
    source: str
    #: ``ob3``, ``ob3-jwt``, ``ob2-hosted``, ``ob2-signed``
    format: str
    #: the credential as presented (JSON, a compact JWS or JWT)
    presented: str
    name: str | None
    issuer: str | None
    verified: bool
    checks: tuple[CheckRecord, ...]
    imported_at: datetime
    verified_at: datetime
    source_url: str | None = None


class ImportedCredentialRepository(Protocol):
    """Learners' imported credentials, per organisation."""

    def add(self, imported: ImportedCredential) -> None: ...
    def get(self, imported_id: str) -> ImportedCredential | None: ...
    def of_user(self, user_id: str) -> Sequence[ImportedCredential]:
        """A learner's imports, newest first."""
        ...

    def verified(self) -> Sequence[ImportedCredential]:
        """Every import of the organisation whose last verification passed (for skills)."""
        ...

    def update(self, imported: ImportedCredential) -> None: ...
    def delete(self, imported_id: str) -> bool: ...
