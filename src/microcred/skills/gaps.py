"""Gap analysis: person vs role, team vs role, organisation-wide, and heatmap data.

All numbers count verified skills only (credentials active and valid at the index's ``as_of``);
declarations are shown beside them, never counted. "Holders" are employees; verified applicants are
searchable but are not part of the organisation's supply. Definitions are in
``docs/skills-intelligence.md``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.errors import InvalidInput
from microcred.skills.catalogue import Catalogue, describe
from microcred.skills.index import PersonKind, TalentIndex
from microcred.skills.roles import RoleProfile
from microcred.skills.skills_profile import EffectiveSkill


class GapStatus(enum.StrEnum):
    """Where a person stands on one requirement."""

    MET = "met"
    BELOW = "below"  # verified, but under the required level
    MISSING = "missing"  # no verified evidence at all


class Population(enum.StrEnum):
    """Whom a roles heatmap counts for each role."""

    INCUMBENTS = "incumbents"  # the employees currently in that role
    ORGANISATION = "organisation"  # every employee


@dataclass(frozen=True, slots=True)
class ClosingOption:
    """A catalogue item that closes a gap: it grants the skill at ``level`` for ``effort_hours``."""

    item_id: str
    name: str
    level: int
    effort_hours: float
    #: its prerequisites in plain words, or None
    requires: str | None


@dataclass(frozen=True, slots=True)
class SkillGap:
    """One requirement of a role against one person's verified level."""

    skill_id: str
    required_level: int
    current_level: int
    weight: float
    essential: bool
    status: GapStatus
    #: the credential showing the current level, if any
    credential_id: str | None
    #: a self-declared level, shown for context only (unverified, never counted)
    declared_level: int | None
    options: tuple[ClosingOption, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleGap:
    """A person against a role: readiness and every requirement's standing."""

    person_id: str
    role_id: str
    readiness: float
    met: int
    below: int
    missing: int
    skills: tuple[SkillGap, ...]

    @property
    def gaps(self) -> tuple[SkillGap, ...]:
        """Only the requirements not met."""
        return tuple(s for s in self.skills if s.status is not GapStatus.MET)


@dataclass(frozen=True, slots=True)
class RequirementCoverage:
    """How many members of a group meet one requirement."""

    skill_id: str
    required_level: int
    essential: bool
    holders: int
    below: int
    population: int

    @property
    def share(self) -> float:
        """Holders as a share of the group (0 for an empty group)."""
        return self.holders / self.population if self.population else 0.0


@dataclass(frozen=True, slots=True)
class GroupGap:
    """A group of people (a team) against a role."""

    role_id: str
    size: int
    requirements: tuple[RequirementCoverage, ...]
    #: requirements no member meets
    uncovered: tuple[str, ...]
    mean_readiness: float
    best_readiness: float
    best_person: str | None


@dataclass(frozen=True, slots=True)
class HeatmapCell:
    """One cell: of ``population`` people, ``holders`` meet ``skill`` at ``required_level``."""

    row: str
    skill_id: str
    required_level: int
    holders: int
    population: int

    @property
    def share(self) -> float:
        """Holders as a share of the population (0 for an empty population)."""
        return self.holders / self.population if self.population else 0.0


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Heatmap data, sparse: rows (roles or teams) × skill columns, one cell per requirement."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[HeatmapCell, ...]

    def matrix(self) -> npt.NDArray[np.float64]:
        """Shares as a dense rows × columns matrix, NaN where a row does not need the skill."""
        out = np.full((len(self.rows), len(self.columns)), np.nan)
        r = {k: i for i, k in enumerate(self.rows)}
        c = {k: i for i, k in enumerate(self.columns)}
        for cell in self.cells:
            out[r[cell.row], c[cell.skill_id]] = cell.share
        return out


@dataclass(frozen=True, slots=True)
class RoleDemand:
    """How many people the organisation needs in a role."""

    role: RoleProfile
    headcount: int

    def __post_init__(self) -> None:
        if self.headcount < 0:
            raise InvalidInput("A headcount cannot be negative.")


@dataclass(frozen=True, slots=True)
class SkillShortfall:
    """A skill the organisation lacks: ``demand`` people needed at ``level`` or above, ``supply``
    employees verified there, ``shortfall`` = how many more are needed even if every holder were
    deployed where the skill is needed."""

    skill_id: str
    level: int
    demand: int
    supply: int
    shortfall: int
    roles: tuple[str, ...]
    options: tuple[ClosingOption, ...] = ()


def closing_options(
    catalogue: Catalogue | None, skill_id: str, level: int, limit: int = 3
) -> tuple[ClosingOption, ...]:
    """The cheapest ``limit`` catalogue items granting ``skill_id`` at ``level`` or above."""
    if catalogue is None:
        return ()
    out = []
    for item_id in catalogue.granting(skill_id, level)[:limit]:
        item = catalogue[item_id]
        out.append(
            ClosingOption(
                item.id,
                item.name,
                item.level_of(skill_id),
                item.effort_hours,
                None if item.requires is None else describe(item.requires, catalogue.names),
            )
        )
    return tuple(out)


def person_gap(
    role: RoleProfile,
    skills: Mapping[str, EffectiveSkill],
    *,
    person_id: str = "",
    declared: Mapping[str, int] | None = None,
    catalogue: Catalogue | None = None,
    options: int = 3,
) -> RoleGap:
    """A person's verified skills against ``role``, with items that close each gap."""
    gaps = []
    declared = declared or {}
    for req in role.requirements:
        have = skills.get(req.skill_id)
        level = have.level if have else 0
        status = (
            GapStatus.MET if level >= req.level else GapStatus.BELOW if level else GapStatus.MISSING
        )
        gaps.append(
            SkillGap(
                req.skill_id,
                req.level,
                level,
                req.weight,
                req.essential,
                status,
                have.credential_id if have else None,
                declared.get(req.skill_id),
                ()
                if status is GapStatus.MET
                else closing_options(catalogue, req.skill_id, req.level, options),
            )
        )
    counts = {s: sum(g.status is s for g in gaps) for s in GapStatus}
    return RoleGap(
        person_id,
        role.id,
        role.readiness({k: v.level for k, v in skills.items()}),
        counts[GapStatus.MET],
        counts[GapStatus.BELOW],
        counts[GapStatus.MISSING],
        tuple(gaps),
    )


def _coverage(
    index: TalentIndex, role: RoleProfile, members: npt.NDArray[np.bool_], size: int
) -> list[RequirementCoverage]:
    out = []
    for req in role.requirements:
        people, levels = index.column(req.skill_id)
        inside = members[people]
        ok = int(np.count_nonzero(inside & (levels >= req.level)))
        some = int(np.count_nonzero(inside))
        out.append(RequirementCoverage(req.skill_id, req.level, req.essential, ok, some - ok, size))
    return out


def group_gap(index: TalentIndex, role: RoleProfile, members: Iterable[str]) -> GroupGap:
    """A group of people (a team, or anyone) against ``role``: who covers which requirement."""
    wanted = list(members)
    mask = np.zeros(index.size, dtype=bool)
    mask[[index.position(p) for p in wanted]] = True
    size = int(mask.sum())
    reqs = _coverage(index, role, mask, size)
    scores = index.role_scores(role).readiness[mask]
    best_person = None
    if size:
        where = np.flatnonzero(mask)
        best = int(where[int(np.argmax(scores))])  # first maximum: smallest person id
        best_person = index.people[best].id
    return GroupGap(
        role.id,
        size,
        tuple(reqs),
        tuple(r.skill_id for r in reqs if r.holders == 0),
        float(scores.mean()) if size else 0.0,
        float(scores.max()) if size else 0.0,
        best_person,
    )


def team_gap(index: TalentIndex, role: RoleProfile, team: str) -> GroupGap:
    """The employees of ``team`` against ``role``."""
    mask = index.mask(kinds=[PersonKind.EMPLOYEE], teams=[team])
    return group_gap(index, role, (index.people[i].id for i in np.flatnonzero(mask)))


def roles_heatmap(
    index: TalentIndex,
    roles: Iterable[RoleProfile],
    *,
    population: Population = Population.INCUMBENTS,
) -> Heatmap:
    """Roles × skills: for each required skill, how many of the role's population meet its level.

    With ``INCUMBENTS`` the population is the employees now in the role; with ``ORGANISATION`` it
    is every employee (how many could cover the skill anywhere).
    """
    roles = list(roles)
    employees = index.kind == 0
    staff = int(employees.sum())
    role_code = {r: i for i, r in enumerate(index.roles)}
    cells: list[HeatmapCell] = []
    for role in roles:
        if population is Population.ORGANISATION:
            cells += [
                HeatmapCell(role.id, q.skill_id, q.level, index.holders(q.skill_id, q.level), staff)
                for q in role.requirements
            ]
            continue
        code = role_code.get(role.id)
        members = employees & (index.role == code) if code is not None else np.zeros_like(employees)
        size = int(members.sum())
        for cov in _coverage(index, role, members, size):
            cells.append(HeatmapCell(role.id, cov.skill_id, cov.required_level, cov.holders, size))
    columns = tuple(sorted({c.skill_id for c in cells}))
    return Heatmap(tuple(r.id for r in roles), columns, tuple(cells))


def teams_heatmap(
    index: TalentIndex, skills: Mapping[str, int], *, teams: Iterable[str] | None = None
) -> Heatmap:
    """Teams × skills: how many employees of each team hold each skill at the given level."""
    names = [t for t in index.teams if t] if teams is None else sorted(set(teams))
    code = {t: i for i, t in enumerate(index.teams)}
    employees = index.kind == 0
    sizes = np.bincount(index.team[employees], minlength=len(index.teams))
    cells: list[HeatmapCell] = []
    for skill, level in sorted(skills.items()):
        people, levels = index.column(skill)
        ok = people[(levels >= level) & employees[people]]
        per_team = np.bincount(index.team[ok], minlength=len(index.teams))
        for team in names:
            c = code.get(team)
            held = int(per_team[c]) if c is not None else 0
            size = int(sizes[c]) if c is not None else 0
            cells.append(HeatmapCell(team, skill, level, held, size))
    return Heatmap(tuple(names), tuple(sorted(skills)), tuple(cells))


def organisation_gaps(
    index: TalentIndex,
    demands: Iterable[RoleDemand],
    *,
    catalogue: Catalogue | None = None,
) -> tuple[SkillShortfall, ...]:
    """Skills the organisation lacks for the headcount it needs, largest shortfall first.

    For each skill, demand at level L is the headcount of the roles needing it at L or above and
    supply is the employees verified at L or above; the shortfall is the largest demand − supply
    over L (a holder at a higher level can fill a lower need, never the reverse). Skills are
    counted one at a time: one person can count as supply for several skills.
    """
    need: dict[str, list[tuple[int, int, str]]] = {}
    for d in demands:
        for req in d.role.requirements:
            need.setdefault(req.skill_id, []).append((req.level, d.headcount, d.role.id))
    out = []
    for skill, wants in need.items():
        worst = (0, 0, 0, 0)  # shortfall, level, demand, supply
        for level in sorted({lv for lv, _, _ in wants}, reverse=True):
            demand = sum(h for lv, h, _ in wants if lv >= level)
            supply = index.holders(skill, level)
            if demand - supply > worst[0]:
                worst = (demand - supply, level, demand, supply)
        if worst[0] > 0:
            short, level, demand, supply = worst
            out.append(
                SkillShortfall(
                    skill,
                    level,
                    demand,
                    supply,
                    short,
                    tuple(sorted({r for lv, _, r in wants if lv >= level})),
                    closing_options(catalogue, skill, level),
                )
            )
    out.sort(key=lambda s: (-s.shortfall, s.skill_id))
    return tuple(out)
