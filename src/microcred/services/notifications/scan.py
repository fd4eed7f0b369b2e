"""The lifecycle scan: a periodic job per organisation that queues expiry reminders (once per
credential, N days ahead) and reminders for unclaimed offers, the way the webhooks'
``credential.expiring`` scan announces credentials (a record once queued is never queued again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from microcred.ports.clock import Clock
from microcred.ports.mail import MailKind
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.notifications.queue import queue_mail, schedule_scan

#: how often an organisation with credentials that may need reminders is scanned
SCAN_EVERY = timedelta(hours=1)
#: reminders queued per transaction and kind; a full batch runs the next scan at once
BATCH = 200


class LifecycleScan:
    """The ``mail.scan`` job."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        expiry_days: int,
        reminder_days: int,
        max_emails: int,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.expiry_window = timedelta(days=expiry_days)
        self.reminder_after = timedelta(days=reminder_days)
        self.max_emails = max_emails

    def run(self, payload: dict[str, Any]) -> int:
        """Queue one batch of reminders and the next scan; how many were queued."""
        organisation_id = str(payload["organisation_id"])
        now = self._clock.now()
        queued = 0
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            expiring: list[str] = []
            if self.expiry_window:
                expiring = list(
                    scope.mail.expiring_unreminded(now, now + self.expiry_window, BATCH)
                )
            for credential_id in expiring:
                credential = scope.credentials.get(credential_id)
                if credential is not None and credential.recipient_email:
                    queued += queue_mail(
                        uow,
                        organisation_id,
                        MailKind.EXPIRY_REMINDER,
                        credential.id,
                        credential.recipient_email,
                        now,
                    )
            unclaimed = scope.mail.unclaimed(now - self.reminder_after, self.max_emails, BATCH)
            for offer in unclaimed:
                offer.sent += 1
                offer.last_sent_at = now
                scope.mail.save_offer(offer)
                queued += queue_mail(
                    uow,
                    organisation_id,
                    MailKind.OFFER_REMINDER,
                    f"{offer.id}:{offer.sent}",
                    offer.email,
                    now,
                )
            if len(expiring) == BATCH or len(unclaimed) == BATCH:
                schedule_scan(uow, organisation_id, now)
            elif scope.mail.has_future_work(now):
                schedule_scan(uow, organisation_id, now + SCAN_EVERY)
            uow.commit()
        return queued
