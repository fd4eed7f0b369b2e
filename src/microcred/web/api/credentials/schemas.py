"""API models for micro-credentials, credentials and verification."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from microcred.domain.achievement import (
    Achievement,
    Alignment,
    Image,
    ResultDescription,
    RubricLevel,
    StatusPurpose,
)
from microcred.domain.credential import Evidence, IssuedCredential
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import Suite
from microcred.web.api.schemas import EmailStr, Name, Strict, Text, Url


class AlignmentIn(Strict):
    target_name: Name
    target_url: Url
    target_code: Annotated[str, StringConstraints(max_length=300)] | None = None
    target_framework: Annotated[str, StringConstraints(max_length=300)] | None = None
    target_type: Annotated[str, StringConstraints(max_length=64)] | None = "ceasn:Competency"
    target_description: Text | None = None
    level: Annotated[int, Field(ge=1, le=10)] | None = None


class RubricLevelIn(Strict):
    id: Url | None = None
    name: Name
    description: Text | None = None
    level: Annotated[str, StringConstraints(max_length=100)] | None = None
    points: Annotated[str, StringConstraints(max_length=100)] | None = None


class ResultDescriptionIn(Strict):
    id: Url | None = None
    name: Name
    result_type: Annotated[str, StringConstraints(max_length=64)] = "RubricCriterionLevel"
    levels: Annotated[list[RubricLevelIn], Field(max_length=20)] = []  # noqa: RUF012 — a pydantic field (Strict is a BaseModel)
    #: the name or id of the level required to earn the achievement
    required_level: Annotated[str, StringConstraints(max_length=2048)] | None = None


class ImageIn(Strict):
    id: Annotated[str, StringConstraints(min_length=8, max_length=512_000)]
    caption: Annotated[str, StringConstraints(max_length=500)] | None = None


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class AchievementCreate(Strict):
    """A micro-credential definition (OB 3.0 Achievement)."""

    name: Name
    description: Text
    criteria: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    achievement_type: Annotated[str, StringConstraints(max_length=64)] = "MicroCredential"
    alignments: Annotated[list[AlignmentIn], Field(max_length=100)] = []  # noqa: RUF012 — a pydantic field (Strict is a BaseModel)
    effort_hours: Annotated[float, Field(gt=0, le=10_000)] | None = None
    image: ImageIn | None = None
    validity_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    result_descriptions: Annotated[list[ResultDescriptionIn], Field(max_length=50)] = []  # noqa: RUF012 — a pydantic field (Strict is a BaseModel)
    tags: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)
    ] = []  # noqa: RUF012 — a pydantic field (Strict is a BaseModel)
    status_purpose: StatusPurpose = StatusPurpose.REVOCATION

    def to_input(self) -> AchievementInput:
        results = []
        for r in self.result_descriptions:
            levels = tuple(
                RubricLevel(lv.id or _urn(), lv.name, lv.description, lv.level, lv.points)
                for lv in r.levels
            )
            required = None
            if r.required_level is not None:
                match = [lv.id for lv in levels if r.required_level in (lv.id, lv.name)]
                required = match[0] if match else r.required_level
            results.append(
                ResultDescription(r.id or _urn(), r.name, r.result_type, levels, required)
            )
        return AchievementInput(
            name=self.name,
            description=self.description,
            criteria_narrative=self.criteria,
            achievement_type=self.achievement_type,
            alignments=[Alignment(**a.model_dump()) for a in self.alignments],
            effort_hours=self.effort_hours,
            image=Image(self.image.id, self.image.caption) if self.image else None,
            validity_days=self.validity_days,
            result_descriptions=results,
            tags=list(self.tags),
            status_purpose=self.status_purpose,
        )


class AchievementUpdate(AchievementCreate):
    """A full replacement of a definition."""


class AchievementPublic(BaseModel):
    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    alignments: list[dict[str, Any]]
    effort_hours: float | None
    image: dict[str, Any] | None
    validity_days: int | None
    result_descriptions: list[dict[str, Any]]
    tags: list[str]
    status_purpose: StatusPurpose
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, a: Achievement) -> AchievementPublic:
        return cls(
            id=a.id,
            name=a.name,
            description=a.description,
            criteria=a.criteria_narrative,
            achievement_type=a.achievement_type,
            alignments=[asdict(x) for x in a.alignments],
            effort_hours=a.effort_hours,
            image=asdict(a.image) if a.image else None,
            validity_days=a.validity_days,
            result_descriptions=[asdict(r) for r in a.result_descriptions],
            tags=list(a.tags),
            status_purpose=a.status_purpose,
            created_at=a.created_at,
            updated_at=a.updated_at,
        )


class RecipientIn(Strict):
    email: EmailStr | None = None
    did: Annotated[str, StringConstraints(max_length=2048)] | None = None
    name: Name | None = None


class EvidenceIn(Strict):
    id: Url | None = None
    name: Name | None = None
    description: Text | None = None
    narrative: Text | None = None
    genre: Annotated[str, StringConstraints(max_length=100)] | None = None
    audience: Annotated[str, StringConstraints(max_length=100)] | None = None

    def to_domain(self) -> Evidence:
        return Evidence(**self.model_dump())


class CredentialCreate(Strict):
    """Issue a credential for an achievement to a recipient."""

    achievement_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    recipient: RecipientIn
    evidence: Annotated[list[EvidenceIn], Field(max_length=50)] = []  # noqa: RUF012 — a pydantic field (Strict is a BaseModel)
    suite: Suite = Suite.EDDSA_RDFC_2022


class StatusChange(Strict):
    action: Literal["revoke", "suspend", "reinstate"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class CredentialVisibilityUpdate(Strict):
    """The holder's choice: ``private`` hides the credential's public page and downloads from
    everyone but the holder and the organisation's staff; ``public`` shows them again."""

    visibility: Literal["private", "public"]


class CredentialPublic(BaseModel):
    id: str
    url: str
    achievement_id: str
    suite: str
    status: str
    status_purpose: str
    recipient_email: str | None
    recipient_did: str | None
    issued_at: datetime
    valid_until: datetime | None
    credential: dict[str, Any]
    jwt: str | None
    visibility: Literal["private", "public"] = "public"

    @classmethod
    def of(cls, c: IssuedCredential) -> CredentialPublic:
        return cls(
            id=c.id,
            url=c.credential_url,
            achievement_id=c.achievement_id,
            suite=c.suite,
            status=c.status.value,
            status_purpose=c.status_purpose.value,
            recipient_email=c.recipient_email,
            recipient_did=c.recipient_did,
            issued_at=c.issued_at,
            valid_until=c.valid_until,
            credential=c.document,
            jwt=c.jwt,
            visibility="private" if c.private else "public",
        )


class CheckPublic(BaseModel):
    check: str
    status: Literal["passed", "failed", "skipped"]
    message: str


class VerificationPublic(BaseModel):
    verified: bool
    checks: list[CheckPublic]
