"""Signing in through an organisation's OpenID Connect provider: the authorization code flow
with PKCE (S256), ``state`` bound to the browser that started it and used once, ``nonce``, and
the ID token checked (signature by the adapter; issuer, audience, times, nonce here). The
person is found by their linked subject, else by a verified e-mail address, else (just in time,
when the organisation allows it) created; mapped roles are applied, never demoting the last
active admin."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Role, User, normalise_email
from microcred.errors import InvalidInput, NotFound, Unauthenticated
from microcred.ports.clock import Clock
from microcred.ports.sso import OidcClient, PendingSignIn, SsoIdentity, SsoProvider
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.identity.oidc_claims import IdClaims, check_claims, mapped_role
from microcred.services.identity.service import (
    IdentityService,
    IssuedToken,
    add_account_for,
    security_event,
)
from microcred.services.identity.sso import known_slug, sealing_context

SCOPES = "openid email profile"
#: an organisation id as `new_id` makes them (anything else in the cookie is never queried)
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RESTART = "Start signing in again from the sign-in page."


def digest(value: str) -> str:
    """The hex SHA-256 of ``value`` (what is stored of a ``state`` or browser binding)."""
    return hashlib.sha256(value.encode()).hexdigest()


def code_challenge(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    raw = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SsoStart:
    """Where to send the browser, and the cookie that binds the answer to it."""

    authorization_url: str
    browser_cookie: str


@dataclass(frozen=True, slots=True)
class SsoSignedIn:
    """A finished single sign-on: the session, and whether the account was just created."""

    issued: IssuedToken
    created: bool


class SsoSignIn:
    """Starts and completes sign-ins through an organisation's provider."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sealer: Sealer,
        oidc: OidcClient,
        identity: IdentityService,
        redirect_uri: str,
        *,
        lifetime: timedelta = timedelta(minutes=10),
        skew_seconds: int = 120,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._oidc = oidc
        self._identity = identity
        self.redirect_uri = redirect_uri
        self._lifetime = lifetime
        self._skew = skew_seconds

    def begin(self, org_slug: object) -> SsoStart:
        """A new sign-in for the organisation called ``org_slug``."""
        missing = NotFound("That organisation has no single sign-on.")
        slug = known_slug(org_slug)
        if slug is None:
            raise missing
        with self._uow() as uow:
            org = uow.organisations.by_slug(slug)
            provider = uow.tenant(org.id).sso.provider() if org else None
        if org is None or provider is None or not provider.enabled:
            raise missing
        metadata = self._oidc.discover(provider.issuer)
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier, browser = secrets.token_urlsafe(64), secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(org.id)
            scope.sso.prune_pending(now - self._lifetime * 6)
            scope.sso.add_pending(
                PendingSignIn(digest(state), org.id, nonce, verifier, digest(browser), now)
            )
            uow.commit()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": provider.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPES,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint = metadata.authorization_endpoint
        return SsoStart(
            f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", f"{org.id}.{browser}"
        )

    def _pending(self, browser_cookie: object, state: object) -> PendingSignIn:
        """The pending sign-in ``state`` names, consumed (committed at once: a replayed or
        failed answer can never be used again) and checked against the browser."""
        if not isinstance(browser_cookie, str) or len(browser_cookie) > 200:
            raise Unauthenticated(f"This sign-in was not started in this browser. {_RESTART}")
        org_id, _, browser = browser_cookie.partition(".")
        if not _ID.fullmatch(org_id) or not browser:
            raise Unauthenticated(f"This sign-in was not started in this browser. {_RESTART}")
        if not isinstance(state, str) or not state or len(state) > 200:
            raise Unauthenticated(f"The provider's answer carries no sign-in state. {_RESTART}")
        now = self._clock.now()
        with self._uow() as uow:
            pending = uow.tenant(org_id).sso.take_pending(digest(state), now)
            uow.commit()
        if pending is None:
            raise Unauthenticated(f"This sign-in answer is unknown or was already used. {_RESTART}")
        if not hmac.compare_digest(pending.browser_hash, digest(browser)):
            raise Unauthenticated(f"This sign-in was started in another browser. {_RESTART}")
        if now - pending.created_at > self._lifetime:
            raise Unauthenticated(f"This sign-in took too long. {_RESTART}")
        return pending

    def complete(
        self,
        browser_cookie: object,
        *,
        state: object,
        code: object,
        error: object = None,
    ) -> SsoSignedIn:
        """Finish the sign-in the provider sent back; `Unauthenticated` with a plain reason
        when anything does not hold (and then nothing but the used ``state`` is recorded)."""
        pending = self._pending(browser_cookie, state)
        if error is not None:
            raise Unauthenticated(
                f"The provider did not sign you in ({str(error)[:60]}). {_RESTART}"
            )
        if not isinstance(code, str) or not code or len(code) > 2048:
            raise Unauthenticated(f"The provider's answer carries no sign-in code. {_RESTART}")
        with self._uow() as uow:
            provider = uow.tenant(pending.organisation_id).sso.provider()
        if provider is None or not provider.enabled:
            raise Unauthenticated("Single sign-on is switched off for this organisation.")
        metadata = self._oidc.discover(provider.issuer)
        id_token = self._oidc.exchange_code(
            metadata,
            client_id=provider.client_id,
            client_secret=self._sealer.open(
                provider.sealed_secret, sealing_context(provider.organisation_id)
            ).decode(),
            code=code,
            code_verifier=pending.code_verifier,
            redirect_uri=self.redirect_uri,
        )
        claims = check_claims(
            self._oidc.verified_claims(metadata, id_token),
            issuer=provider.issuer,
            client_id=provider.client_id,
            nonce=pending.nonce,
            now=self._clock.now(),
            skew_seconds=self._skew,
            role_claim=provider.role_claim,
        )
        return self._sign_in(provider, claims)

    def _sign_in(self, provider: SsoProvider, claims: IdClaims) -> SsoSignedIn:
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(provider.organisation_id)
            user, created = self._person(scope, provider, claims)
            if not user.active:
                raise Unauthenticated("Your account in this organisation is deactivated.")
            self._apply_role(scope, provider, claims, user)
            known = scope.sso.identity(provider.issuer, claims.subject)
            scope.sso.save_identity(
                SsoIdentity(
                    provider.organisation_id,
                    provider.issuer,
                    claims.subject,
                    user.id,
                    known.created_at if known else now,
                    now,
                )
            )
            issued = self._identity.start_session(scope, user, "single sign-on")
            uow.commit()
        return SsoSignedIn(issued, created)

    def _person(
        self, scope: TenantScope, provider: SsoProvider, claims: IdClaims
    ) -> tuple[User, bool]:
        linked = scope.sso.identity(provider.issuer, claims.subject)
        if linked is not None:
            user = scope.users.get(linked.user_id)
            if user is not None:
                return user, False
        if claims.email is None or not claims.email_verified:
            raise Unauthenticated(
                "The provider did not vouch for an e-mail address (email_verified), so the "
                "account cannot be matched or created."
            )
        try:
            email = normalise_email(claims.email)
        except InvalidInput:
            raise Unauthenticated("The provider's e-mail address is not valid.") from None
        found = scope.users.by_email(email)
        if found is not None:
            return found, False
        if not provider.just_in_time:
            raise Unauthenticated(
                f"{email} has no account in this organisation; ask an admin to add you."
            )
        role = mapped_role(claims.role_values, provider.role_map) or Role(provider.default_role)
        user = add_account_for(
            scope,
            self._clock.now(),
            email,
            claims.name,
            role,
            "sso_account_created",
            f"{email} signed in with single sign-on and got an account ({role.value}).",
        )
        return user, True

    def _apply_role(
        self, scope: TenantScope, provider: SsoProvider, claims: IdClaims, user: User
    ) -> None:
        role = mapped_role(claims.role_values, provider.role_map)
        if role is None or role is user.role:
            return
        if user.role is Role.ADMIN:
            admins = [u for u in scope.users.list() if u.role is Role.ADMIN and u.active]
            if len(admins) <= 1:
                return  # the last active admin keeps the role, whatever the provider says
        detail = (
            f"{user.email}'s role went from {user.role.value} to {role.value} (single sign-on)."
        )
        user.role = role
        scope.users.update(user)
        scope.security_events.add(
            security_event(
                scope.organisation_id,
                "sso_role_changed",
                self._clock.now(),
                detail,
                user_id=user.id,
            )
        )
