"""Sign-in, API tokens, users and organisations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from microcred.domain.identity import Permission
from microcred.errors import PermissionDenied
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.identity.schemas import (
    OrganisationCreate,
    OrganisationPublic,
    PasswordChange,
    PasswordResetIn,
    PasswordResetPublic,
    SecurityEventPublic,
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


def client_address(request: Request) -> str | None:
    """The peer address sign-in attempts are throttled by."""
    return request.client.host if request.client else None


@router.post("/auth/token", status_code=status.HTTP_201_CREATED)
def sign_in(body: SignIn, request: Request, c: ContainerDep) -> TokenPublic:
    """Exchange organisation, e-mail and password for a session token (throttled: too many
    failures per account or per client answer 429 with ``Retry-After``)."""
    issued = c.identity.sign_in(
        body.organisation, body.email, body.password, client_address(request)
    )
    return TokenPublic.of(issued)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(p: PrincipalDep, c: ContainerDep) -> None:
    """Revoke the token this request was made with."""
    c.identity.sign_out(p)


@router.get("/tokens")
def list_tokens(p: PrincipalDep, c: ContainerDep) -> list[TokenPublic]:
    """Your tokens (admins: every token of the organisation); never their values."""
    return [TokenPublic.record(t) for t in c.identity.list_tokens(p)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(body: TokenCreate, p: PrincipalDep, c: ContainerDep) -> TokenPublic:
    """A named API token for scripts and integrations; it always expires (default and maximum
    set by the server)."""
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


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: str, p: PrincipalDep, c: ContainerDep) -> UserPublic:
    """Deactivate a user (admins): sign-in refused, every token and session revoked."""
    return UserPublic.of(c.accounts.set_active(p, user_id, False))


@router.post("/users/{user_id}/activate")
def activate_user(user_id: str, p: PrincipalDep, c: ContainerDep) -> UserPublic:
    """Reactivate a user (admins)."""
    return UserPublic.of(c.accounts.set_active(p, user_id, True))


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange, request: Request, p: PrincipalDep, c: ContainerDep
) -> None:
    """Change your password; your other tokens and sessions are revoked."""
    c.accounts.change_password(p, body.current_password, body.new_password, client_address(request))


@router.post("/users/{user_id}/password")
def reset_password(
    user_id: str, body: PasswordResetIn, p: PrincipalDep, c: ContainerDep
) -> PasswordResetPublic:
    """Set a user's password (admins); without one a random password is returned once."""
    reset = c.accounts.reset_password(p, user_id, body.password)
    return PasswordResetPublic(user=UserPublic.of(reset.user), password=reset.password)


@router.get("/security-events")
def security_events(
    p: PrincipalDep, c: ContainerDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[SecurityEventPublic]:
    """Sign-in lock-outs, deactivations and password resets in your organisation (admins)."""
    return [SecurityEventPublic.of(e) for e in c.accounts.security_events(p, limit)]


@router.post("/keys/rotate")
def rotate_key(p: PrincipalDep, c: ContainerDep) -> OrganisationPublic:
    """Retire the signing key and start a new one; old credentials keep verifying."""
    p.require(Permission.MANAGE_KEYS)
    c.identity.rotate_key(p)
    org = c.identity.get_organisation(p.organisation_id)
    return OrganisationPublic.of(org, c.issuance.current_issuer_id(org))
