"""API models: ``XCreate`` / ``XUpdate`` for input, ``XPublic`` for output."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from microcred.domain.achievement import (
    Achievement,
    Alignment,
    Image,
    ResultDescription,
    RubricLevel,
    StatusPurpose,
)
from microcred.domain.credential import Evidence, IssuedCredential
from microcred.domain.identity import (
    ApiToken,
    Organisation,
    Role,
    SecurityEvent,
    TokenKind,
    User,
)
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import Suite
from microcred.services.identity.service import IssuedToken

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]
#: checked by the domain (``normalise_email``); internal domains such as .test are allowed
EmailStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class Strict(BaseModel):
    """Unknown fields are refused, so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid")


class ErrorPublic(BaseModel):
    """Every error answer."""

    error: str
    message: str


class OrganisationCreate(Strict):
    slug: Annotated[str, StringConstraints(min_length=1, max_length=63)]
    name: Name
    admin_email: EmailStr
    admin_password: Annotated[str, StringConstraints(min_length=10, max_length=1024)]
    admin_name: Name = "Administrator"
    url: Url | None = None
    email: EmailStr | None = None
    description: Text | None = None
    did_method: Literal["key", "web"] = "key"


class OrganisationPublic(BaseModel):
    id: str
    slug: str
    name: str
    url: str | None
    email: str | None
    description: str | None
    did_method: str
    issuer_id: str | None = None

    @classmethod
    def of(cls, org: Organisation, issuer_id: str | None = None) -> OrganisationPublic:
        return cls(
            id=org.id,
            slug=org.slug,
            name=org.name,
            url=org.url,
            email=org.email,
            description=org.description,
            did_method=org.did_method,
            issuer_id=issuer_id,
        )


class SignIn(Strict):
    organisation: Annotated[str, StringConstraints(min_length=1, max_length=63)]
    email: Annotated[str, StringConstraints(min_length=3, max_length=320)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class TokenCreate(Strict):
    name: Name
    #: default and maximum: the server's MICROCRED_API_TOKEN_DEFAULT_DAYS / _MAX_DAYS
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenPublic(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    user_id: str | None = None
    kind: TokenKind = TokenKind.API
    revoked: bool = False
    #: shown only once, when the token is created
    token: str | None = None

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenPublic:
        return cls.record(issued.record, issued.token)

    @classmethod
    def record(cls, r: ApiToken, token: str | None = None) -> TokenPublic:
        """A stored token (never its value unless it was just created)."""
        return cls(
            id=r.id,
            name=r.name,
            prefix=r.prefix,
            created_at=r.created_at,
            expires_at=r.expires_at,
            user_id=r.user_id,
            kind=r.kind,
            revoked=r.revoked,
            token=token,
        )


class PasswordChange(Strict):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Annotated[str, StringConstraints(min_length=10, max_length=1024)]


class PasswordResetIn(Strict):
    #: leave out to have a random password generated (returned once)
    password: Annotated[str, StringConstraints(min_length=10, max_length=1024)] | None = None


class SecurityEventPublic(BaseModel):
    id: str
    kind: str
    at: datetime
    detail: str
    user_id: str | None
    actor_user_id: str | None
    client: str | None

    @classmethod
    def of(cls, e: SecurityEvent) -> SecurityEventPublic:
        return cls(
            id=e.id,
            kind=e.kind,
            at=e.at,
            detail=e.detail,
            user_id=e.user_id,
            actor_user_id=e.actor_user_id,
            client=e.client,
        )


class UserCreate(Strict):
    email: EmailStr
    name: Name
    role: Role
    password: Annotated[str, StringConstraints(min_length=10, max_length=1024)] | None = None


class UserPublic(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    active: bool

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(id=user.id, email=user.email, name=user.name, role=user.role, active=user.active)


class PasswordResetPublic(BaseModel):
    user: UserPublic
    #: the generated password, shown once (None when the admin chose it)
    password: str | None = None


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
    levels: Annotated[list[RubricLevelIn], Field(max_length=20)] = []
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
    alignments: Annotated[list[AlignmentIn], Field(max_length=100)] = []
    effort_hours: Annotated[float, Field(gt=0, le=10_000)] | None = None
    image: ImageIn | None = None
    validity_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    result_descriptions: Annotated[list[ResultDescriptionIn], Field(max_length=50)] = []
    tags: Annotated[
        list[Annotated[str, StringConstraints(max_length=100)]], Field(max_length=50)
    ] = []
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
    evidence: Annotated[list[EvidenceIn], Field(max_length=50)] = []
    suite: Suite = Suite.EDDSA_RDFC_2022


class StatusChange(Strict):
    action: Literal["revoke", "suspend", "reinstate"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


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
        )


class CheckPublic(BaseModel):
    check: str
    status: Literal["passed", "failed", "skipped"]
    message: str


class VerificationPublic(BaseModel):
    verified: bool
    checks: list[CheckPublic]
