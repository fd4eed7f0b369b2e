"""The organisation's SCIM bearer token: made (shown once) and revoked by its admins, checked
on every SCIM request. Only its SHA-256 digest is stored; the organisation's id travels in the
token so the lookup needs no cross-organisation query."""

from __future__ import annotations

import hmac
import secrets

from microcred.crypto.passwords import hash_token
from microcred.domain.identity import Permission, Principal
from microcred.ports import ScimToken
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.identity import security_event
from microcred.services.scim.errors import ScimProblem

PREFIX = "mcscim."


def _unauthorised() -> ScimProblem:
    return ScimProblem(
        "Send this organisation's SCIM token as 'Authorization: Bearer <token>'.", status=401
    )


class ScimTokens:
    """Create, revoke and check an organisation's provisioning token."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def current(self, principal: Principal) -> ScimToken | None:
        """The organisation's token (its digest and hint), if it has one."""
        principal.require(Permission.MANAGE_USERS)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).scim.token()

    def create(self, principal: Principal) -> str:
        """A new token replacing any earlier one; the only time it is seen in full."""
        principal.require(Permission.MANAGE_USERS)
        secret = secrets.token_urlsafe(32)
        raw = f"{PREFIX}{principal.organisation_id}.{secret}"
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            scope.scim.save_token(
                ScimToken(
                    principal.organisation_id, hash_token(raw), secret[:6], now, principal.email
                )
            )
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "scim_token_created",
                    now,
                    f"{principal.email} made a new SCIM provisioning token.",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        return raw

    def revoke(self, principal: Principal) -> bool:
        """Revoke the token (provisioning stops at once); False if there was none."""
        principal.require(Permission.MANAGE_USERS)
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if not scope.scim.delete_token():
                return False
            scope.security_events.add(
                security_event(
                    principal.organisation_id,
                    "scim_token_revoked",
                    now,
                    f"{principal.email} revoked the SCIM provisioning token.",
                    actor_user_id=principal.user_id,
                )
            )
            uow.commit()
        return True

    def organisation(self, raw: str | None) -> str:
        """The organisation whose token ``raw`` is; a 401 ``ScimProblem`` otherwise."""
        if not raw or not raw.startswith(PREFIX) or len(raw) > 200:
            raise _unauthorised()
        org_id, _, secret = raw[len(PREFIX) :].partition(".")
        if not org_id or not secret:
            raise _unauthorised()
        with self._uow() as uow:
            if uow.organisations.get(org_id) is None:
                raise _unauthorised()
            token = uow.tenant(org_id).scim.token()
        if token is None or not hmac.compare_digest(token.token_hash, hash_token(raw)):
            raise _unauthorised()
        return org_id
