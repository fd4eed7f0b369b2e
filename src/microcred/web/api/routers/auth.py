"""Sign-in, API tokens, users and organisations."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status

from microcred.domain.identity import Permission
from microcred.errors import PermissionDenied
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.schemas import (
    OrganisationCreate,
    OrganisationPublic,
    SignIn,
    TokenCreate,
    TokenPublic,
    UserCreate,
    UserPublic,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.post("/organisations", status_code=status.HTTP_201_CREATED)
def create_organisation(body: OrganisationCreate, c: ContainerDep) -> OrganisationPublic:
    """Register an organisation with its first admin (only when open registration is on)."""
    if not c.settings.registration_open:
        raise PermissionDenied(
            "Registration is closed on this server.",
            hint="An operator creates organisations with 'microcred org create'.",
        )
    org, _ = c.identity.create_organisation(
        slug=body.slug,
        name=body.name,
        admin_email=body.admin_email,
        admin_password=body.admin_password,
        admin_name=body.admin_name,
        url=body.url,
        email=body.email,
        description=body.description,
        did_method=body.did_method,
    )
    return OrganisationPublic.of(org)


@router.get("/organisations/me")
def my_organisation(p: PrincipalDep, c: ContainerDep) -> OrganisationPublic:
    """The caller's organisation and the issuer id its credentials carry now."""
    org = c.identity.get_organisation(p.organisation_id)
    return OrganisationPublic.of(org, c.issuance.current_issuer_id(org))


@router.post("/auth/token", status_code=status.HTTP_201_CREATED)
def sign_in(body: SignIn, c: ContainerDep) -> TokenPublic:
    """Exchange organisation, e-mail and password for a session token."""
    issued = c.identity.sign_in(body.organisation, body.email, body.password)
    return TokenPublic.of(issued)


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, p: PrincipalDep, c: ContainerDep) -> TokenPublic:
    """A named API token for scripts and integrations."""
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    issued = c.identity.create_token(p, body.name, lifetime)
    return TokenPublic.of(issued)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, p: PrincipalDep, c: ContainerDep) -> None:
    """Revoke a token of your organisation (admins: any; others: their own)."""
    c.identity.revoke_token(p, token_id)


@router.get("/users")
def list_users(p: PrincipalDep, c: ContainerDep) -> list[UserPublic]:
    """Users of your organisation (admins)."""
    return [UserPublic.of(u) for u in c.identity.list_users(p)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(body: UserCreate, p: PrincipalDep, c: ContainerDep) -> UserPublic:
    """Add a user with a role (admins)."""
    return UserPublic.of(
        c.identity.add_user(
            p, email=body.email, name=body.name, role=body.role, password=body.password
        )
    )


@router.post("/keys/rotate")
def rotate_key(p: PrincipalDep, c: ContainerDep) -> OrganisationPublic:
    """Retire the signing key and start a new one; old credentials keep verifying."""
    p.require(Permission.MANAGE_KEYS)
    c.identity.rotate_key(p)
    org = c.identity.get_organisation(p.organisation_id)
    return OrganisationPublic.of(org, c.issuance.current_issuer_id(org))
