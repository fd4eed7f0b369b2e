"""API models for skills intelligence: ``XCreate`` / ``XUpdate`` in, ``XPublic`` out.

Levels are whole numbers 1–10 (1–5 in practice), the scale of an achievement's alignment level.
Readiness is 0–1: the weighted share of a role's requirements a person meets, with partial credit
below level (see docs/skills-api.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from microcred.ports.skills import PresentedCredential, StoredRole
from microcred.services.skills.analysis import Explained, RoleMatches, TeamSize
from microcred.services.skills.applicants import ApplicantView
from microcred.services.skills.index import IndexStats
from microcred.services.skills.people import EvidenceView, PersonSkills, PersonView
from microcred.services.skills.roles import RoleDraft
from microcred.services.skills.taxonomy import AlignmentSuggestion, OccupationProfile
from microcred.talent import gaps as g
from microcred.talent import paths as p
from microcred.talent.roles import Requirement
from microcred.talent.search import SearchPage
from microcred.talent.skill_matching import Match
from microcred.talent.skills_profile import DeclaredSkill
from microcred.web.api.schemas import EmailStr, Name, Strict

Uri = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
Level = Annotated[int, Field(ge=1, le=10)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Description = Annotated[str, StringConstraints(max_length=20_000)]
Did = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]


def _r(x: float) -> float:
    return round(float(x), 4)


class SkillRef(BaseModel):
    """A skill by URI, with its label when known."""

    skill_uri: str
    label: str | None


def _skill(uri: str, labels: Mapping[str, str]) -> SkillRef:
    return SkillRef(skill_uri=uri, label=labels.get(uri))


# ---------------------------------------------------------------------------------- roles


class RequirementCreate(Strict):
    """A skill the role needs, at a level, weighted."""

    skill_uri: Uri
    level: Level = 3
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    essential: bool = True
    label: Annotated[str, StringConstraints(max_length=300)] | None = None

    def to_domain(self) -> Requirement:
        return Requirement(self.skill_uri, self.level, self.weight, self.essential, self.label)


class RoleCreate(Strict):
    """A role from scratch (``requirements``) or seeded from an ESCO occupation
    (``occupation_uri``: essential skills at ``essential_level``, optional ones at
    ``optional_level`` with half the weight)."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    description: Description | None = None
    headcount: Annotated[int, Field(ge=0, le=1_000_000)] = 1
    requirements: Annotated[list[RequirementCreate], Field(max_length=500, default_factory=list)]
    occupation_uri: Uri | None = None
    include_optional: bool = True
    essential_level: Level = 3
    optional_level: Level = 2


class RoleUpdate(Strict):
    """A role's new name, description, headcount and requirements (replacing the old)."""

    name: Name
    description: Description = ""
    headcount: Annotated[int, Field(ge=0, le=1_000_000)] = 1
    requirements: Annotated[list[RequirementCreate], Field(min_length=1, max_length=500)]


class RoleDraftCreate(Strict):
    """A job description to draft a role from."""

    job_description: LongText
    occupations: Annotated[int, Field(ge=1, le=10)] = 3
    skills: Annotated[int, Field(ge=1, le=100)] = 15


class RequirementPublic(BaseModel):
    skill_uri: str
    label: str | None
    level: int
    weight: float
    essential: bool

    @classmethod
    def of(cls, q: Requirement) -> RequirementPublic:
        return cls(
            skill_uri=q.skill_id,
            label=q.label,
            level=q.level,
            weight=q.weight,
            essential=q.essential,
        )


class RolePublic(BaseModel):
    id: str
    name: str
    description: str
    headcount: int
    source_occupation: str | None
    requirements: list[RequirementPublic]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: StoredRole) -> RolePublic:
        return cls(
            id=r.id,
            name=r.name,
            description=r.description,
            headcount=r.headcount,
            source_occupation=r.source_occupation,
            requirements=[RequirementPublic.of(q) for q in r.requirements],
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


class RolesPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[RolePublic]


class MatchPublic(BaseModel):
    uri: str
    label: str
    score: float

    @classmethod
    def of(cls, m: Match) -> MatchPublic:
        return cls(uri=m.uri, label=m.label, score=_r(m.score))


class DraftRequirementPublic(RequirementPublic):
    score: float
    named_in_text: bool
    from_occupations: list[str]


class RoleDraftPublic(BaseModel):
    """Proposed requirements; review them, then create the role with ``POST /roles``."""

    occupations: list[MatchPublic]
    requirements: list[DraftRequirementPublic]

    @classmethod
    def of(cls, d: RoleDraft) -> RoleDraftPublic:
        return cls(
            occupations=[MatchPublic.of(m) for m in d.occupations],
            requirements=[
                DraftRequirementPublic(
                    **RequirementPublic.of(x.requirement).model_dump(),
                    score=x.score,
                    named_in_text=x.named_in_text,
                    from_occupations=list(x.from_occupations),
                )
                for x in d.requirements
            ],
        )


# ---------------------------------------------------------------------------------- people


class PlacementUpdate(Strict):
    """Where a person sits: team, the role they hold now, DIDs their credentials go to."""

    team: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    current_role_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    dids: Annotated[list[Did], Field(max_length=20, default_factory=list)]


class PersonPublic(BaseModel):
    id: str
    name: str
    email: str
    role: str
    active: bool
    team: str | None
    current_role_id: str | None
    dids: list[str]

    @classmethod
    def of(cls, v: PersonView) -> PersonPublic:
        return cls(
            id=v.user.id,
            name=v.user.name,
            email=v.user.email,
            role=v.user.role,
            active=v.user.active,
            team=v.placement.team,
            current_role_id=v.placement.current_role_id,
            dids=list(v.placement.dids),
        )


class PeoplePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[PersonPublic]


class EvidencePublic(BaseModel):
    """One skill one credential certifies; ``standing`` says whether it counts now."""

    skill_uri: str
    label: str | None
    level: int
    credential_id: str
    credential_name: str
    valid_from: datetime | None
    valid_until: datetime | None
    standing: str

    @classmethod
    def of(cls, e: EvidenceView) -> EvidencePublic:
        return cls(
            skill_uri=e.skill_uri,
            label=e.label,
            level=e.level,
            credential_id=e.credential_id,
            credential_name=e.credential_name,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
            standing=e.standing.value,
        )


class DeclaredSkillCreate(Strict):
    skill_uri: Uri
    level: Level


class DeclaredSkillsUpdate(Strict):
    """The skills you say you have (replacing the list); they are never verified or scored."""

    skills: Annotated[list[DeclaredSkillCreate], Field(max_length=200)]


class DeclaredSkillPublic(BaseModel):
    skill_uri: str
    level: int
    declared_at: datetime | None
    verified: Literal[False] = False

    @classmethod
    def of(cls, d: DeclaredSkill) -> DeclaredSkillPublic:
        return cls(skill_uri=d.skill_id, level=d.level, declared_at=d.declared_at)


class PersonSkillsPublic(BaseModel):
    """Verified skills (best counting credential per skill), every credential behind them with
    its standing, and declarations, apart and unverified."""

    user_id: str
    as_of: datetime
    verified: list[EvidencePublic]
    evidence: list[EvidencePublic]
    declared: list[DeclaredSkillPublic]

    @classmethod
    def of(cls, s: PersonSkills) -> PersonSkillsPublic:
        return cls(
            user_id=s.user_id,
            as_of=s.as_of,
            verified=[EvidencePublic.of(e) for e in s.verified],
            evidence=[EvidencePublic.of(e) for e in s.evidence],
            declared=[DeclaredSkillPublic.of(d) for d in s.declared],
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


# ---------------------------------------------------------------------------------- search


class RequirementMatchPublic(SkillRef):
    required_level: int
    weight: float
    essential: bool
    status: str
    level: int
    credential_id: str | None
    credential_name: str | None
    valid_until: datetime | None
    declared_level: int | None = Field(description="Self-declared, unverified, never counted.")


class CandidatePublic(BaseModel):
    rank: int
    person_id: str
    name: str | None
    kind: str
    team: str | None
    readiness: float
    met: int
    essential_met: int
    missing: list[str]
    below: list[str]
    matches: list[RequirementMatchPublic]


class SearchPagePublic(BaseModel):
    """One page of people ranked for a role, each explained."""

    role_id: str
    role_name: str
    as_of: datetime
    total: int
    offset: int
    limit: int
    results: list[CandidatePublic]

    @classmethod
    def of(cls, e: Explained[SearchPage]) -> SearchPagePublic:
        v = e.value
        return cls(
            role_id=v.role_id,
            role_name=e.names.get(v.role_id, v.role_id),
            as_of=e.as_of,
            total=v.total,
            offset=v.offset,
            limit=v.limit,
            results=[
                CandidatePublic(
                    rank=c.rank,
                    person_id=c.person_id,
                    name=e.names.get(c.person_id),
                    kind=c.kind.value,
                    team=c.team or None,
                    readiness=_r(c.readiness),
                    met=c.met,
                    essential_met=c.essential_met,
                    missing=list(c.missing),
                    below=list(c.below),
                    matches=[
                        RequirementMatchPublic(
                            **_skill(m.skill_id, e.labels).model_dump(),
                            required_level=m.required_level,
                            weight=m.weight,
                            essential=m.essential,
                            status=m.status.value,
                            level=m.level,
                            credential_id=m.credential_id,
                            credential_name=(
                                e.names.get(m.credential_id) if m.credential_id else None
                            ),
                            valid_until=m.valid_until,
                            declared_level=m.declared_level,
                        )
                        for m in c.matches
                    ],
                )
                for c in v.results
            ],
        )


# ---------------------------------------------------------------------------------- applicants


class ApplicantCreate(Strict):
    name: Name
    email: EmailStr
    dids: Annotated[list[Did], Field(max_length=20, default_factory=list)]


class PresentationCreate(Strict):
    """An OB 3.0 credential (a JSON object, or a compact VC-JWT as a string), optionally with
    its C2SP tlog-proof and the tlog-policy of the issuer's log you trust."""

    credential: dict[str, Any] | Annotated[str, StringConstraints(max_length=512_000)]
    tlog_proof: Annotated[str, StringConstraints(max_length=100_000)] | None = None
    tlog_policy: Annotated[str, StringConstraints(max_length=262_144)] | None = None


class CheckPublic(BaseModel):
    check: str
    status: str
    message: str


class ProvenSkillPublic(SkillRef):
    level: int
    level_stated: bool


class PresentedCredentialPublic(BaseModel):
    """A presented credential: every check, and the skills it claims (they count only when
    ``verified``)."""

    id: str
    applicant_id: str
    credential_uri: str | None
    issuer: str | None
    name: str | None
    verified: bool
    counts: bool
    checks: list[CheckPublic]
    skills: list[ProvenSkillPublic]
    valid_from: datetime | None
    valid_until: datetime | None
    presented_at: datetime
    verified_at: datetime
    has_tlog_proof: bool

    @classmethod
    def of(cls, pc: PresentedCredential) -> PresentedCredentialPublic:
        return cls(
            id=pc.id,
            applicant_id=pc.applicant_id,
            credential_uri=pc.credential_uri,
            issuer=pc.issuer,
            name=pc.name,
            verified=pc.verified,
            counts=pc.verified,
            checks=[
                CheckPublic(check=c.check, status=c.status, message=c.message) for c in pc.checks
            ],
            skills=[
                ProvenSkillPublic(
                    skill_uri=s.skill_uri, label=s.label, level=s.level, level_stated=s.level_stated
                )
                for s in pc.skills
            ],
            valid_from=pc.valid_from,
            valid_until=pc.valid_until,
            presented_at=pc.presented_at,
            verified_at=pc.verified_at,
            has_tlog_proof=pc.tlog_proof is not None,
        )


class ApplicantPublic(BaseModel):
    id: str
    name: str
    email: str
    dids: list[str]
    created_at: datetime
    credentials: list[PresentedCredentialPublic]

    @classmethod
    def of(cls, v: ApplicantView) -> ApplicantPublic:
        a = v.applicant
        return cls(
            id=a.id,
            name=a.name,
            email=a.email,
            dids=list(a.dids),
            created_at=a.created_at,
            credentials=[PresentedCredentialPublic.of(c) for c in v.credentials],
        )


class ApplicantsPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ApplicantPublic]


# ---------------------------------------------------------------------------------- reference


class SkillMatchCreate(Strict):
    """Text to match: a sentence, a job ad or a piece of evidence."""

    text: LongText
    top_k: Annotated[int, Field(ge=1, le=100)] = 10


class OccupationMatchCreate(Strict):
    """A job title (or a longer description) to match to ESCO occupations."""

    title: LongText
    top_k: Annotated[int, Field(ge=1, le=100)] = 10


class OccupationSkillPublic(BaseModel):
    uri: str
    label: str
    relation: str


class OccupationPublic(BaseModel):
    uri: str
    label: str
    description: str
    code: str
    skills: list[OccupationSkillPublic]

    @classmethod
    def of(cls, o: OccupationProfile) -> OccupationPublic:
        return cls(
            uri=o.uri,
            label=o.label,
            description=o.description,
            code=o.code,
            skills=[
                OccupationSkillPublic(uri=s.uri, label=s.label, relation=s.relation.value)
                for s in o.skills
            ],
        )


class SuggestionCreate(Strict):
    """A micro-credential (by id) or a text describing one."""

    achievement_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    text: LongText | None = None
    top_k: Annotated[int, Field(ge=1, le=100)] = 10


class SuggestionPublic(BaseModel):
    """A suggested alignment, ready for an achievement's ``alignments`` (add a level)."""

    target_name: str
    target_url: str
    target_framework: str
    score: float
    matched_label: str

    @classmethod
    def of(cls, s: AlignmentSuggestion) -> SuggestionPublic:
        return cls(
            target_name=s.target_name,
            target_url=s.target_url,
            target_framework=s.target_framework,
            score=_r(s.score),
            matched_label=s.matched_label,
        )


class IndexStatsPublic(BaseModel):
    """What the organisation's skills index holds."""

    as_of: datetime
    credentials: int
    unmatched_credentials: int
    documents_read: int
    evidence_rows: int
    skill_entries: int
    employees: int
    verified_applicants: int
    build_ms: float
    warnings: list[str]

    @classmethod
    def of(cls, s: IndexStats, as_of: datetime, warnings: tuple[str, ...]) -> IndexStatsPublic:
        return cls(
            as_of=as_of,
            credentials=s.credentials,
            unmatched_credentials=s.unmatched,
            documents_read=s.documents_read,
            evidence_rows=s.rows,
            skill_entries=s.entries,
            employees=s.employees,
            verified_applicants=s.applicants,
            build_ms=round(s.build_ms, 1),
            warnings=list(warnings),
        )
