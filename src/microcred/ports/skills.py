"""What the skills-intelligence services need from storage, and the records they exchange.

Adapters implement `SkillsRepository` (one organisation's rows, every query filtered by it); the
unit of work's tenant scope exposes it as ``skills``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from microcred.domain.achievement import Alignment
from microcred.skills.roles import Requirement, RoleProfile
from microcred.skills.skills_profile import DeclaredSkill


@dataclass(frozen=True, slots=True)
class StoredRole:
    """A role profile as the organisation keeps it."""

    id: str
    organisation_id: str
    name: str
    description: str
    requirements: tuple[Requirement, ...]
    source_occupation: str | None
    #: how many people the organisation needs in the role (organisation-wide gaps)
    headcount: int
    created_at: datetime
    updated_at: datetime

    def profile(self) -> RoleProfile:
        """The engine's view of the role."""
        return RoleProfile(self.id, self.name, self.requirements, self.source_occupation)


@dataclass(frozen=True, slots=True)
class UserBrief:
    """A user as the skills services see them."""

    id: str
    email: str
    name: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a user sits: team, the role profile they hold now, DIDs they receive credentials
    under."""

    user_id: str
    team: str | None = None
    current_role_id: str | None = None
    dids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProvenSkill:
    """A skill a credential certifies: its URI, level and label, and whether the level was
    stated (an alignment without a level counts at the lowest level)."""

    skill_uri: str
    level: int
    label: str | None = None
    level_stated: bool = True

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "skill_uri": self.skill_uri,
            "level": self.level,
            "label": self.label,
            "level_stated": self.level_stated,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProvenSkill:
        """The inverse of `to_json`."""
        return cls(
            str(data["skill_uri"]),
            int(data["level"]),
            data.get("label"),
            bool(data.get("level_stated", True)),
        )


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """One named verification check as stored: passed, failed or skipped, with its reason."""

    check: str
    status: str
    message: str


@dataclass(slots=True)
class Applicant:
    """An external applicant."""

    id: str
    organisation_id: str
    name: str
    email: str
    dids: tuple[str, ...]
    created_at: datetime


@dataclass(slots=True)
class PresentedCredential:
    """An OB 3.0 credential an applicant presented, as presented, with what verification found."""

    id: str
    organisation_id: str
    applicant_id: str
    presented: str
    tlog_proof: str | None
    tlog_policy: str | None
    credential_uri: str | None
    issuer: str | None
    name: str | None
    verified: bool
    checks: tuple[CheckRecord, ...]
    skills: tuple[ProvenSkill, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    presented_at: datetime
    verified_at: datetime


class CredentialFact(NamedTuple):
    """One credential issued by the organisation, as the skills index reads it (a plain tuple:
    the index reads them by the 100,000)."""

    id: str
    achievement_id: str
    recipient_email: str | None
    recipient_did: str | None
    status: str
    issued_at: datetime
    valid_until: datetime | None
    #: the stored document, given only when it must be read: the credential was issued before
    #: its micro-credential was last edited (so the current alignments may not be what it says)
    document: str | None = None


@dataclass(frozen=True, slots=True)
class AchievementFacts:
    """A micro-credential definition, as the skills index and the catalogue read it."""

    id: str
    name: str
    effort_hours: float | None
    updated_at: datetime
    alignments: tuple[Alignment, ...] = field(default=())


#: a credential or status change committed late carries a time at most this much before the
#: newest one already seen (transactions are short, clocks roughly agree): the fingerprint counts
#: credentials in this window, and a refresh re-reads it
RECENT = timedelta(hours=1)


class Fingerprint(NamedTuple):
    """A cheap summary of what the skills index reads; it changes whenever any of it does."""

    last_issued: datetime | None
    #: credentials issued in the hour before the newest (a late commit changes this count)
    recent_issued: int
    status_changes: int
    last_status_change: datetime | None
    users: int
    achievements: int
    last_edit: datetime | None
    #: bumped by every change to placements, declarations and applicants
    version: int

    def only_credentials_differ(self, other: Fingerprint) -> bool:
        """Whether everything but issued credentials and their status is the same."""
        return (self.users, self.achievements, self.last_edit, self.version) == (
            other.users,
            other.achievements,
            other.last_edit,
            other.version,
        )


class SkillsRepository(Protocol):
    """Skills-intelligence rows of one organisation."""

    # roles
    def add_role(self, role: StoredRole) -> None: ...
    def get_role(self, role_id: str) -> StoredRole | None: ...
    def role_by_name(self, name: str) -> StoredRole | None: ...
    def list_roles(self, *, offset: int = 0, limit: int = 50) -> Sequence[StoredRole]: ...
    def all_roles(self) -> Sequence[StoredRole]: ...
    def count_roles(self) -> int: ...
    def roles_version(self) -> tuple[int, datetime | None]:
        """How many roles there are and the newest edit: it changes with any add, edit or delete."""
        ...

    def replace_role(self, role: StoredRole) -> None: ...
    def delete_role(self, role_id: str) -> bool: ...

    # people
    def user(self, user_id: str) -> UserBrief | None: ...
    def users(self) -> Sequence[UserBrief]: ...
    def list_people(
        self, *, offset: int = 0, limit: int = 50, team: str | None = None
    ) -> Sequence[tuple[UserBrief, Placement]]:
        """A page of users (by id) with where they sit; one team's only when ``team`` is given.
        Filtered, ordered and paged in the query."""

    def count_people(self, *, team: str | None = None) -> int:
        """How many users `list_people` pages through."""

    def placement(self, user_id: str) -> Placement: ...
    def placements(self) -> Mapping[str, Placement]: ...
    def save_placement(self, placement: Placement, now: datetime) -> None: ...
    def declared(self, user_id: str) -> Sequence[DeclaredSkill]: ...
    def all_declared(self) -> Mapping[str, Sequence[DeclaredSkill]]: ...
    def replace_declared(self, user_id: str, skills: Sequence[tuple[str, DeclaredSkill]]) -> None:
        """Replace a user's declarations with ``(skill_uri, declaration)`` pairs."""

    # applicants
    def add_applicant(self, applicant: Applicant) -> None: ...
    def get_applicant(self, applicant_id: str) -> Applicant | None: ...
    def applicant_by_email(self, email: str) -> Applicant | None: ...
    def list_applicants(self, *, offset: int = 0, limit: int = 50) -> Sequence[Applicant]: ...
    def count_applicants(self) -> int: ...
    def delete_applicant(self, applicant_id: str) -> bool: ...
    def add_presented(self, credential: PresentedCredential) -> None: ...
    def update_presented(self, credential: PresentedCredential) -> None: ...
    def get_presented(self, applicant_id: str, credential_id: str) -> PresentedCredential | None:
        """One presented credential of one applicant."""

    def presented_of(self, applicant_id: str) -> Sequence[PresentedCredential]: ...
    def verified_presented(self) -> Sequence[PresentedCredential]: ...

    # evidence the index is built from
    def credential_facts(
        self,
        *,
        emails: Sequence[str] | None = None,
        dids: Sequence[str] | None = None,
        issued_since: datetime | None = None,
        ids: Sequence[str] | None = None,
    ) -> Iterator[CredentialFact]:
        """Every credential of the organisation, or those issued to ``emails`` or ``dids``, or
        issued at ``issued_since`` or later, or with the given ``ids``."""

    def changed_credentials(self, since: datetime | None) -> Sequence[str]:
        """Credentials whose status changed at ``since`` or later (all changed ones if None)."""

    def credential_documents(self, credential_ids: Sequence[str]) -> Mapping[str, str]:
        """The stored JSON document text of each credential."""

    def achievement_facts(self, ids: Sequence[str] | None = None) -> Sequence[AchievementFacts]:
        """The organisation's micro-credentials (only those with the given ``ids``)."""

    def issued_per_month(self, limit: int) -> Mapping[str, int]:
        """How many of the newest ``limit`` credentials were issued in each UTC calendar month
        (``YYYY-MM``), counted in the query."""

    # change tracking
    def bump(self) -> None:
        """Record that rows the index reads have changed (same transaction as the change)."""

    def fingerprint(self) -> Fingerprint:
        """A cheap summary that changes whenever anything the index reads changes."""
