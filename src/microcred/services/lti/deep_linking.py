"""Deep Linking 2.0: after a checked LtiDeepLinkingRequest, the picker lists the
organisation's micro-credentials; the choice goes back to the platform as an
LtiDeepLinkingResponse JWT signed by the tool's key, placing each chosen micro-credential's
activity (an ``ltiResourceLink`` to the launch URL, its id in ``custom``) in the course. The
request's context travels through the picker sealed (bound to the organisation, expiring)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from microcred.crypto.sealing import Sealer
from microcred.domain.achievement import Achievement
from microcred.errors import CryptoError, InvalidInput, Unauthenticated
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.lti.claims import DL, LTI
from microcred.services.lti.launch import Launched
from microcred.services.lti.registrations import LtiRegistrations, ToolKeys

MAX_ITEMS = 20
MAX_CONTEXT = 16_384


def _context_aad(organisation_id: str) -> bytes:
    return f"microcred-lti-deep-link:{organisation_id}".encode()


@dataclass(frozen=True, slots=True)
class Picker:
    """What the picker page shows: the sealed request and the micro-credentials to choose."""

    context: str
    achievements: Sequence[Achievement]
    platform_name: str


@dataclass(frozen=True, slots=True)
class DeepLinkResponse:
    """The signed response and where the browser posts it."""

    return_url: str
    jwt: str


class DeepLinking:
    """Builds the picker and the signed response."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sealer: Sealer,
        keys: ToolKeys,
        registrations: LtiRegistrations,
        *,
        lifetime: timedelta = timedelta(minutes=30),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._keys = keys
        self._registrations = registrations
        self._lifetime = lifetime

    def picker(self, launched: Launched) -> Picker:
        """The picker for a checked deep linking launch."""
        claims, platform = launched.claims, launched.platform
        body = {
            "platform_id": platform.id,
            "deployment_id": claims.deployment_id,
            "return_url": claims.return_url,
            "data": claims.data,
            "exp": int((self._clock.now() + self._lifetime).timestamp()),
        }
        sealed = self._sealer.seal(
            json.dumps(body).encode(), _context_aad(launched.organisation_id)
        )
        with self._uow() as uow:
            achievements = uow.tenant(launched.organisation_id).achievements.list(limit=200)
        return Picker(base64.urlsafe_b64encode(sealed).decode(), list(achievements), platform.name)

    def _open(self, organisation_id: str, context: object) -> dict[str, Any]:
        refused = Unauthenticated(
            "This picker is not valid any more; open it again from the course."
        )
        if not isinstance(context, str) or not context or len(context) > MAX_CONTEXT:
            raise refused
        try:
            sealed = base64.urlsafe_b64decode(context.encode("ascii"))
            body = json.loads(self._sealer.open(sealed, _context_aad(organisation_id)))
        except (ValueError, UnicodeError, CryptoError):
            raise refused from None
        if not isinstance(body, dict) or int(body.get("exp", 0)) < self._clock.now().timestamp():
            raise refused
        return body

    def respond(
        self, org_slug: str, context: object, achievement_ids: Sequence[str]
    ) -> DeepLinkResponse:
        """The signed LtiDeepLinkingResponse placing the chosen micro-credentials."""
        org_id = self._registrations.organisation_of(org_slug)
        if org_id is None:
            raise Unauthenticated("There is no such organisation.")
        body = self._open(org_id, context)
        chosen = [a for a in dict.fromkeys(achievement_ids) if isinstance(a, str)][: MAX_ITEMS + 1]
        if not chosen:
            raise InvalidInput("Choose at least one micro-credential.")
        if len(chosen) > MAX_ITEMS:
            raise InvalidInput(f"Choose at most {MAX_ITEMS} micro-credentials at once.")
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            platform = scope.lti.platform(str(body.get("platform_id")))
            found = [scope.achievements.get(a[:64]) for a in chosen]
        if platform is None or not platform.enabled:
            raise Unauthenticated("This platform's registration was removed or switched off.")
        if any(a is None for a in found):
            raise InvalidInput("One of the chosen micro-credentials is not in this organisation.")
        launch = self._registrations.tool_urls(org_slug).launch
        items = [
            {
                "type": "ltiResourceLink",
                "title": a.name,
                "text": a.description[:1000],
                "url": f"{launch}?achievement={a.id}",
                "custom": {"achievement_id": a.id},
            }
            for a in found
            if a is not None
        ]
        now = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": platform.client_id,
            "aud": platform.issuer,
            "azp": platform.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": secrets.token_urlsafe(24),
            LTI + "message_type": "LtiDeepLinkingResponse",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": str(body.get("deployment_id")),
            DL + "content_items": items,
        }
        if body.get("data") is not None:
            claims[DL + "data"] = body["data"]
        return DeepLinkResponse(str(body["return_url"]), self._keys.sign(org_id, claims))
