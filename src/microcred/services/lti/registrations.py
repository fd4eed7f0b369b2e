"""Registering learning platforms (LMSs) with an organisation (admins): issuer, client id,
deployment ids, the platform's auth login, token and JWKS URLs; and the tool's own RSA keys
(sealed at rest) whose public halves the tool publishes as its JWKS."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from microcred.crypto.keys import RsaKeyPair
from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Permission, Principal
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.lti import LtiPlatform, LtiToolKey
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.identity.service import security_event
from microcred.services.identity.sso import known_slug
from microcred.services.ids import new_id

MAX_DEPLOYMENTS = 50
MAX_PLATFORMS = 20
MAX_CACHED_KEYS = 4096


def key_context(organisation_id: str, kid: str) -> bytes:
    """The associated data a tool key's sealed private half is bound to."""
    return f"microcred-lti-key:{organisation_id}:{kid}".encode()


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"The {what} must be text.")
    value = value.strip()
    if not value:
        raise InvalidInput(f"Give the {what}.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is longer than {limit} characters.")
    if any(not c.isprintable() for c in value):
        raise InvalidInput(f"The {what} contains control characters.")
    return value


def parse_deployments(value: object) -> tuple[str, ...]:
    """Deployment ids, one a line (or comma-separated, or a list), none repeated."""
    if isinstance(value, str):
        items: list[object] = [p for line in value.splitlines() for p in line.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InvalidInput("The deployment ids must be text, one a line.")
    found: list[str] = []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        text = _text(item, "deployment id", 255)
        if text not in found:
            found.append(text)
    if not found:
        raise InvalidInput("Give at least one deployment id (the platform shows it).")
    if len(found) > MAX_DEPLOYMENTS:
        raise InvalidInput(f"Register at most {MAX_DEPLOYMENTS} deployment ids.")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    """What an admin registers about a platform."""

    name: str
    issuer: str
    client_id: str
    deployment_ids: str | Sequence[str]
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    just_in_time: bool = False
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class ToolUrls:
    """What an admin gives the platform about the tool."""

    login: str
    launch: str
    jwks: str
    deep_link: str


class ToolKeys:
    """The tool's RSA keys of each organisation: created on first need, the private half sealed,
    the newest one signing (client assertions, deep-linking responses)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sealer: Sealer) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        #: public JWKs by kid (loading an RSA key costs ~tens of ms; the JWKS URL is public)
        self._public: dict[str, dict[str, str]] = {}
        self._private: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def ensure(self, organisation_id: str) -> str:
        """The kid of the organisation's signing key, made now if it has none."""
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            known = scope.lti.tool_keys()
            if known:
                return known[0].kid
            pair, kid = RsaKeyPair.generate(), f"lti-{secrets.token_hex(8)}"
            sealed = self._sealer.seal(pair.private_der, key_context(organisation_id, kid))
            scope.lti.add_tool_key(LtiToolKey(kid, organisation_id, sealed, self._clock.now()))
            uow.commit()
        return kid

    def jwks(self, organisation_id: str) -> dict[str, Any]:
        """The public JWKS (RS256 signing keys) the organisation's platforms verify against."""
        with self._uow() as uow:
            keys = uow.tenant(organisation_id).lti.tool_keys()
        published = []
        for key in keys:
            with self._lock:
                known = self._public.get(key.kid)
            if known is None:
                known = {**self._open(key).public_jwk(), "kid": key.kid, "alg": "RS256"}
                known["use"] = "sig"
                with self._lock:
                    if len(self._public) >= MAX_CACHED_KEYS:
                        self._public.clear()
                    self._public[key.kid] = known
            published.append(dict(known))
        return {"keys": published}

    def _open(self, key: LtiToolKey) -> RsaKeyPair:
        context = key_context(key.organisation_id, key.kid)
        return RsaKeyPair(self._sealer.open(key.sealed_private, context))

    def sign(self, organisation_id: str, claims: dict[str, Any]) -> str:
        """A compact RS256 JWT over ``claims``, signed with the newest key."""
        kid = self.ensure(organisation_id)
        with self._lock:
            private = self._private.get(kid)
        if private is None:
            with self._uow() as uow:
                key = next(k for k in uow.tenant(organisation_id).lti.tool_keys() if k.kid == kid)
            private = RSAKey.import_key(self._open(key).private_der)
            with self._lock:
                if len(self._private) >= MAX_CACHED_KEYS:
                    self._private.clear()
                self._private[kid] = private
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": kid}, claims, private)


class LtiRegistrations:
    """An organisation's platform registrations (admins of the organisation)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: ToolKeys,
        base_url: str,
        *,
        allow_http: bool = False,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._keys = keys
        self._base = base_url.rstrip("/")
        self._allow_http = allow_http

    def tool_urls(self, org_slug: str) -> ToolUrls:
        """The tool's URLs for the organisation called ``org_slug``."""
        root = f"{self._base}/lti/{org_slug}"
        return ToolUrls(f"{root}/login", f"{root}/launch", f"{root}/jwks", f"{root}/launch")

    def _url(self, value: object, what: str) -> str:
        url = _text(value, what, 2048)
        try:
            parts = urlsplit(url)
        except ValueError:
            raise InvalidInput(f"The {what} is malformed.") from None
        allowed = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise InvalidInput(f"The {what} must start with https:// and name a host.")
        if parts.fragment or parts.username or parts.password:
            raise InvalidInput(f"The {what} carries no fragment, user or password.")
        return url

    def list(self, principal: Principal) -> Sequence[LtiPlatform]:
        """Every platform the organisation registered."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).lti.platforms()

    def get(self, principal: Principal, platform_id: str) -> LtiPlatform:
        """One registration (NotFound for another organisation's)."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).lti.platform(str(platform_id)[:64])
        if found is None:
            raise NotFound("This organisation has no such LTI platform.")
        return found

    def save(
        self, principal: Principal, wanted: PlatformSettings, platform_id: str | None = None
    ) -> LtiPlatform:
        """Register a platform (``platform_id`` None) or change one; the tool's key is made."""
        principal.require(Permission.MANAGE_ORGANISATION)
        name = _text(wanted.name, "platform's name", 100)
        issuer = self._url(wanted.issuer, "issuer")
        client_id = _text(wanted.client_id, "client id", 255)
        deployments = parse_deployments(wanted.deployment_ids)
        login = self._url(wanted.auth_login_url, "auth login URL")
        token = self._url(wanted.auth_token_url, "auth token URL")
        jwks = self._url(wanted.jwks_url, "JWKS URL")
        now = self._clock.now()
        org = principal.organisation_id
        with self._uow() as uow:
            scope = uow.tenant(org)
            old = scope.lti.platform(str(platform_id)[:64]) if platform_id is not None else None
            if platform_id is not None and old is None:
                raise NotFound("This organisation has no such LTI platform.")
            same = scope.lti.platform_for(issuer, client_id)
            if same is not None and (old is None or same.id != old.id):
                raise Conflict("This issuer and client id are registered already.")
            if old is None and len(scope.lti.platforms()) >= MAX_PLATFORMS:
                raise Conflict(f"An organisation registers at most {MAX_PLATFORMS} platforms.")
            platform = LtiPlatform(
                id=old.id if old else new_id(),
                organisation_id=org,
                name=name,
                issuer=issuer,
                client_id=client_id,
                deployment_ids=deployments,
                auth_login_url=login,
                auth_token_url=token,
                jwks_url=jwks,
                just_in_time=bool(wanted.just_in_time),
                enabled=bool(wanted.enabled),
                created_at=old.created_at if old else now,
                updated_at=now,
            )
            scope.lti.save_platform(platform)
            scope.security_events.add(
                security_event(
                    org,
                    "lti_platform_saved",
                    now,
                    f"LTI platform {issuer} ({client_id}) was "
                    f"{'registered' if old is None else 'changed'}.",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        self._keys.ensure(org)
        return platform

    def delete(self, principal: Principal, platform_id: str) -> None:
        """Remove a registration: its launches stop at once."""
        principal.require(Permission.MANAGE_ORGANISATION)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if not scope.lti.delete_platform(str(platform_id)[:64]):
                raise NotFound("This organisation has no such LTI platform.")
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "lti_platform_removed",
                    self._clock.now(),
                    "An LTI platform registration was removed.",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()

    def organisation_of(self, org_slug: object) -> str | None:
        """The id of the organisation called ``org_slug`` (None when there is none)."""
        slug = known_slug(org_slug)
        if slug is None:
            return None
        with self._uow() as uow:
            org = uow.organisations.by_slug(slug)
        return org.id if org else None
