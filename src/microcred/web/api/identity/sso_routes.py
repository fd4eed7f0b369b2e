"""Single sign-on over HTTP: an organisation's admins read, register or change, and remove its
OpenID Connect provider. Scoped to the caller's organisation."""

from __future__ import annotations

from fastapi import APIRouter, status

from microcred.errors import NotFound
from microcred.services.identity import SsoSettings
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.identity.sso_schemas import SsoProviderPublic, SsoProviderUpdate

router = APIRouter(prefix="/api/v1/sso", tags=["identity"])


@router.get("")
def get_provider(p: PrincipalDep, c: ContainerDep) -> SsoProviderPublic:
    """The organisation's provider (404 when it has none)."""
    found = c.sso.providers.get(p)
    if found is None:
        raise NotFound("This organisation has no single sign-on provider.")
    return SsoProviderPublic.of(found, c.sso.sign_in.redirect_uri)


@router.put("")
def put_provider(body: SsoProviderUpdate, p: PrincipalDep, c: ContainerDep) -> SsoProviderPublic:
    """Register or change the provider; its issuer is discovered first. Password sign-in can
    be switched off only once an active admin has signed in through the provider."""
    saved = c.sso.providers.configure(
        p,
        SsoSettings(
            display_name=body.display_name,
            issuer=body.issuer,
            client_id=body.client_id,
            client_secret=body.client_secret,
            role_claim=body.role_claim,
            role_map={k: v.value for k, v in body.role_map.items()},
            default_role=body.default_role.value,
            just_in_time=body.just_in_time,
            password_sign_in=body.password_sign_in,
            enabled=body.enabled,
        ),
    )
    return SsoProviderPublic.of(saved, c.sso.sign_in.redirect_uri)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def delete_provider(p: PrincipalDep, c: ContainerDep) -> None:
    """Remove the provider; password sign-in is open again at once."""
    c.sso.providers.delete(p)
