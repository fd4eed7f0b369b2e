"""The LTI 1.3 claims of a launch whose id_token signature holds (LTI Core 1.3 §5, Deep
Linking 2.0 §4.4, AGS 2.0 §3.1): the OpenID Connect checks first (issuer, audience, azp, exp,
iat, nonce, subject), then the message type, the version, the deployment id, the target link
URI and the claims each message type needs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from microcred.errors import Unauthenticated
from microcred.services.identity.oidc_claims import check_claims

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESOURCE_LINK = "LtiResourceLinkRequest"
#: a return URL's host[:port] (it goes into the page's form-action policy as it is)
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
DEEP_LINKING = "LtiDeepLinkingRequest"


@dataclass(frozen=True, slots=True)
class LaunchClaims:
    """What microcred uses of a checked launch."""

    message_type: str
    deployment_id: str
    subject: str
    email: str | None
    name: str | None
    target_link_uri: str
    #: the micro-credential the launch asks for (custom ``achievement_id`` or the target's query)
    achievement_id: str | None
    #: the AGS line item scores may be posted to (None without the score scope)
    lineitem: str | None
    #: deep linking: where the response goes, and the platform's opaque ``data``
    return_url: str | None
    data: Any


def _text(value: object, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _achievement(claims: Mapping[str, Any], target: str) -> str | None:
    custom = claims.get(LTI + "custom")
    if isinstance(custom, Mapping):
        found = _text(custom.get("achievement_id"), 64)
        if found:
            return found
    values = parse_qs(urlsplit(target).query).get("achievement") or []
    return _text(values[0], 64) if values else None


def _lineitem(claims: Mapping[str, Any]) -> str | None:
    endpoint = claims.get(AGS)
    if not isinstance(endpoint, Mapping):
        return None
    scopes = endpoint.get("scope")
    item = _text(endpoint.get("lineitem"), 2048)
    if not isinstance(scopes, list) or SCORE_SCOPE not in scopes or item is None:
        return None
    return item if urlsplit(item).scheme in ("https", "http") else None


def check_launch(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    deployments: Sequence[str],
    now: datetime,
    skew_seconds: int = 120,
) -> LaunchClaims:
    """The launch's claims, or `Unauthenticated` naming the first that does not hold."""
    checked = check_claims(
        claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now, skew_seconds=skew_seconds
    )
    version = claims.get(LTI + "version")
    if version != "1.3.0":
        raise Unauthenticated(f"The launch is LTI version {str(version)[:20]!r}, not 1.3.0.")
    message_type = claims.get(LTI + "message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise Unauthenticated(
            f"The launch's message type {str(message_type)[:40]!r} is not one microcred answers "
            f"({RESOURCE_LINK}, {DEEP_LINKING})."
        )
    deployment = claims.get(LTI + "deployment_id")
    if not isinstance(deployment, str) or deployment not in deployments:
        raise Unauthenticated(
            f"The deployment {str(deployment)[:60]!r} is not registered for this platform; an "
            "admin adds it on the LTI page."
        )
    target = _text(claims.get(LTI + "target_link_uri"), 2048)
    if target is None:
        raise Unauthenticated("The launch names no target link URI.")
    return_url = data = None
    if message_type == RESOURCE_LINK:
        link = claims.get(LTI + "resource_link")
        if not isinstance(link, Mapping) or _text(link.get("id"), 255) is None:
            raise Unauthenticated("The resource link launch carries no resource link id.")
    else:
        settings = claims.get(DL + "deep_linking_settings")
        if not isinstance(settings, Mapping):
            raise Unauthenticated("The deep linking launch carries no deep linking settings.")
        return_url = _text(settings.get("deep_link_return_url"), 2048)
        parts = urlsplit(return_url or "")
        if (
            return_url is None
            or parts.scheme not in ("https", "http")
            or not _HOST.fullmatch(parts.netloc)
        ):
            raise Unauthenticated("The deep linking launch names no usable return URL.")
        accepted = settings.get("accept_types")
        if not isinstance(accepted, list) or "ltiResourceLink" not in accepted:
            raise Unauthenticated("The platform does not accept LTI resource links here.")
        data = settings.get("data")
        if data is not None and len(json.dumps(data)) > 4096:
            raise Unauthenticated("The deep linking launch's data is too large.")
    return LaunchClaims(
        message_type=str(message_type),
        deployment_id=deployment,
        subject=checked.subject,
        email=checked.email,
        name=checked.name,
        target_link_uri=target,
        achievement_id=_achievement(claims, target),
        lineitem=_lineitem(claims),
        return_url=return_url,
        data=data,
    )
