"""The interfaces services depend on. Adapters implement them; services never import adapters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from microcred.domain.achievement import Achievement, StatusPurpose
from microcred.domain.credential import CredentialStatus, IssuedCredential, StatusAction
from microcred.domain.identity import ApiToken, Organisation, SecurityEvent, User
from microcred.domain.learning import Enrolment, Submission, SubmissionStatus
from microcred.domain.pathway import Pathway

if TYPE_CHECKING:
    from microcred.services.skills_ports import SkillsRepository


class Clock(Protocol):
    """Tells the time (UTC)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""


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
    def pending(self, kind: str | None = None) -> int: ...


class LedgerStore(Protocol):
    """The transparency log's storage: entries, tree levels, checkpoints, witness state."""

    def get(self, level: int, index: int) -> bytes: ...
    def nodes(self, level: int, start: int, end: int) -> list[bytes]: ...
    def store_nodes(self, size: int, levels: Sequence[Sequence[bytes]]) -> None: ...
    def add_entry(
        self, data: bytes, leaf_hash: bytes, event: str, credential_id: str | None, now: datetime
    ) -> int: ...
    def add_entries(
        self, rows: Sequence[tuple[bytes, bytes, str, str | None]], now: datetime
    ) -> None: ...
    def lock_sequencer(self) -> None: ...
    def size(self) -> int: ...
    def unsequenced(self, limit: int) -> list[tuple[int, bytes]]: ...
    def assign(self, first_index: int, staging_ids: Sequence[int]) -> None: ...
    def entries(self, start: int, end: int) -> list[bytes]: ...
    def all_entries(self) -> list[tuple[int | None, bytes, bytes, str | None]]: ...
    def indices_of(self, credential_id: str) -> list[int]: ...
    def add_checkpoint(self, size: int, root: bytes, note: str, now: datetime) -> None: ...
    def latest_checkpoint(self) -> tuple[int, bytes, str] | None: ...
    def checkpoint(self, size: int) -> tuple[int, bytes, str] | None: ...
    def add_cosignature(self, size: int, witness: str, line: str, now: datetime) -> None: ...
    def cosignatures(self, size: int) -> list[tuple[str, str]]: ...
    def latest_cosigned(self, witnesses: int = 1) -> int | None: ...
    def witness_size(self, witness: str) -> int | None: ...
    def set_witness_size(
        self, witness: str, size: int, now: datetime, error: str | None = None
    ) -> None: ...
    def add_anchor(
        self,
        size: int,
        chain_id: int,
        tx_hash: str,
        block: int | None,
        gas: int | None,
        digest: bytes,
        now: datetime,
    ) -> None: ...
    def latest_anchor(self) -> int | None: ...
    def anchors(self) -> list[tuple[int, int, str, int | None, int | None]]: ...
    def server_key(self, purpose: str) -> tuple[str, str, bytes, bytes] | None: ...
    def add_server_key(
        self, key_id: str, purpose: str, name: str, public: bytes, sealed: bytes, now: datetime
    ) -> None: ...


class OrganisationRepository(Protocol):
    """Organisations (not tenant-scoped: the tenant itself)."""

    def add(self, org: Organisation) -> None: ...
    def get(self, org_id: str) -> Organisation | None: ...
    def by_slug(self, slug: str) -> Organisation | None: ...
    def list(self) -> Sequence[Organisation]: ...
    def update(self, org: Organisation) -> None: ...


class UserRepository(Protocol):
    """Users of one organisation."""

    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def by_email(self, email: str) -> User | None: ...
    def list(self) -> Sequence[User]: ...
    def update(self, user: User) -> None: ...


class TokenRepository(Protocol):
    """API tokens, looked up by hash (the raw token is never stored)."""

    def add(self, token: ApiToken) -> None: ...
    def by_hash(self, token_hash: str) -> ApiToken | None: ...
    def get(self, token_id: str) -> ApiToken | None: ...
    def list(self, *, offset: int = 0, limit: int = 200) -> Sequence[ApiToken]: ...
    def list_for_user(self, user_id: str) -> Sequence[ApiToken]: ...
    def revoke(self, token_id: str, now: datetime | None = None) -> bool: ...
    def revoke_for_user(
        self, user_id: str, now: datetime, *, except_token: str | None = None
    ) -> int: ...


@dataclass(slots=True)
class AttemptCounter:
    """Failures of a guessable action for one key (an account, a client address)."""

    key: str
    failures: int
    locked_until: datetime | None
    updated_at: datetime


class AttemptCounterStore(Protocol):
    """Failure counters shared by every process, so throttling holds across web workers."""

    def lock(self, key: str, now: datetime) -> AttemptCounter: ...
    def save(self, counter: AttemptCounter) -> None: ...
    def delete(self, key: str) -> None: ...
    def prune(self, idle_since: datetime, now: datetime) -> int: ...


class SecurityEventRepository(Protocol):
    """Security events of one organisation, for its admins."""

    def add(self, event: SecurityEvent) -> None: ...
    def recent(self, limit: int = 100) -> Sequence[SecurityEvent]: ...


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
    ) -> Sequence[IssuedCredential]: ...
    def set_status(self, credential_id: str, status: CredentialStatus) -> None: ...
    def record_change(self, change: StatusChangeRecord) -> None: ...
    def changes(self, credential_id: str) -> Sequence[StatusChangeRecord]: ...


class StatusListRepository(Protocol):
    """Status lists of one organisation."""

    def add(self, status_list: StatusListRecord) -> None: ...
    def get(self, list_id: str) -> StatusListRecord | None: ...
    def open_list(self, purpose: StatusPurpose, key_id: str) -> StatusListRecord | None: ...
    def index_taken(self, list_id: str, index: int) -> bool: ...
    def save(self, status_list: StatusListRecord) -> None: ...


class PublicReader(Protocol):
    """What anyone may read without signing in: published documents, by their public id."""

    def credential(self, credential_id: str) -> IssuedCredential | None: ...
    def status_list(self, list_id: str) -> StatusListRecord | None: ...
    def organisation_by_slug(self, slug: str) -> Organisation | None: ...
    def keys_of(self, organisation_id: str) -> Sequence[SigningKeyRecord]: ...
    def all_credentials(self) -> Sequence[IssuedCredential]: ...
    def all_status_lists(self) -> Sequence[StatusListRecord]: ...
    def all_status_changes(self) -> Sequence[StatusChangeRecord]: ...


@dataclass(slots=True)
class RubricRecord:
    """A stored rubric (its criteria as JSON) of one micro-credential."""

    id: str
    achievement_id: str
    version: int
    data: dict[str, Any]
    threshold: float | None
    updated_at: datetime


@dataclass(slots=True)
class CodeAssignmentRecord:
    """The instructor's tests (an archive in the blob store) mapped to criteria."""

    id: str
    achievement_id: str
    tests_blob: str
    tests_filename: str
    criteria: list[dict[str, Any]]
    pass_fraction: float
    language: str
    auto_decide: bool
    updated_at: datetime
    #: share of clean runs sampled for a human audit
    audit_share: float
    #: audits under these tests: (both pass, both fail, tests pass/person fails, the reverse)
    audit_counts: tuple[int, int, int, int] = (0, 0, 0, 0)


class RubricRepository(Protocol):
    """Rubrics, code assignments and human-graded work."""

    def code_assignment(self, achievement_id: str) -> CodeAssignmentRecord | None: ...
    def save_code_assignment(self, record: CodeAssignmentRecord) -> None: ...
    def record_code_audit(
        self, achievement_id: str, tests_blob: str, tests_passed: bool, person_passed: bool
    ) -> None: ...
    def for_achievement(self, achievement_id: str) -> RubricRecord | None: ...
    def save(self, record: RubricRecord) -> None: ...
    def add_graded(
        self,
        graded_id: str,
        rubric_id: str,
        text: str,
        points: dict[str, float],
        source: str,
        submission_id: str | None,
        now: datetime,
    ) -> None: ...
    def graded(self, rubric_id: str) -> list[tuple[str, dict[str, float]]]: ...
    def count_graded(self, rubric_id: str) -> int: ...


class PathwayRepository(Protocol):
    """Courses and pathways."""

    def add(self, pathway: Pathway) -> None: ...
    def get(self, pathway_id: str) -> Pathway | None: ...
    def list(self) -> Sequence[Pathway]: ...


class EnrolmentRepository(Protocol):
    """Enrolments."""

    def add(self, enrolment: Enrolment) -> None: ...
    def for_user(self, user_id: str) -> Sequence[Enrolment]: ...


class SubmissionRepository(Protocol):
    """Submissions."""

    def add(self, submission: Submission) -> None: ...
    def get(self, submission_id: str, *, for_update: bool = False) -> Submission | None:
        """One submission; ``for_update`` locks its row until the transaction ends (so a
        decision written after a check of its status cannot race another one)."""
        ...

    def latest_version(self, user_id: str, achievement_id: str) -> int: ...
    def for_user(self, user_id: str) -> Sequence[Submission]: ...
    def with_status(
        self, status: SubmissionStatus, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Submission]: ...
    def update(self, submission: Submission) -> None: ...
    def supersede_open(self, user_id: str, achievement_id: str) -> int: ...


class TenantScope(Protocol):
    """Repositories bound to one organisation: every query filters by it."""

    @property
    def organisation_id(self) -> str: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def keys(self) -> KeyRepository: ...
    @property
    def achievements(self) -> AchievementRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def status_lists(self) -> StatusListRepository: ...
    @property
    def rubrics(self) -> RubricRepository: ...
    @property
    def pathways(self) -> PathwayRepository: ...
    @property
    def enrolments(self) -> EnrolmentRepository: ...
    @property
    def submissions(self) -> SubmissionRepository: ...
    @property
    def security_events(self) -> SecurityEventRepository: ...
    @property
    def skills(self) -> SkillsRepository: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit` rolls everything back."""

    @property
    def organisations(self) -> OrganisationRepository: ...
    @property
    def public(self) -> PublicReader: ...
    @property
    def jobs(self) -> JobRepository: ...
    @property
    def ledger(self) -> LedgerStore: ...
    @property
    def attempts(self) -> AttemptCounterStore: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def tenant(self, organisation_id: str) -> TenantScope: ...
    def tokens_global(self) -> TokenRepository: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a new unit of work."""

    def __call__(self) -> UnitOfWork: ...


class DocumentFetcher(Protocol):
    """Fetches JSON documents over the network (did:web, status lists), with limits;
    ``deadline`` (a `time.monotonic` value) cuts a fetch short of its own timeout."""

    def __call__(self, url: str, *, deadline: float | None = None) -> dict[str, Any]: ...
