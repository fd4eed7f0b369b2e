"""API models of single sign-on: the provider registration (the client secret goes in, never
out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from microcred.domain.identity import Role
from microcred.ports.sso import SsoProvider
from microcred.web.api.schemas import Strict

ClaimValue = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SsoProviderUpdate(Strict):
    """The organisation's OpenID Connect provider (PUT replaces it; omit ``client_secret`` to
    keep the stored one)."""

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    issuer: Annotated[str, StringConstraints(min_length=8, max_length=2048)]
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    client_secret: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    role_claim: Annotated[str, StringConstraints(max_length=100)] = ""
    role_map: Annotated[dict[ClaimValue, Role], Field(max_length=50)] = Field(default_factory=dict)
    default_role: Role = Role.LEARNER
    just_in_time: bool = False
    password_sign_in: bool = True
    enabled: bool = True


class SsoProviderPublic(BaseModel):
    """A provider as admins see it (no secret), with the redirect URI to register there."""

    display_name: str
    issuer: str
    client_id: str
    role_claim: str
    role_map: dict[str, str]
    default_role: str
    just_in_time: bool
    password_sign_in: bool
    enabled: bool
    redirect_uri: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def of(cls, provider: SsoProvider, redirect_uri: str) -> SsoProviderPublic:
        """The public view of ``provider``."""
        return cls(
            display_name=provider.display_name,
            issuer=provider.issuer,
            client_id=provider.client_id,
            role_claim=provider.role_claim,
            role_map=dict(provider.role_map),
            default_role=provider.default_role,
            just_in_time=provider.just_in_time,
            password_sign_in=provider.password_sign_in,
            enabled=provider.enabled,
            redirect_uri=redirect_uri,
            updated_at=provider.updated_at,
            updated_by=provider.updated_by,
        )
