"""API models of LTI 1.3 platform registrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from microcred.ports.lti import LtiPlatform
from microcred.services.lti import ToolUrls
from microcred.web.api.schemas import Strict

Url = Annotated[str, StringConstraints(min_length=8, max_length=2048)]
DeploymentId = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class LtiPlatformCreate(Strict):
    """A learning platform to register (PUT on an id replaces that registration)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    issuer: Url
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    deployment_ids: Annotated[list[DeploymentId], Field(min_length=1, max_length=50)]
    auth_login_url: Url
    auth_token_url: Url
    jwks_url: Url
    just_in_time: bool = False
    enabled: bool = True


class LtiToolUrls(BaseModel):
    """The tool's URLs to give the platform."""

    login_url: str
    launch_url: str
    deep_linking_url: str
    jwks_url: str


class LtiPlatformPublic(BaseModel):
    """A registration as admins see it, with the tool's URLs."""

    id: str
    name: str
    issuer: str
    client_id: str
    deployment_ids: list[str]
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    just_in_time: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime
    tool: LtiToolUrls

    @classmethod
    def of(cls, p: LtiPlatform, urls: ToolUrls) -> LtiPlatformPublic:
        """The API view of a registration."""
        return cls(
            id=p.id,
            name=p.name,
            issuer=p.issuer,
            client_id=p.client_id,
            deployment_ids=list(p.deployment_ids),
            auth_login_url=p.auth_login_url,
            auth_token_url=p.auth_token_url,
            jwks_url=p.jwks_url,
            just_in_time=p.just_in_time,
            enabled=p.enabled,
            created_at=p.created_at,
            updated_at=p.updated_at,
            tool=LtiToolUrls(
                login_url=urls.login,
                launch_url=urls.launch,
                deep_linking_url=urls.deep_link,
                jwks_url=urls.jwks,
            ),
        )
