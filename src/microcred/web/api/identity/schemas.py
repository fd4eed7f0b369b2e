"""API models for organisations, users, sign-in and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from microcred.domain.identity import (
    ApiToken,
    Organisation,
    Role,
    SecurityEvent,
    TokenKind,
    User,
)
from microcred.services.identity.service import IssuedToken
from microcred.web.api.schemas import EmailStr, Name, Strict, Text, Url


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
