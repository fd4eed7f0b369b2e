"""API models for pathways, enrolments and submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from microcred.domain.learning import Submission
from microcred.domain.pathway import Pathway, rule_to_json
from microcred.domain.review_json import decision_to_json, review_to_json
from microcred.web.api.schemas import Strict

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PathwayCreate(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    kind: Literal["course", "pathway"] = "pathway"
    achievement_id: Id
    requirement: dict[str, Any]
    prerequisites: dict[str, list[Id]] = Field(default_factory=dict)


class PathwayPublic(BaseModel):
    id: str
    name: str
    description: str
    kind: str
    achievement_id: str
    requirement: dict[str, Any]
    prerequisites: dict[str, list[str]]

    @classmethod
    def of(cls, p: Pathway) -> PathwayPublic:
        return cls(
            id=p.id,
            name=p.name,
            description=p.description,
            kind=p.kind.value,
            achievement_id=p.achievement_id,
            requirement=rule_to_json(p.requirement),
            prerequisites=p.prerequisites,
        )


class EnrolmentCreate(Strict):
    pathway_id: Id | None = None
    achievement_id: Id | None = None


class SubmissionCreate(Strict):
    """Text and links (files go to ``/api/v1/submissions/upload`` as multipart)."""

    achievement_id: Id
    texts: Annotated[
        list[Annotated[str, StringConstraints(max_length=50_000)]],
        Field(max_length=20, default_factory=list),
    ]
    links: Annotated[
        list[Annotated[str, StringConstraints(max_length=2048)]],
        Field(max_length=20, default_factory=list),
    ]


class SubmissionPublic(BaseModel):
    id: str
    achievement_id: str
    version: int
    status: str
    parts: list[dict[str, Any]]
    created_at: datetime
    feedback: str | None
    decision: dict[str, Any] | None
    credential_id: str | None
    ai_review: dict[str, Any] | None = None

    @classmethod
    def of(cls, s: Submission, *, with_review: bool = False) -> SubmissionPublic:
        return cls(
            id=s.id,
            achievement_id=s.achievement_id,
            version=s.version,
            status=s.status.value,
            parts=[p.to_json() for p in s.parts],
            created_at=s.created_at,
            feedback=s.feedback,
            decision=decision_to_json(s.decision) if s.decision else None,
            credential_id=s.credential_id,
            ai_review=review_to_json(s.review) if with_review and s.review else None,
        )
