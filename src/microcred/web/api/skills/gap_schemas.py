"""Skills API models for gaps, heatmaps, career paths and role matches."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, Field

from microcred.services.skills.analysis import Explained, RoleMatches, TeamSize
from microcred.skills import gaps as g
from microcred.skills import paths as p
from microcred.web.api.skills.schemas import (
    SkillRef,
    _r,
    _skill,
)

# ---------------------------------------------------------------------------------- gaps


class OptionPublic(BaseModel):
    """A micro-credential that closes a gap."""

    achievement_id: str
    name: str
    level: int
    effort_hours: float
    effort_estimated: bool
    requires: str | None

    @classmethod
    def of(cls, o: g.ClosingOption, stated: frozenset[str]) -> OptionPublic:
        return cls(
            achievement_id=o.item_id,
            name=o.name,
            level=o.level,
            effort_hours=o.effort_hours,
            effort_estimated=o.item_id not in stated,
            requires=o.requires,
        )


class SkillGapPublic(SkillRef):
    required_level: int
    current_level: int
    weight: float
    essential: bool
    status: str
    credential_id: str | None
    credential_name: str | None
    declared_level: int | None = Field(description="Self-declared, unverified, never counted.")
    options: list[OptionPublic]


class RoleGapPublic(BaseModel):
    person_id: str
    role_id: str
    role_name: str
    as_of: datetime
    readiness: float
    met: int
    below: int
    missing: int
    skills: list[SkillGapPublic]

    @classmethod
    def of(cls, e: Explained[g.RoleGap]) -> RoleGapPublic:
        v = e.value
        return cls(
            person_id=v.person_id,
            role_id=v.role_id,
            role_name=e.names.get(v.role_id, v.role_id),
            as_of=e.as_of,
            readiness=_r(v.readiness),
            met=v.met,
            below=v.below,
            missing=v.missing,
            skills=[
                SkillGapPublic(
                    **_skill(s.skill_id, e.labels).model_dump(),
                    required_level=s.required_level,
                    current_level=s.current_level,
                    weight=s.weight,
                    essential=s.essential,
                    status=s.status.value,
                    credential_id=s.credential_id,
                    credential_name=e.names.get(s.credential_id) if s.credential_id else None,
                    declared_level=s.declared_level,
                    options=[OptionPublic.of(o, e.effort_stated) for o in s.options],
                )
                for s in v.skills
            ],
        )


class CoveragePublic(SkillRef):
    required_level: int
    essential: bool
    holders: int
    below: int
    population: int
    share: float


class GroupGapPublic(BaseModel):
    role_id: str
    role_name: str
    size: int
    mean_readiness: float
    best_readiness: float
    best_person: str | None
    uncovered: list[SkillRef]
    requirements: list[CoveragePublic]


class TeamGapsPublic(BaseModel):
    team: str
    as_of: datetime
    roles: list[GroupGapPublic]

    @classmethod
    def of(cls, team: str, e: Explained[tuple[g.GroupGap, ...]]) -> TeamGapsPublic:
        return cls(
            team=team,
            as_of=e.as_of,
            roles=[
                GroupGapPublic(
                    role_id=x.role_id,
                    role_name=e.names.get(x.role_id, x.role_id),
                    size=x.size,
                    mean_readiness=_r(x.mean_readiness),
                    best_readiness=_r(x.best_readiness),
                    best_person=x.best_person,
                    uncovered=[_skill(s, e.labels) for s in x.uncovered],
                    requirements=[
                        CoveragePublic(
                            **_skill(c.skill_id, e.labels).model_dump(),
                            required_level=c.required_level,
                            essential=c.essential,
                            holders=c.holders,
                            below=c.below,
                            population=c.population,
                            share=_r(c.share),
                        )
                        for c in x.requirements
                    ],
                )
                for x in e.value
            ],
        )


class TeamPublic(BaseModel):
    team: str
    size: int

    @classmethod
    def of(cls, t: TeamSize) -> TeamPublic:
        return cls(team=t.team, size=t.size)


class ShortfallPublic(SkillRef):
    level: int
    demand: int
    supply: int
    shortfall: int
    roles: list[str]
    options: list[OptionPublic]


class OrganisationGapsPublic(BaseModel):
    """Skills the organisation lacks for the headcount its roles need, largest first."""

    as_of: datetime
    shortfalls: list[ShortfallPublic]

    @classmethod
    def of(cls, e: Explained[tuple[g.SkillShortfall, ...]]) -> OrganisationGapsPublic:
        return cls(
            as_of=e.as_of,
            shortfalls=[
                ShortfallPublic(
                    **_skill(s.skill_id, e.labels).model_dump(),
                    level=s.level,
                    demand=s.demand,
                    supply=s.supply,
                    shortfall=s.shortfall,
                    roles=list(s.roles),
                    options=[OptionPublic.of(o, e.effort_stated) for o in s.options],
                )
                for s in e.value
            ],
        )


class HeatmapRow(BaseModel):
    id: str
    name: str


class HeatmapCellPublic(BaseModel):
    row: str
    skill_uri: str
    required_level: int
    holders: int
    population: int
    share: float


class HeatmapPublic(BaseModel):
    """Sparse heatmap data: one cell per (row, required skill); rows are roles or teams."""

    as_of: datetime
    rows: list[HeatmapRow]
    columns: list[SkillRef]
    cells: list[HeatmapCellPublic]

    @classmethod
    def of(cls, e: Explained[g.Heatmap]) -> HeatmapPublic:
        h = e.value
        return cls(
            as_of=e.as_of,
            rows=[HeatmapRow(id=r, name=e.names.get(r, r)) for r in h.rows],
            columns=[_skill(c, e.labels) for c in h.columns],
            cells=[
                HeatmapCellPublic(
                    row=c.row,
                    skill_uri=c.skill_id,
                    required_level=c.required_level,
                    holders=c.holders,
                    population=c.population,
                    share=_r(c.share),
                )
                for c in h.cells
            ],
        )


# ---------------------------------------------------------------------------------- paths


class SkillChangePublic(SkillRef):
    before: int
    after: int
    required: int


class StepPublic(BaseModel):
    achievement_id: str
    name: str
    effort_hours: float
    effort_estimated: bool
    raises: list[SkillChangePublic]
    enables: list[str]
    reason: str


class PlanPublic(BaseModel):
    steps: list[StepPublic]
    total_effort_hours: float
    exact: bool
    method: str

    @classmethod
    def of(cls, plan: p.Plan, labels: Mapping[str, str], stated: frozenset[str]) -> PlanPublic:
        return cls(
            steps=[
                StepPublic(
                    achievement_id=s.item_id,
                    name=s.name,
                    effort_hours=s.effort_hours,
                    effort_estimated=s.item_id not in stated,
                    raises=[
                        SkillChangePublic(
                            **_skill(c.skill_id, labels).model_dump(),
                            before=c.before,
                            after=c.after,
                            required=c.required,
                        )
                        for c in s.raises
                    ],
                    enables=list(s.enables),
                    reason=s.reason,
                )
                for s in plan.steps
            ],
            total_effort_hours=plan.total_effort_hours,
            exact=plan.exact,
            method=plan.method,
        )


class TargetPublic(SkillRef):
    required: int
    current: int


class CareerPathPublic(BaseModel):
    """The ordered plan (each step's prerequisites met by the steps before it) to a role."""

    person_id: str
    role_id: str
    role_name: str
    as_of: datetime
    targets: list[TargetPublic]
    plan: PlanPublic
    alternatives: list[PlanPublic]
    unreachable: list[SkillRef]

    @classmethod
    def of(cls, e: Explained[p.CareerPath]) -> CareerPathPublic:
        v = e.value
        return cls(
            person_id=v.person_id,
            role_id=v.role_id,
            role_name=e.names.get(v.role_id, v.role_id),
            as_of=e.as_of,
            targets=[
                TargetPublic(
                    **_skill(t.skill_id, e.labels).model_dump(),
                    required=t.required,
                    current=t.current,
                )
                for t in v.targets
            ],
            plan=PlanPublic.of(v.plan, e.labels, e.effort_stated),
            alternatives=[PlanPublic.of(a, e.labels, e.effort_stated) for a in v.alternatives],
            unreachable=[_skill(s, e.labels) for s in v.unreachable],
        )


class RoleMatchPublic(BaseModel):
    role_id: str
    role_name: str
    readiness: float
    met: int
    total: int
    missing: list[SkillRef]
    below: list[SkillRef]


class NeedMatchPublic(SkillRef):
    required_level: int
    shortfall: int
    person_level: int
    can_fill: bool


class RoleMatchesPublic(BaseModel):
    """The roles a person is closest to, and unmet organisational needs near their skills."""

    person_id: str
    as_of: datetime
    roles: list[RoleMatchPublic]
    needs: list[NeedMatchPublic]

    @classmethod
    def of(cls, e: Explained[RoleMatches]) -> RoleMatchesPublic:
        v = e.value
        return cls(
            person_id=v.person_id,
            as_of=e.as_of,
            roles=[
                RoleMatchPublic(
                    role_id=m.role_id,
                    role_name=e.names.get(m.role_id, m.role_id),
                    readiness=_r(m.readiness),
                    met=m.met,
                    total=m.total,
                    missing=[_skill(s, e.labels) for s in m.missing],
                    below=[_skill(s, e.labels) for s in m.below],
                )
                for m in v.roles
            ],
            needs=[
                NeedMatchPublic(
                    **_skill(n.skill_id, e.labels).model_dump(),
                    required_level=n.required_level,
                    shortfall=n.shortfall,
                    person_level=n.person_level,
                    can_fill=n.can_fill,
                )
                for n in v.needs
            ],
        )
