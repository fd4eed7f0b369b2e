"""Skills API models for talent search, external applicants and the ESCO reference."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from microcred.ports.skills import PresentedCredential
from microcred.services.skills.analysis import Explained
from microcred.services.skills.applicants import ApplicantView
from microcred.services.skills.index import IndexStats
from microcred.services.skills.taxonomy import AlignmentSuggestion, OccupationProfile
from microcred.skills.search import SearchPage
from microcred.web.api.schemas import EmailStr, Name, Strict
from microcred.web.api.skills.schemas import (
    Did,
    LongText,
    SkillRef,
    _r,
    _skill,
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
