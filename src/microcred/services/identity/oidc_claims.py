"""Checking an ID token's claims (OpenID Connect Core 1.0 §3.1.3.7) once its signature holds:
issuer, audience and authorised party, expiry and issue time, the sign-in's ``nonce``, the
subject; and mapping a claim's values to a role."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.domain.identity import Role
from microcred.errors import Unauthenticated

#: from most to least privileged: a person mapped to several roles gets the first
ROLE_ORDER = (Role.ADMIN, Role.ISSUER, Role.REVIEWER, Role.EMPLOYER_VIEWER, Role.LEARNER)
#: the oldest an ID token may be when it arrives
MAX_AGE_SECONDS = 600


@dataclass(frozen=True, slots=True)
class IdClaims:
    """What microcred uses of a checked ID token."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    role_values: tuple[str, ...]


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthenticated(f"The ID token has no valid {name!r} time.")
    return float(value)


def _role_values(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value[:200] if isinstance(v, str))
    return ()


def check_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: datetime,
    skew_seconds: int = 120,
    role_claim: str = "",
) -> IdClaims:
    """The claims, or `Unauthenticated` naming the first that does not hold."""
    if claims.get("iss") != issuer:
        raise Unauthenticated(
            f"The ID token was issued by {str(claims.get('iss'))[:100]!r}, "
            f"not by this organisation's provider."
        )
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise Unauthenticated("The ID token was issued to another application (its audience).")
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != client_id:
        raise Unauthenticated("The ID token was issued for another application (its azp).")
    at = now.timestamp()
    if _number(claims, "exp") + skew_seconds <= at:
        raise Unauthenticated("The ID token has expired; start again.")
    issued = _number(claims, "iat")
    if issued > at + skew_seconds:
        raise Unauthenticated("The ID token claims to be issued in the future.")
    if issued < at - MAX_AGE_SECONDS - skew_seconds:
        raise Unauthenticated("The ID token is too old; start again.")
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not sent.isascii() or not hmac.compare_digest(sent, nonce):
        raise Unauthenticated("The ID token does not belong to this sign-in (its nonce).")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise Unauthenticated("The ID token names no valid subject.")
    email = claims.get("email")
    name = claims.get("name")
    return IdClaims(
        subject,
        email if isinstance(email, str) and len(email) <= 320 else None,
        claims.get("email_verified") is True,
        name[:200] if isinstance(name, str) and name.strip() else None,
        _role_values(claims.get(role_claim)) if role_claim else (),
    )


def mapped_role(values: tuple[str, ...], role_map: Mapping[str, str]) -> Role | None:
    """The most privileged role any of ``values`` maps to, or None."""
    found = {Role(role_map[v]) for v in values if v in role_map}
    return next((r for r in ROLE_ORDER if r in found), None)
