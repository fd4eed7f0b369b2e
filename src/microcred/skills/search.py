"""Talent search: rank employees and verified applicants for a role, each result explained.

The score is the role readiness from verified skills only (see `microcred.skills.roles`).
Ties are broken by requirements met (more first), then essentials met, then person id (ascending),
so the same index and role always give the same pages. Self-declared skills appear in the
explanation, marked unverified, and never move anyone up or down.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from microcred.errors import InvalidInput
from microcred.skills.gaps import GapStatus
from microcred.skills.index import PersonKind, RoleScores, TalentIndex
from microcred.skills.roles import RoleProfile

#: readiness is compared on this grid so float rounding never decides an order
_GRID = 1e9
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Who may appear in the results."""

    kinds: frozenset[PersonKind] | None = None
    teams: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    #: skills whose requirement must be met (verified at the role's level)
    must_meet: frozenset[str] = frozenset()
    #: only people meeting every essential requirement
    essentials_met: bool = False
    #: lowest readiness shown; people with no matching verified skill are never shown
    min_readiness: float = 0.0


@dataclass(frozen=True, slots=True)
class RequirementMatch:
    """One requirement of the role and the person's verified standing on it."""

    skill_id: str
    required_level: int
    weight: float
    essential: bool
    status: GapStatus
    level: int
    credential_id: str | None
    valid_until: datetime | None
    #: self-declared level, unverified, shown for context only
    declared_level: int | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked person and why they rank there."""

    rank: int
    person_id: str
    kind: PersonKind
    team: str | None
    readiness: float
    met: int
    essential_met: int
    matches: tuple[RequirementMatch, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        """Requirements with no verified evidence."""
        return tuple(m.skill_id for m in self.matches if m.status is GapStatus.MISSING)

    @property
    def below(self) -> tuple[str, ...]:
        """Requirements verified under the required level."""
        return tuple(m.skill_id for m in self.matches if m.status is GapStatus.BELOW)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results and how many people matched in all."""

    role_id: str
    as_of: datetime
    total: int
    offset: int
    limit: int
    results: tuple[Candidate, ...]


def rank_people(
    index: TalentIndex,
    role: RoleProfile,
    *,
    filters: SearchFilters | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchPage:
    """Rank everyone in ``index`` for ``role`` and return one explained page."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"Pages start at offset 0 and hold 1–{MAX_PAGE} results.")
    filters = filters or SearchFilters()
    scores = index.role_scores(role)
    keep = index.mask(kinds=filters.kinds, teams=filters.teams)
    keep &= scores.readiness > 0
    if filters.min_readiness > 0:
        keep &= scores.readiness >= filters.min_readiness - 1 / _GRID
    if filters.exclude:
        keep &= ~index.mask(people=filters.exclude)
    if filters.essentials_met:
        keep &= scores.essential_met == sum(r.essential for r in role.requirements)
    for skill in filters.must_meet:
        req = next((r for r in role.requirements if r.skill_id == skill), None)
        if req is None:
            raise InvalidInput(f"{skill!r} is not a requirement of role {role.name!r}.")
        people, levels = index.column(skill)
        ok = np.zeros(index.size, dtype=bool)
        ok[people[levels >= req.level]] = True
        keep &= ok
    where = np.flatnonzero(keep)
    total = int(where.size)
    grid = np.rint(scores.readiness[where] * _GRID).astype(np.int64)
    met = scores.met[where]
    ess = scores.essential_met[where]
    want = offset + limit
    if total > want:
        # everyone tied with the want-th best stays in, so tie-breaking sees them all
        cut = -np.partition(-grid, want - 1)[want - 1]
        sel = grid >= cut
        where, grid, met, ess = where[sel], grid[sel], met[sel], ess[sel]
    order = np.lexsort((where, -ess.astype(np.int32), -met.astype(np.int32), -grid))
    page = where[order][offset:want]
    results = tuple(
        _explain(index, role, int(i), offset + k + 1, scores) for k, i in enumerate(page)
    )
    return SearchPage(role.id, index.as_of, total, offset, limit, results)


def _explain(
    index: TalentIndex,
    role: RoleProfile,
    i: int,
    rank: int,
    scores: RoleScores,
) -> Candidate:
    person = index.people[i]
    have = index.person_skills(person.id)
    declared = index.declared_levels(person.id)
    matches = []
    for req in role.requirements:
        ev = have.get(req.skill_id)
        level = ev.level if ev else 0
        status = (
            GapStatus.MET if level >= req.level else GapStatus.BELOW if level else GapStatus.MISSING
        )
        matches.append(
            RequirementMatch(
                req.skill_id,
                req.level,
                req.weight,
                req.essential,
                status,
                level,
                ev.credential_id if ev else None,
                ev.valid_until if ev else None,
                declared.get(req.skill_id),
            )
        )
    return Candidate(
        rank,
        person.id,
        person.kind,
        person.team,
        float(scores.readiness[i]),
        int(scores.met[i]),
        int(scores.essential_met[i]),
        tuple(matches),
    )


def rank_all(
    index: TalentIndex, role: RoleProfile, people: Iterable[str] | None = None
) -> list[str]:
    """Every person with some matching verified skill, best first (ids only, no explanations)."""
    scores = index.role_scores(role)
    keep = scores.readiness > 0
    if people is not None:
        keep &= index.mask(people=people)
    where = np.flatnonzero(keep)
    grid = np.rint(scores.readiness[where] * _GRID).astype(np.int64)
    order = np.lexsort(
        (
            where,
            -scores.essential_met[where].astype(np.int32),
            -scores.met[where].astype(np.int32),
            -grid,
        )
    )
    return [index.people[int(i)].id for i in where[order]]
