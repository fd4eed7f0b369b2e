"""The ``mail.send`` job: render one queued e-mail from what is stored now (an offer decided
meanwhile, a revoked credential or an opt-out skips it), send it through the `Mailer` outside
any transaction, and record it. A failed hand-over raises: the job is retried with backoff."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from microcred.domain.credential import CredentialStatus
from microcred.errors import InvalidInput
from microcred.ports.clock import Clock
from microcred.ports.mail import Mailer, MailKind, MailMessage, MailRecord, OfferState
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.services.notifications.compose import Letter, expiry_message, offer_message
from microcred.services.notifications.preferences import MailPreferences
from microcred.services.notifications.queue import new_claim_token
from microcred.services.urls import PublicUrls

log = logging.getLogger("microcred.mail")


class MailDelivery:
    """Sends queued e-mails."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        mailer: Mailer,
        urls: PublicUrls,
        preferences: MailPreferences,
        claim_days: int,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.mailer = mailer
        self._urls = urls
        self._preferences = preferences
        self._claim = timedelta(days=claim_days)

    def run(self, payload: dict[str, Any]) -> str | None:
        """Send one queued e-mail; its Message-ID, or None when it was skipped or sent."""
        organisation_id, mail_id = str(payload["organisation_id"]), str(payload["mail_id"])
        with self._uow() as uow:
            record = uow.tenant(organisation_id).mail.mail(mail_id)
            if record is None or record.sent_at is not None or record.skipped:
                return None
            try:
                message, why = self._render(uow, record)
            except InvalidInput as exc:  # cannot become sendable by retrying
                message, why = None, f"refused: {exc.explain()}"
            if message is None:
                record.skipped = why
                uow.tenant(organisation_id).mail.save_mail(record)
                uow.commit()
                log.info("mail %s (%s) skipped: %s", record.id, record.kind.value, why)
                return None
            uow.commit()  # a new claim token is valid from here
        message_id = self.mailer.send(message)  # raises: the job is retried
        with self._uow() as uow:
            record.sent_at, record.message_id = self._clock.now(), message_id[:250]
            uow.tenant(organisation_id).mail.save_mail(record)
            uow.commit()
        return message_id

    def _letter(
        self, uow: UnitOfWork, scope: TenantScope, email: str, achievement_id: str
    ) -> Letter:
        org = uow.organisations.get(scope.organisation_id)
        achievement = scope.achievements.get(achievement_id)
        user = scope.users.by_email(email)
        token = self._preferences.link_token(scope.mail.recipient_id(email))
        return Letter(
            to=email,
            to_name=user.name if user else "",
            organisation=org.name if org else "Your issuer",
            achievement=achievement.name if achievement else "Micro-credential",
            unsubscribe_url=f"{self._urls.base}/mail/unsubscribe/{token}",
        )

    def _render(self, uow: UnitOfWork, record: MailRecord) -> tuple[MailMessage | None, str]:
        scope = uow.tenant(record.organisation_id)
        reminder = record.kind is not MailKind.OFFER
        if reminder and scope.mail.opted_out(record.recipient):
            return None, "the recipient opted out of reminders"
        now = self._clock.now()
        if record.kind is MailKind.EXPIRY_REMINDER:
            credential = scope.credentials.get(record.subject_key)
            if credential is None or credential.status is not CredentialStatus.ACTIVE:
                return None, "the credential is no longer active"
            if credential.valid_until is None or credential.valid_until <= now:
                return None, "the credential has no expiry ahead"
            offer = scope.mail.offer_for(credential.id)
            if offer is not None and offer.state is not OfferState.ACCEPTED:
                return None, "the credential was not accepted"
            letter = self._letter(uow, scope, record.recipient, credential.achievement_id)
            renew = f"{self._urls.base}/learn/{credential.achievement_id}"
            return expiry_message(
                letter, credential.valid_until, f"{self._urls.base}/learn", renew
            ), ""
        offer = scope.mail.offer(record.subject_key.partition(":")[0], for_update=True)
        if offer is None or offer.state is not OfferState.OFFERED:
            return None, "the offer was already answered"
        credential = scope.credentials.get(offer.credential_id)
        if credential is None or credential.status is CredentialStatus.REVOKED:
            return None, "the credential was revoked"
        token = new_claim_token(offer, now, self._claim)
        scope.mail.save_offer(offer)
        letter = self._letter(uow, scope, offer.email, credential.achievement_id)
        assert offer.token_expires_at is not None
        claim_url = f"{self._urls.base}/claim/{token}"
        return offer_message(letter, claim_url, offer.token_expires_at, reminder), ""
