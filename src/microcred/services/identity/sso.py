"""Registering an organisation's OpenID Connect provider (admins): issuer (checked by discovery
before anything is stored), client id and secret (sealed at rest), the claim-to-role mapping,
just-in-time accounts on or off, and password sign-in on or off, never locking the
organisation out: password sign-in goes off only once an active admin has signed in through
the provider."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Organisation, Permission, Principal, Role, validate_slug
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.sso import OidcClient, SsoProvider
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.identity.service import security_event

MAX_ROLE_MAP = 50


def known_slug(value: object) -> str | None:
    """``value`` as an organisation slug, or None when it cannot be one (never queried)."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    try:
        return validate_slug(value.strip().lower())
    except InvalidInput:
        return None


def sealing_context(organisation_id: str) -> bytes:
    """The associated data an organisation's sealed client secret is bound to."""
    return f"microcred-sso:{organisation_id}".encode()


def _printable(value: object, what: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.")
    value = value.strip()
    if not value and not empty:
        raise InvalidInput(f"Give the {what}.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    if any(not c.isprintable() for c in value):
        raise InvalidInput(f"The {what} contains control characters.")
    return value


def _role(value: object, what: str) -> Role:
    text = str(value).strip()
    try:
        return Role(text)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"{text[:40]!r} is not a role ({what}); use {known}.") from None


def parse_role_map(text: object) -> dict[str, str]:
    """``value = role`` lines (or a mapping) as a claim-value → role mapping."""
    if isinstance(text, dict):
        pairs = list(text.items())
    elif isinstance(text, str):
        pairs = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            value, sep, role = line.rpartition("=")
            if not sep:
                raise InvalidInput(f"Line {n} of the role mapping is not 'value = role'.")
            pairs.append((value, role))
    else:
        raise InvalidInput("The role mapping must be 'value = role' lines.")
    if len(pairs) > MAX_ROLE_MAP:
        raise InvalidInput(f"Map at most {MAX_ROLE_MAP} claim values to roles.")
    mapping: dict[str, str] = {}
    for value, role in pairs:
        key = _printable(value, "claim value", 100)
        mapping[key] = _role(role, f"for {key[:40]!r}").value
    return mapping


@dataclass(frozen=True, slots=True)
class SsoSettings:
    """What an admin sets; ``client_secret`` None keeps the stored one."""

    display_name: str
    issuer: str
    client_id: str
    client_secret: str | None = None
    role_claim: str = ""
    role_map: dict[str, str] | str | None = None
    default_role: str = Role.LEARNER.value
    just_in_time: bool = False
    password_sign_in: bool = True
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class SignInOptions:
    """How people of an organisation may sign in (for the sign-in page)."""

    organisation: Organisation
    provider_name: str | None
    password_allowed: bool


class SsoProviders:
    """An organisation's provider registration (admins of the organisation)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sealer: Sealer,
        oidc: OidcClient,
        *,
        allow_http: bool = False,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._oidc = oidc
        self._allow_http = allow_http

    def _issuer(self, value: object) -> str:
        issuer = _printable(value, "issuer URL", 2048)
        try:
            parts = urlsplit(issuer)
        except ValueError:
            raise InvalidInput("The issuer URL is malformed.") from None
        allowed = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise InvalidInput("The issuer URL must start with https:// and name a host.")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise InvalidInput("The issuer URL carries no query, fragment, user or password.")
        return issuer

    def get(self, principal: Principal) -> SsoProvider | None:
        """The organisation's provider, if any (never its secret)."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).sso.provider()

    def open_secret(self, provider: SsoProvider) -> str:
        """The client secret, unsealed (for the token request only; never shown)."""
        context = sealing_context(provider.organisation_id)
        return self._sealer.open(provider.sealed_secret, context).decode()

    def configure(self, principal: Principal, wanted: SsoSettings) -> SsoProvider:
        """Register or change the provider. The issuer is discovered first (nothing is stored
        when that fails); password sign-in goes off only when SSO is on and an active admin has
        already signed in through this issuer."""
        principal.require(Permission.MANAGE_ORGANISATION)
        issuer = self._issuer(wanted.issuer)
        name = _printable(wanted.display_name, "provider's name", 100)
        client_id = _printable(wanted.client_id, "client id", 255)
        secret = (
            None
            if wanted.client_secret in (None, "")
            else _printable(wanted.client_secret, "client secret", 1000)
        )
        role_claim = _printable(wanted.role_claim, "role claim", 100, empty=True)
        role_map = parse_role_map(wanted.role_map or {})
        default_role = _role(wanted.default_role, "for new accounts")
        if default_role is Role.ADMIN:
            raise InvalidInput("New accounts cannot be admins by default; map a claim instead.")
        self._oidc.discover(issuer, fresh=True)  # outside any transaction; raises plainly
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            old = scope.sso.provider()
            if old is None and secret is None:
                raise InvalidInput("Give the client secret the provider issued.")
            sealed = (
                self._sealer.seal(secret.encode(), sealing_context(principal.organisation_id))
                if secret is not None
                else old.sealed_secret  # type: ignore[union-attr]
            )
            provider = SsoProvider(
                organisation_id=principal.organisation_id,
                display_name=name,
                issuer=issuer,
                client_id=client_id,
                sealed_secret=sealed,
                role_claim=role_claim,
                role_map=role_map,
                default_role=default_role.value,
                just_in_time=bool(wanted.just_in_time),
                password_sign_in=bool(wanted.password_sign_in),
                enabled=bool(wanted.enabled),
                created_at=old.created_at if old else now,
                updated_at=now,
                updated_by=principal.email,
            )
            if old is not None and old.issuer != issuer:
                scope.sso.delete_identities()  # another provider's subjects mean nothing here
            if not provider.password_allowed:
                self._check_not_locked_out(scope, issuer)
            scope.sso.save_provider(provider)
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "sso_configured",
                    now,
                    f"Single sign-on through {issuer} was "
                    f"{'registered' if old is None else 'changed'} "
                    f"(password sign-in {'on' if provider.password_allowed else 'off'}).",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        return provider

    @staticmethod
    def _check_not_locked_out(scope: TenantScope, issuer: str) -> None:
        linked = {i.user_id for i in scope.sso.identities() if i.issuer == issuer}
        admins = [
            u for u in scope.users.list() if u.role is Role.ADMIN and u.active and u.id in linked
        ]
        if not admins:
            raise Conflict(
                "Password sign-in stays on until an active admin has signed in with single "
                "sign-on through this provider, so that nobody is locked out.",
                hint="Sign in once with the 'Sign in with' button, then switch it off.",
            )

    def delete(self, principal: Principal) -> None:
        """Remove the provider: password sign-in is open again at once."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if not scope.sso.delete_provider():
                raise NotFound("This organisation has no single sign-on provider.")
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "sso_removed",
                    self._clock.now(),
                    "Single sign-on was removed; password sign-in is open again.",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()

    def sign_in_options(self, org_slug: object) -> SignInOptions | None:
        """How the organisation called ``org_slug`` signs in, or None when there is none."""
        slug = known_slug(org_slug)
        if slug is None:
            return None
        with self._uow() as uow:
            org = uow.organisations.by_slug(slug)
            provider = uow.tenant(org.id).sso.provider() if org else None
        if org is None:
            return None
        enabled = provider is not None and provider.enabled
        return SignInOptions(
            org,
            provider.display_name if provider is not None and enabled else None,
            provider is None or provider.password_allowed,
        )
