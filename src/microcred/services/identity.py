"""Organisations, users, sign-in and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from microcred.crypto.passwords import hash_password, hash_token, new_token, verify_password
from microcred.domain.identity import (
    ApiToken,
    Organisation,
    Permission,
    Principal,
    Role,
    User,
    normalise_email,
    permissions_of,
    validate_slug,
)
from microcred.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from microcred.ports import Clock, TenantScope, UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.keys import IssuerKeys
from microcred.services.urls import PublicUrls


def _text(value: str, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The {what} must not be empty.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return value.strip()


def principal_of(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal(
        user.id, user.organisation_id, user.role, user.email, permissions_of(user.role)
    )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly created API token: the raw value is shown once, never stored."""

    token: str
    record: ApiToken


class IdentityService:
    """Creates organisations and users; signs people in."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: IssuerKeys,
        urls: PublicUrls,
        token_lifetime: timedelta = timedelta(hours=8),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keys = keys
        self._urls = urls
        self._lifetime = token_lifetime

    def create_organisation(
        self,
        *,
        slug: str,
        name: str,
        admin_email: str,
        admin_password: str,
        admin_name: str = "Administrator",
        url: str | None = None,
        email: str | None = None,
        description: str | None = None,
        did_method: str = "key",
    ) -> tuple[Organisation, User]:
        """A new organisation with its first admin and an Ed25519 signing key."""
        slug = validate_slug(slug)
        if did_method not in {"key", "web"}:
            raise InvalidInput("did_method must be 'key' or 'web'.")
        now = self._clock.now()
        org = Organisation(
            new_id(),
            slug,
            _text(name, "organisation name"),
            url,
            normalise_email(email) if email else None,
            description,
            did_method,
            now,
        )
        admin = User(
            new_id(),
            org.id,
            normalise_email(admin_email),
            _text(admin_name, "name"),
            Role.ADMIN,
            hash_password(admin_password),
            True,
            now,
        )
        with self._uow() as uow:
            if uow.organisations.by_slug(slug) is not None:
                raise Conflict(f"An organisation called {slug!r} already exists.")
            uow.organisations.add(org)
            scope = uow.tenant(org.id)
            scope.users.add(admin)
            self._keys.create(scope, now)
            uow.commit()
        return org, admin

    def get_organisation(self, org_id: str) -> Organisation:
        """An organisation by id."""
        with self._uow() as uow:
            org = uow.organisations.get(org_id)
        if org is None:
            raise NotFound("No such organisation.")
        return org

    def add_user(
        self,
        principal: Principal,
        *,
        email: str,
        name: str,
        role: Role,
        password: str | None = None,
    ) -> User:
        """Add a user to the principal's organisation (admins only)."""
        principal.require(Permission.MANAGE_USERS)
        user = User(
            new_id(),
            principal.organisation_id,
            normalise_email(email),
            _text(name, "name"),
            role,
            hash_password(password) if password else None,
            True,
            self._clock.now(),
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.users.by_email(user.email) is not None:
                raise Conflict(f"{user.email} is already a user of this organisation.")
            scope.users.add(user)
            uow.commit()
        return user

    def list_users(self, principal: Principal) -> list[User]:
        """Users of the principal's organisation."""
        principal.require(Permission.MANAGE_USERS)
        with self._uow() as uow:
            return list(uow.tenant(principal.organisation_id).users.list())

    def sign_in(self, org_slug: str, email: str, password: str) -> IssuedToken:
        """Check a password and hand out a session token; the same vague error for every miss."""
        failure = Unauthenticated("The organisation, e-mail or password is wrong.")
        try:
            email = normalise_email(email)
        except InvalidInput:
            raise failure from None
        with self._uow() as uow:
            org = uow.organisations.by_slug(org_slug) if isinstance(org_slug, str) else None
            user = uow.tenant(org.id).users.by_email(email) if org else None
            ok = verify_password(user.password_hash if user else None, password)
            if not (ok and user and user.active):
                raise failure
            issued = self._new_token(
                uow.tenant(user.organisation_id), user, "sign-in", self._lifetime
            )
            uow.commit()
        return issued

    def create_token(
        self, principal: Principal, name: str, lifetime: timedelta | None = None
    ) -> IssuedToken:
        """A named API token for the calling user (no expiry unless ``lifetime`` is given)."""
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = scope.users.get(principal.user_id)
            if user is None:
                raise NotFound("No such user.")
            issued = self._new_token(scope, user, _text(name, "token name"), lifetime)
            uow.commit()
        return issued

    def create_token_for(self, org_slug: str, email: str, name: str) -> IssuedToken:
        """An API token for a user, for operators at the command line."""
        with self._uow() as uow:
            org = uow.organisations.by_slug(org_slug)
            if org is None:
                raise NotFound(f"No organisation called {org_slug!r}.")
            scope = uow.tenant(org.id)
            user = scope.users.by_email(normalise_email(email))
            if user is None:
                raise NotFound(f"{email} is not a user of {org_slug}.")
            issued = self._new_token(scope, user, _text(name, "token name"), None)
            uow.commit()
        return issued

    def _new_token(
        self, scope: TenantScope, user: User, name: str, lifetime: timedelta | None
    ) -> IssuedToken:
        raw, digest = new_token()
        now = self._clock.now()
        record = ApiToken(
            new_id(),
            user.organisation_id,
            user.id,
            name,
            digest,
            raw[:10],
            now,
            now + lifetime if lifetime else None,
        )
        scope.tokens.add(record)
        return IssuedToken(raw, record)

    def rotate_key(self, principal: Principal) -> None:
        """Retire the organisation's Ed25519 key and start a new one."""
        principal.require(Permission.MANAGE_KEYS)
        with self._uow() as uow:
            self._keys.rotate(uow.tenant(principal.organisation_id), self._clock.now())
            uow.commit()

    def revoke_token(self, principal: Principal, token_id: str) -> None:
        """Revoke one of the caller's organisation's tokens."""
        with self._uow() as uow:
            if not uow.tenant(principal.organisation_id).tokens.revoke(token_id):
                raise NotFound("No such token.")
            uow.commit()

    def authenticate(self, raw_token: str) -> Principal:
        """The principal behind a bearer token, or `Unauthenticated`."""
        if (
            not isinstance(raw_token, str)
            or not raw_token.startswith("mc_")
            or len(raw_token) > 200
        ):
            raise Unauthenticated("The API token is missing or malformed.")
        with self._uow() as uow:
            token = uow.tokens_global().by_hash(hash_token(raw_token))
            if token is None or token.revoked:
                raise Unauthenticated("The API token is unknown or revoked.")
            if token.expires_at is not None and token.expires_at <= self._clock.now():
                raise Unauthenticated("The API token has expired; sign in again.")
            user = uow.tenant(token.organisation_id).users.get(token.user_id)
            if user is None or not user.active:
                raise Unauthenticated("The token's user is no longer active.")
        return principal_of(user)
