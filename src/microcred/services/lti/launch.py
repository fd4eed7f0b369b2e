"""Launches from a platform: third-party-initiated login (the platform's login initiation, then
microcred sends the browser to the platform's auth endpoint with ``state``, ``nonce``,
``login_hint`` and ``lti_message_hint``), and the launch itself (the id_token checked against the
platform's JWKS, the state used once and bound to the browser that started the login, the claims
checked). A resource link signs the person in (found by their linked ``iss`` + ``sub``, else by
e-mail, else created just in time when the registration allows) and lands on the
micro-credential's page; a deep linking launch opens the picker."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from microcred.domain.identity import Role, User, normalise_email
from microcred.errors import InvalidInput, NotFound, Unauthenticated
from microcred.ports.clock import Clock
from microcred.ports.lti import LtiClient, LtiIdentity, LtiLineItem, LtiPendingLogin, LtiPlatform
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.identity.service import (
    IdentityService,
    IssuedToken,
    add_account_for,
)
from microcred.services.identity.sso_signin import digest
from microcred.services.ids import new_id
from microcred.services.lti.claims import DEEP_LINKING, LaunchClaims, check_launch
from microcred.services.lti.registrations import LtiRegistrations

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RESTART = "Open the activity again from your course."
MAX_PARAM = 2048


@dataclass(frozen=True, slots=True)
class LoginRedirect:
    """Where to send the browser (the platform's auth endpoint), and the binding cookie."""

    url: str
    browser_cookie: str


@dataclass(frozen=True, slots=True)
class Launched:
    """A checked launch: a resource link's session and landing page, or a deep linking request
    (``session`` None) for the picker."""

    organisation_id: str
    platform: LtiPlatform
    claims: LaunchClaims
    session: IssuedToken | None = None
    next_url: str = "/learn"
    created: bool = False

    @property
    def deep_linking(self) -> bool:
        """Whether this is a deep linking request."""
        return self.claims.message_type == DEEP_LINKING


def _param(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if len(value) > MAX_PARAM or any(not c.isprintable() for c in value):
        raise InvalidInput(f"The platform's {name!r} is too long or malformed.")
    return value


def _need(params: Mapping[str, str], name: str) -> str:
    value = _param(params, name)
    if value is None:
        raise InvalidInput(f"The platform's login initiation carries no {name!r}.")
    return value


class LtiLaunches:
    """Login initiation and launch validation for every organisation's platforms."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        client: LtiClient,
        identity: IdentityService,
        registrations: LtiRegistrations,
        *,
        lifetime: timedelta = timedelta(minutes=10),
        skew_seconds: int = 120,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._client = client
        self._identity = identity
        self.registrations = registrations
        self._lifetime = lifetime
        self._skew = skew_seconds

    def login(self, org_slug: str, params: Mapping[str, str]) -> LoginRedirect:
        """Answer the platform's login initiation (LTI Core 1.3 §5.1.1, OIDC third-party
        initiated login): check it names a registered platform, then redirect to its auth
        endpoint."""
        org_id = self.registrations.organisation_of(org_slug)
        if org_id is None:
            raise NotFound("There is no such organisation.")
        issuer = _need(params, "iss")
        login_hint = _need(params, "login_hint")
        target = _need(params, "target_link_uri")
        hint = _param(params, "lti_message_hint")
        client_id = _param(params, "client_id")
        deployment = _param(params, "lti_deployment_id")
        urls = self.registrations.tool_urls(org_slug)
        if urlsplit(target).netloc != urlsplit(urls.launch).netloc:
            raise InvalidInput("The target link URI is not on this microcred.")
        with self._uow() as uow:
            platform = uow.tenant(org_id).lti.platform_for(issuer, client_id)
        if platform is None or not platform.enabled:
            raise Unauthenticated(
                "This platform is not registered with this organisation (its issuer and client "
                "id); an admin registers it on the LTI page."
            )
        if deployment is not None and deployment not in platform.deployment_ids:
            raise Unauthenticated(f"The deployment {deployment[:60]!r} is not registered.")
        state, nonce, browser = (secrets.token_urlsafe(32) for _ in range(3))
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            scope.lti.prune_pending(now - self._lifetime * 6)
            scope.lti.add_pending(
                LtiPendingLogin(digest(state), org_id, platform.id, nonce, digest(browser), now)
            )
            uow.commit()
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": urls.launch,
            "login_hint": login_hint,
            "state": state,
            "nonce": nonce,
        }
        if hint is not None:
            query["lti_message_hint"] = hint
        endpoint = platform.auth_login_url
        sep = "&" if "?" in endpoint else "?"
        return LoginRedirect(f"{endpoint}{sep}{urlencode(query)}", f"{org_id}.{browser}")

    def _pending(self, org_slug: str, cookie: object, state: object) -> LtiPendingLogin:
        if not isinstance(state, str) or not state or len(state) > 200:
            raise Unauthenticated(f"The launch carries no state. {_RESTART}")
        if not isinstance(cookie, str) or len(cookie) > 200:
            raise Unauthenticated(f"This launch was not started in this browser. {_RESTART}")
        org_id, _, browser = cookie.partition(".")
        if not _ID.fullmatch(org_id) or not browser:
            raise Unauthenticated(f"This launch was not started in this browser. {_RESTART}")
        if self.registrations.organisation_of(org_slug) != org_id:
            raise Unauthenticated(f"This launch was started for another organisation. {_RESTART}")
        now = self._clock.now()
        with self._uow() as uow:
            pending = uow.tenant(org_id).lti.take_pending(digest(state), now)
            uow.commit()  # used now, whatever follows: a replayed launch can never succeed
        if pending is None:
            raise Unauthenticated(f"This launch is unknown or was already used. {_RESTART}")
        if not hmac.compare_digest(pending.browser_hash, digest(browser)):
            raise Unauthenticated(f"This launch was started in another browser. {_RESTART}")
        if now - pending.created_at > self._lifetime:
            raise Unauthenticated(f"This launch took too long. {_RESTART}")
        return pending

    def launch(self, org_slug: str, cookie: object, *, state: object, id_token: object) -> Launched:
        """Check the launch the platform posted; `Unauthenticated` with a plain reason when
        anything does not hold (and then nothing but the used state is recorded)."""
        pending = self._pending(org_slug, cookie, state)
        with self._uow() as uow:
            platform = uow.tenant(pending.organisation_id).lti.platform(pending.platform_id)
        if platform is None or not platform.enabled:
            raise Unauthenticated("This platform's registration was removed or switched off.")
        if not isinstance(id_token, str):
            raise Unauthenticated("The launch carries no id_token.")
        claims = check_launch(
            self._client.verified_claims(platform.jwks_url, id_token),
            issuer=platform.issuer,
            client_id=platform.client_id,
            nonce=pending.nonce,
            deployments=platform.deployment_ids,
            now=self._clock.now(),
            skew_seconds=self._skew,
        )
        if claims.message_type == DEEP_LINKING:
            return Launched(pending.organisation_id, platform, claims)
        return self._sign_in(platform, claims)

    def _sign_in(self, platform: LtiPlatform, claims: LaunchClaims) -> Launched:
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(platform.organisation_id)
            achievement = (
                scope.achievements.get(claims.achievement_id) if claims.achievement_id else None
            )
            if claims.achievement_id is not None and achievement is None:
                raise NotFound("The micro-credential this link points to is not here any more.")
            user, created = self._person(scope, platform, claims)
            known = scope.lti.identity(platform.issuer, claims.subject)
            scope.lti.save_identity(
                LtiIdentity(
                    platform.organisation_id,
                    platform.issuer,
                    claims.subject,
                    user.id,
                    known.created_at if known else now,
                    now,
                )
            )
            if achievement is not None and claims.lineitem is not None:
                scope.lti.save_line_item(
                    LtiLineItem(
                        new_id(),
                        platform.organisation_id,
                        platform.id,
                        user.id,
                        claims.subject,
                        achievement.id,
                        claims.lineitem,
                        now,
                    )
                )
            issued = self._identity.start_session(scope, user, "LTI launch")
            uow.commit()
        landing = f"/learn/{achievement.id}" if achievement is not None else "/learn"
        return Launched(platform.organisation_id, platform, claims, issued, landing, created)

    def _person(
        self, scope: TenantScope, platform: LtiPlatform, claims: LaunchClaims
    ) -> tuple[User, bool]:
        linked = scope.lti.identity(platform.issuer, claims.subject)
        user = scope.users.get(linked.user_id) if linked is not None else None
        if user is None and claims.email is not None:
            try:
                user = scope.users.by_email(normalise_email(claims.email))
            except InvalidInput:
                raise Unauthenticated("The platform's e-mail address is not valid.") from None
            if user is not None and user.role is not Role.LEARNER:
                raise Unauthenticated(
                    "Staff accounts are not signed in by a platform's e-mail address; sign in "
                    "with microcred's sign-in page."
                )
        if user is not None:
            if not user.active:
                raise Unauthenticated("Your account in this organisation is deactivated.")
            return user, False
        if not platform.just_in_time or claims.email is None:
            raise Unauthenticated(
                "You have no account in this organisation yet; ask an admin to add you (or to "
                "let the platform create accounts, which needs the platform to send e-mails)."
            )
        email = normalise_email(claims.email)
        user = add_account_for(
            scope,
            self._clock.now(),
            email,
            claims.name,
            Role.LEARNER,
            "lti_account_created",
            f"{email} was launched from {platform.name} and got a learner account.",
        )
        return user, True
