"""Skills of people: verified skills from credentials, self-declared skills kept apart.

A verified skill is one row of evidence: a credential granted ``skill_id`` at ``level`` to a person,
valid from ``valid_from`` until ``valid_until``, with the credential's ``status``. Only rows whose
credential is *active* and inside its validity window at the time asked count; expired, revoked,
suspended and not-yet-valid credentials never do. A person's effective level for a skill is the
highest level among the rows that count. Self-declared skills are a separate list and are always
unverified: nothing in the engine ranks or scores on them.

Identifiers are plain strings (ESCO URIs, custom ids); levels are integers 1–10 (1–5 in practice),
the same scale as an achievement's alignment level.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from microcred.errors import InvalidInput

MIN_LEVEL = 1
MAX_LEVEL = 10


class EvidenceStatus(enum.StrEnum):
    """A credential's status; the first three are ``domain.credential.CredentialStatus`` values.

    ``UNVERIFIED`` is for a credential presented by an external applicant that has not passed (or
    failed) verification: its rows may be stored, and never count.
    """

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    UNVERIFIED = "unverified"


class Standing(enum.StrEnum):
    """Whether a row of evidence counts at a given time, and if not, why."""

    COUNTS = "counts"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    NOT_YET_VALID = "not_yet_valid"
    UNVERIFIED = "unverified"


class SkillEvidence(NamedTuple):
    """One verified skill of one person, as the database feeds it: a plain 7-tuple (plus one
    optional field) so rows can be streamed straight from a query."""

    person_id: str
    skill_id: str
    level: int
    credential_id: str
    valid_from: datetime | None
    valid_until: datetime | None
    status: str
    #: the micro-credential (achievement) the credential was issued for, for pathway rules
    achievement_id: str | None = None

    def standing(self, as_of: datetime) -> Standing:
        """Whether this row counts at ``as_of`` (and the reason when it does not)."""
        if self.status != EvidenceStatus.ACTIVE:
            return inactive_standing(self.status)
        now = utc(as_of)
        if self.valid_from is not None and utc(self.valid_from) > now:
            return Standing.NOT_YET_VALID
        if self.valid_until is not None and utc(self.valid_until) <= now:
            return Standing.EXPIRED
        return Standing.COUNTS


@dataclass(frozen=True, slots=True)
class DeclaredSkill:
    """A skill a person says they have. Never verified, never scored."""

    skill_id: str
    level: int
    declared_at: datetime | None = None

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def verified(self) -> bool:
        """Always ``False``: a declaration is not evidence."""
        return False


@dataclass(frozen=True, slots=True)
class EffectiveSkill:
    """A person's effective level for one skill and the credential that shows it."""

    skill_id: str
    level: int
    credential_id: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class SkillsProfile:
    """Everything known about one person's skills: verified evidence and declarations, apart."""

    person_id: str
    verified: tuple[SkillEvidence, ...] = ()
    declared: tuple[DeclaredSkill, ...] = field(default=())

    def __post_init__(self) -> None:
        for row in self.verified:
            if row.person_id != self.person_id:
                raise InvalidInput(
                    f"Evidence for {row.person_id!r} cannot be in {self.person_id!r}'s profile."
                )
            check_level(row.level)

    def effective(self, as_of: datetime) -> dict[str, EffectiveSkill]:
        """The effective level per skill at ``as_of``, from the rows that count only."""
        return effective_levels(self.verified, as_of)

    def standings(self, as_of: datetime) -> list[tuple[SkillEvidence, Standing]]:
        """Every row with whether it counts at ``as_of``, for explanations."""
        return [(row, row.standing(as_of)) for row in self.verified]

    def earned_achievements(self, as_of: datetime) -> frozenset[str]:
        """Achievements the person holds a counting credential for (pathway rules use these)."""
        return frozenset(
            row.achievement_id
            for row in self.verified
            if row.achievement_id is not None and row.standing(as_of) is Standing.COUNTS
        )

    def declared_levels(self) -> dict[str, int]:
        """The highest declared (unverified) level per skill."""
        out: dict[str, int] = {}
        for d in self.declared:
            out[d.skill_id] = max(out.get(d.skill_id, 0), d.level)
        return out


def inactive_standing(status: str) -> Standing:
    """Why a row whose credential is not active does not count (unknown statuses: unverified)."""
    if status == EvidenceStatus.REVOKED:
        return Standing.REVOKED
    if status == EvidenceStatus.SUSPENDED:
        return Standing.SUSPENDED
    return Standing.UNVERIFIED


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; naive values (as SQLite returns them) are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_level(level: int) -> int:
    """Refuse levels outside 1–10."""
    if not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
        raise InvalidInput(f"A skill level must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}.")
    return level


def _preference(row: SkillEvidence) -> tuple[int, float, str]:
    """Sort key: highest level first, then the credential valid longest, then the smallest id."""
    until = float("inf") if row.valid_until is None else utc(row.valid_until).timestamp()
    return (-row.level, -until, row.credential_id)


def effective_levels(rows: Iterable[SkillEvidence], as_of: datetime) -> dict[str, EffectiveSkill]:
    """Effective level per skill from one person's rows: the best counting row wins.

    Among rows at the same level, the one valid longest is shown, then the smallest credential id,
    so the answer does not depend on the order of the rows.
    """
    best: dict[str, SkillEvidence] = {}
    for row in rows:
        if row.standing(as_of) is not Standing.COUNTS:
            continue
        current = best.get(row.skill_id)
        if current is None or _preference(row) < _preference(current):
            best[row.skill_id] = row
    return {
        skill: EffectiveSkill(skill, r.level, r.credential_id, r.valid_from, r.valid_until)
        for skill, r in sorted(best.items())
    }


def profiles_from_rows(
    rows: Iterable[SkillEvidence | tuple[object, ...]],
    declared: Mapping[str, Iterable[DeclaredSkill]] | None = None,
) -> dict[str, SkillsProfile]:
    """Group evidence rows (and declarations per person) into one profile per person."""
    grouped: dict[str, list[SkillEvidence]] = {}
    for raw in rows:
        row = raw if isinstance(raw, SkillEvidence) else SkillEvidence(*raw)  # type: ignore[arg-type]
        grouped.setdefault(row.person_id, []).append(row)
    people = set(grouped) | set(declared or {})
    return {
        pid: SkillsProfile(pid, tuple(grouped.get(pid, ())), tuple((declared or {}).get(pid, ())))
        for pid in sorted(people)
    }
