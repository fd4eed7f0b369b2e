"""Per-person opt-out of reminder e-mails: the one-click unsubscribe link in every message
(its token an HMAC of the recipient's id, nothing secret stored) and the learner's setting."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from microcred.domain.identity import Principal
from microcred.errors import NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWorkFactory

_LABEL = b"microcred-unsubscribe"


class MailPreferences:
    """Who asked for no more reminders, per organisation and address."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, secrets: Sequence[str]) -> None:
        self._uow = uow
        self._clock = clock
        # the first secret signs new links; every one still opens links sent before a rotation
        self._keys = [hmac.new(s.encode(), _LABEL, hashlib.sha256).digest() for s in secrets]

    def _mac(self, key: bytes, recipient_id: str) -> str:
        return hmac.new(key, recipient_id.encode(), hashlib.sha256).hexdigest()[:32]

    def link_token(self, recipient_id: str) -> str:
        """The unsubscribe link's token for a recipient id."""
        return f"{recipient_id}.{self._mac(self._keys[0], recipient_id)}"

    def _recipient(self, token: str) -> tuple[str, str]:
        rid, _, mac = token.partition(".") if isinstance(token, str) else ("", "", "")
        if not rid or len(token) > 120 or not token.isascii():
            raise NotFound("This unsubscribe link is not valid.")
        if not any(hmac.compare_digest(mac, self._mac(k, rid)) for k in self._keys):
            raise NotFound("This unsubscribe link is not valid.")
        with self._uow() as uow:
            found = uow.mail_links().recipient(rid)
        if found is None:
            raise NotFound("This unsubscribe link is not valid.")
        return found

    def address_of(self, token: str) -> str:
        """The address an unsubscribe link is for (shown before the person confirms)."""
        return self._recipient(token)[1]

    def unsubscribe(self, token: str) -> str:
        """Opt the link's address out of reminders (idempotent); the address."""
        organisation_id, email = self._recipient(token)
        with self._uow() as uow:
            uow.tenant(organisation_id).mail.set_opted_out(email, True, self._clock.now())
            uow.commit()
        return email

    def wants_reminders(self, principal: Principal) -> bool:
        """The signed-in person's setting."""
        with self._uow() as uow:
            return not uow.tenant(principal.organisation_id).mail.opted_out(principal.email)

    def set_reminders(self, principal: Principal, on: bool) -> bool:
        """The signed-in person turns reminder e-mails on or off."""
        with self._uow() as uow:
            uow.tenant(principal.organisation_id).mail.set_opted_out(
                principal.email, not on, self._clock.now()
            )
            uow.commit()
        return on
