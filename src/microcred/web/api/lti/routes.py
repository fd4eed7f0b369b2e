"""LTI 1.3 platform registrations over HTTP: an organisation's admins list, register, change
and remove its learning platforms. Scoped to the caller's organisation."""

from __future__ import annotations

from fastapi import APIRouter, status

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.services.lti import PlatformSettings, ToolUrls
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.lti.schemas import LtiPlatformCreate, LtiPlatformPublic

router = APIRouter(prefix="/api/v1/lti/platforms", tags=["identity"])


def _urls(c: Container, p: Principal) -> ToolUrls:
    return c.lti.registrations.tool_urls(c.identity.get_organisation(p.organisation_id).slug)


def _settings(body: LtiPlatformCreate) -> PlatformSettings:
    return PlatformSettings(
        name=body.name,
        issuer=body.issuer,
        client_id=body.client_id,
        deployment_ids=body.deployment_ids,
        auth_login_url=body.auth_login_url,
        auth_token_url=body.auth_token_url,
        jwks_url=body.jwks_url,
        just_in_time=body.just_in_time,
        enabled=body.enabled,
    )


@router.get("")
def list_platforms(p: PrincipalDep, c: ContainerDep) -> list[LtiPlatformPublic]:
    """Every registered platform."""
    urls = _urls(c, p)
    return [LtiPlatformPublic.of(x, urls) for x in c.lti.registrations.list(p)]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_platform(body: LtiPlatformCreate, p: PrincipalDep, c: ContainerDep) -> LtiPlatformPublic:
    """Register a platform (409 when its issuer and client id are registered already)."""
    return LtiPlatformPublic.of(c.lti.registrations.save(p, _settings(body)), _urls(c, p))


@router.get("/{platform_id}")
def get_platform(platform_id: str, p: PrincipalDep, c: ContainerDep) -> LtiPlatformPublic:
    """One registration (404 for another organisation's)."""
    return LtiPlatformPublic.of(c.lti.registrations.get(p, platform_id), _urls(c, p))


@router.put("/{platform_id}")
def put_platform(
    platform_id: str, body: LtiPlatformCreate, p: PrincipalDep, c: ContainerDep
) -> LtiPlatformPublic:
    """Change a registration."""
    saved = c.lti.registrations.save(p, _settings(body), platform_id)
    return LtiPlatformPublic.of(saved, _urls(c, p))


@router.delete("/{platform_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_platform(platform_id: str, p: PrincipalDep, c: ContainerDep) -> None:
    """Remove a registration: its launches stop at once."""
    c.lti.registrations.delete(p, platform_id)
