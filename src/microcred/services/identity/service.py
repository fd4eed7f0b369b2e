"""Organisations, users, sign-in and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from microcred.crypto.passwords import hash_password, hash_token, new_token, verify_password
from microcred.domain.identity import (
    ApiToken,
    Organisation,
    Permission,
    Principal,
    Role,
    SecurityEvent,
    TokenKind,
    User,
    normalise_email,
    permissions_of,
    validate_slug,
)
from microcred.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from microcred.ports.clock import Clock
from microcred.ports.credentials import SigningKeyRecord
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.identity.throttle import (
    AttemptThrottle,
    Reservation,
    ThrottlePolicy,
    client_key,
)
from microcred.services.ids import new_id
from microcred.services.urls import PublicUrls

#: the throttled action of every password check (sign-in, password change)
PASSWORD_ACTION = "password"  # noqa: S105 — an action name, not a secret


def _text(value: str, what: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"The {what} must not be empty.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    return value.strip()


def principal_of(user: User, token: ApiToken | None = None) -> Principal:
    """The principal a signed-in user acts as (through ``token``, when given)."""
    return Principal(
        user.id,
        user.organisation_id,
        user.role,
        user.email,
        permissions_of(user.role),
        token.id if token else None,
        token.kind if token else None,
    )


def password_throttle(
    uow: UnitOfWorkFactory,
    clock: Clock,
    *,
    account_free: int = 5,
    client_free: int = 20,
    max_delay: timedelta = timedelta(minutes=15),
) -> AttemptThrottle:
    """The throttle of password checks: per account (cleared by a success) and per client."""
    return AttemptThrottle(
        uow,
        clock,
        PASSWORD_ACTION,
        {
            "account": ThrottlePolicy(account_free, max_delay, reset_on_success=True),
            "client": ThrottlePolicy(client_free, max_delay),
        },
    )


def security_event(
    organisation_id: str,
    kind: str,
    at: datetime,
    detail: str,
    *,
    user_id: str | None = None,
    actor_user_id: str | None = None,
    client: str | None = None,
) -> SecurityEvent:
    """A new security event for an organisation's admins."""
    return SecurityEvent(
        new_id(), organisation_id, kind, at, detail, user_id, actor_user_id, client
    )


def add_account_for(
    scope: TenantScope,
    at: datetime,
    email: str,
    name: str | None,
    role: Role,
    kind: str,
    detail: str,
) -> User:
    """A just-in-time account (no password) for someone an identity provider or a learning
    platform vouched for, recorded as a security event of ``kind``; the caller commits."""
    user = User(new_id(), scope.organisation_id, email, name or email, role, None, True, at)
    scope.users.add(user)
    scope.security_events.add(
        security_event(scope.organisation_id, kind, at, detail, user_id=user.id)
    )
    return user


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
        *,
        api_token_default: timedelta = timedelta(days=90),
        api_token_max: timedelta = timedelta(days=365),
        throttle: AttemptThrottle | None = None,
        reader: UnitOfWorkFactory | None = None,
    ) -> None:
        self._uow = uow
        #: read-only transactions (token lookups), which on SQLite take no write lock
        self._reader = reader or uow
        self._clock = clock
        self._keys = keys
        self._urls = urls
        self._lifetime = token_lifetime
        self._api_default = min(api_token_default, api_token_max)
        self._api_max = api_token_max
        self.throttle = throttle or password_throttle(uow, clock)

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

    def find_users(
        self, principal: Principal, search: str = "", offset: int = 0, limit: int = 50
    ) -> tuple[list[User], int]:
        """A page of the organisation's users by e-mail (those whose e-mail or name contains
        ``search``, any case), and how many match."""
        principal.require(Permission.MANAGE_USERS)
        if offset < 0 or not 1 <= limit <= 200:
            raise InvalidInput("Pages start at offset 0 and hold 1–200 people.")
        if len(search) > 320:
            raise InvalidInput("Search for at most 320 characters.")
        with self._uow() as uow:
            found, total = uow.tenant(principal.organisation_id).users.page(
                search=search.strip() or None, offset=offset, limit=limit
            )
        return list(found), total

    def get_user(self, principal: Principal, user_id: str) -> User | None:
        """One user of the organisation, or None."""
        principal.require(Permission.MANAGE_USERS)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).users.get(user_id)

    def check_password(
        self, org_slug: object, email: object, password: object, client: str | None = None
    ) -> User:
        """The active user whose password this is, behind the password throttle.

        Every miss gives the same vague error; too many misses per account or per client give
        `TooManyAttempts` (the right password too) and tell the organisation's admins once."""
        failure = Unauthenticated("The organisation, e-mail or password is wrong.")
        if not isinstance(org_slug, str) or not isinstance(email, str):
            raise failure
        try:
            email = normalise_email(email)
        except InvalidInput:
            raise failure from None
        client = client_key(client)
        reservation = self.throttle.reserve(
            {"account": f"{org_slug[:63]}\0{email}", "client": client}
        )
        with self._uow() as uow:  # read, then hash outside any transaction
            org = uow.organisations.by_slug(org_slug[:63])
            user = uow.tenant(org.id).users.by_email(email) if org else None
            sso = uow.tenant(org.id).sso.provider() if org else None
        if sso is not None and not sso.password_allowed:
            raise Unauthenticated(
                "This organisation signs in with single sign-on only.",
                hint=f"Use the 'Sign in with {sso.display_name}' button.",
            )
        ok = isinstance(password, str) and verify_password(
            user.password_hash if user else None, password
        )
        if ok and user is not None and user.active:
            self.throttle.succeeded(reservation)
            return user
        if org is not None and reservation.newly_locked:
            self._report_lock(org.id, user, email, client, reservation)
        raise failure

    def _report_lock(
        self,
        organisation_id: str,
        user: User | None,
        email: str,
        client: str | None,
        reservation: Reservation,
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            events = uow.tenant(organisation_id).security_events
            if "account" in reservation.newly_locked:
                events.add(
                    security_event(
                        organisation_id,
                        "sign_in_throttled",
                        now,
                        f"Repeated wrong passwords for {email}; further attempts are delayed.",
                        user_id=user.id if user else None,
                        client=client,
                    )
                )
            if "client" in reservation.newly_locked:
                events.add(
                    security_event(
                        organisation_id,
                        "client_throttled",
                        now,
                        f"Repeated failed sign-ins from {client}; its attempts are delayed.",
                        client=client,
                    )
                )
            uow.commit()

    def sign_in(
        self, org_slug: str, email: str, password: str, client: str | None = None
    ) -> IssuedToken:
        """Check a password and hand out a session token (see `check_password`)."""
        user = self.check_password(org_slug, email, password, client)
        with self._uow() as uow:
            issued = self._new_token(
                uow.tenant(user.organisation_id),
                user,
                "sign-in",
                self._lifetime,
                TokenKind.SESSION,
            )
            uow.commit()
        return issued

    def start_session(self, scope: TenantScope, user: User, how: str) -> IssuedToken:
        """A session token for ``user``, added in the caller's transaction (single sign-on)."""
        return self._new_token(scope, user, how, self._lifetime, TokenKind.SESSION)

    def create_token(
        self, principal: Principal, name: str, lifetime: timedelta | None = None
    ) -> IssuedToken:
        """A named API token for the calling user; it expires after ``lifetime`` (default:
        the configured default), never later than the configured maximum."""
        lifetime = self._api_default if lifetime is None else lifetime
        if lifetime > self._api_max or lifetime <= timedelta(0):
            raise InvalidInput(
                f"An API token lives at most {self._api_max.days} days.",
                hint="Ask for a shorter expiry, or create a new token before this one expires.",
            )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = scope.users.get(principal.user_id)
            if user is None or not user.active:
                raise NotFound("No such user.")
            issued = self._new_token(scope, user, _text(name, "token name"), lifetime)
            uow.commit()
        return issued

    def list_tokens(self, principal: Principal) -> list[ApiToken]:
        """The caller's tokens; for admins, every token of the organisation."""
        with self._uow() as uow:
            tokens = uow.tenant(principal.organisation_id).tokens
            if Permission.MANAGE_USERS in principal.permissions:
                return list(tokens.list())
            return sorted(
                tokens.list_for_user(principal.user_id),
                key=lambda t: t.created_at,
                reverse=True,
            )

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
            issued = self._new_token(scope, user, _text(name, "token name"), self._api_default)
            uow.commit()
        return issued

    def _new_token(
        self,
        scope: TenantScope,
        user: User,
        name: str,
        lifetime: timedelta | None,
        kind: TokenKind = TokenKind.API,
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
            kind=kind,
        )
        scope.tokens.add(record)
        return IssuedToken(raw, record)

    def list_keys(self, principal: Principal) -> list[SigningKeyRecord]:
        """The organisation's signing keys, the active ones first, newest first."""
        principal.require(Permission.MANAGE_KEYS)
        with self._uow() as uow:
            keys = uow.tenant(principal.organisation_id).keys.list()
        return sorted(keys, key=lambda k: (not k.active, -k.created_at.timestamp()))

    def rotate_key(self, principal: Principal) -> None:
        """Retire the organisation's Ed25519 key and start a new one."""
        principal.require(Permission.MANAGE_KEYS)
        with self._uow() as uow:
            self._keys.rotate(uow.tenant(principal.organisation_id), self._clock.now())
            uow.commit()

    def revoke_token(self, principal: Principal, token_id: str) -> None:
        """Revoke a token: the caller's own, or (admins) any of their organisation's."""
        with self._uow() as uow:
            tokens = uow.tenant(principal.organisation_id).tokens
            token = tokens.get(token_id) if isinstance(token_id, str) else None
            if token is None:
                raise NotFound("No such token.")
            if (
                token.user_id != principal.user_id
                and Permission.MANAGE_USERS not in principal.permissions
            ):
                raise PermissionDenied("You may revoke only your own tokens.")
            tokens.revoke(token_id, self._clock.now())
            uow.commit()

    def sign_out(self, principal: Principal) -> None:
        """Revoke the token the caller signed in with."""
        if principal.token_id is None:
            return
        with self._uow() as uow:
            uow.tenant(principal.organisation_id).tokens.revoke(
                principal.token_id, self._clock.now()
            )
            uow.commit()

    def authenticate(self, raw_token: str) -> Principal:
        """The principal behind a bearer token, or `Unauthenticated`."""
        if (
            not isinstance(raw_token, str)
            or not raw_token.startswith("mc_")
            or len(raw_token) > 200
        ):
            raise Unauthenticated("The API token is missing or malformed.")
        with self._reader() as uow:
            token = uow.tokens_global().by_hash(hash_token(raw_token))
            if token is None or token.revoked:
                raise Unauthenticated("The API token is unknown or revoked.")
            if token.expires_at is not None and token.expires_at <= self._clock.now():
                raise Unauthenticated("The API token has expired; sign in again.")
            user = uow.tenant(token.organisation_id).users.get(token.user_id)
            if user is None or not user.active:
                raise Unauthenticated("The token's user is no longer active.")
        return principal_of(user, token)
