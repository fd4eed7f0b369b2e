"""API models for skills intelligence: ``XCreate`` / ``XUpdate`` in, ``XPublic`` out.

Levels are whole numbers 1–10 (1–5 in practice), the scale of an achievement's alignment level.
Readiness is 0–1: the weighted share of a role's requirements a person meets, with partial credit
below level (see docs/skills-api.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from microcred.ports.skills import StoredRole
from microcred.services.skills.people import EvidenceView, PersonSkills, PersonView
from microcred.services.skills.roles import RoleDraft
from microcred.skills.roles import Requirement
from microcred.skills.skill_matching import Match
from microcred.skills.skills_profile import DeclaredSkill
from microcred.web.api.schemas import Name, Strict

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
