"""The mail repository of one organisation (every query filters by it), and the two lookups
an e-mail's link needs before its organisation is known."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from microcred.adapters.db.mail.tables import (
    CredentialOfferRow,
    MailLogRow,
    MailRecipientRow,
    OfferPolicyRow,
)
from microcred.adapters.db.tables import CredentialRow
from microcred.ports.mail import MailKind, MailRecord, Offer, OfferState

MAX_SKIPPED = 500


def _offer(row: CredentialOfferRow) -> Offer:
    return Offer(
        id=row.id,
        organisation_id=row.organisation_id,
        credential_id=row.credential_id,
        email=row.email,
        state=OfferState(row.state),
        created_at=row.created_at,
        token_hash=row.token_hash,
        token_expires_at=row.token_expires_at,
        decided_at=row.decided_at,
        sent=row.sent,
        last_sent_at=row.last_sent_at,
    )


def _mail(row: MailLogRow) -> MailRecord:
    return MailRecord(
        id=row.id,
        organisation_id=row.organisation_id,
        kind=MailKind(row.kind),
        subject_key=row.subject_key,
        recipient=row.recipient,
        created_at=row.created_at,
        sent_at=row.sent_at,
        message_id=row.message_id,
        skipped=row.skipped,
    )


class SqlMail:
    """Offers, offer policies, opt-outs and the mail log in their tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    # --- the "offer before issuing" policy --------------------------------------------------
    def offer_first(self, achievement_id: str) -> bool:
        """True when credentials of the achievement are offered before they are shown."""
        return bool(
            self._s.scalar(
                select(
                    exists().where(
                        OfferPolicyRow.organisation_id == self._org,
                        OfferPolicyRow.achievement_id == achievement_id,
                    )
                )
            )
        )

    def set_offer_first(self, achievement_id: str, on: bool) -> None:
        """Turn the policy on or off for one achievement."""
        if on == self.offer_first(achievement_id):
            return
        if on:
            self._s.add(OfferPolicyRow(organisation_id=self._org, achievement_id=achievement_id))
        else:
            self._s.execute(
                delete(OfferPolicyRow).where(
                    OfferPolicyRow.organisation_id == self._org,
                    OfferPolicyRow.achievement_id == achievement_id,
                )
            )
        self._s.flush()

    # --- offers ------------------------------------------------------------------------------
    def _offer_row(self, offer_id: str, for_update: bool = False) -> CredentialOfferRow | None:
        query = select(CredentialOfferRow).where(
            CredentialOfferRow.id == offer_id, CredentialOfferRow.organisation_id == self._org
        )
        return self._s.scalar(query.with_for_update() if for_update else query)

    def add_offer(self, offer: Offer) -> None:
        """Store a new offer."""
        row = CredentialOfferRow(id=offer.id, organisation_id=self._org)
        self._fill(row, offer)
        self._s.add(row)
        self._s.flush()

    @staticmethod
    def _fill(row: CredentialOfferRow, offer: Offer) -> None:
        row.credential_id, row.email, row.state = offer.credential_id, offer.email, offer.state
        row.token_hash, row.token_expires_at = offer.token_hash, offer.token_expires_at
        row.created_at, row.decided_at = offer.created_at, offer.decided_at
        row.sent, row.last_sent_at = offer.sent, offer.last_sent_at

    def offer(self, offer_id: str, *, for_update: bool = False) -> Offer | None:
        """One offer (locked for the transaction with ``for_update``)."""
        row = self._offer_row(offer_id, for_update)
        return _offer(row) if row else None

    def offer_for(self, credential_id: str) -> Offer | None:
        """The offer of a credential, if it was offered."""
        row = self._s.scalar(
            select(CredentialOfferRow).where(
                CredentialOfferRow.credential_id == credential_id,
                CredentialOfferRow.organisation_id == self._org,
            )
        )
        return _offer(row) if row else None

    def save_offer(self, offer: Offer) -> None:
        """Write back a changed offer."""
        row = self._offer_row(offer.id)
        if row is not None:
            self._fill(row, offer)
            self._s.flush()

    def pending_offers(self, email: str) -> Sequence[Offer]:
        """The offers to ``email`` not yet accepted or declined, newest first."""
        rows = self._s.scalars(
            select(CredentialOfferRow)
            .where(
                CredentialOfferRow.organisation_id == self._org,
                CredentialOfferRow.email == email.lower(),
                CredentialOfferRow.state == OfferState.OFFERED.value,
            )
            .order_by(CredentialOfferRow.created_at.desc(), CredentialOfferRow.id)
        )
        return [_offer(r) for r in rows]

    def unclaimed(self, sent_before: datetime, max_sent: int, limit: int) -> Sequence[Offer]:
        """Pending offers last e-mailed before ``sent_before`` with fewer than ``max_sent``
        e-mails so far, oldest first (due a reminder)."""
        rows = self._s.scalars(
            select(CredentialOfferRow)
            .where(
                CredentialOfferRow.organisation_id == self._org,
                CredentialOfferRow.state == OfferState.OFFERED.value,
                CredentialOfferRow.sent >= 1,
                CredentialOfferRow.sent < max_sent,
                CredentialOfferRow.last_sent_at < sent_before,
            )
            .order_by(CredentialOfferRow.last_sent_at, CredentialOfferRow.id)
            .limit(limit)
        )
        return [_offer(r) for r in rows]

    def expiring_unreminded(self, start: datetime, end: datetime, limit: int) -> Sequence[str]:
        """Active credentials to an e-mail address expiring in [start, end) with no expiry
        reminder queued yet, soonest first."""
        reminded = select(MailLogRow.subject_key).where(
            MailLogRow.organisation_id == self._org,
            MailLogRow.kind == MailKind.EXPIRY_REMINDER.value,
        )
        query = (
            select(CredentialRow.id)
            .where(
                CredentialRow.organisation_id == self._org,
                CredentialRow.status == "active",
                CredentialRow.recipient_email.is_not(None),
                CredentialRow.valid_until >= start,
                CredentialRow.valid_until < end,
                CredentialRow.id.not_in(reminded),
            )
            .order_by(CredentialRow.valid_until, CredentialRow.id)
            .limit(limit)
        )
        return list(self._s.scalars(query))

    def has_future_work(self, now: datetime) -> bool:
        """True while a scan may still find something: a pending offer, or an active
        credential to an e-mail address that has not expired."""
        pending = exists().where(
            CredentialOfferRow.organisation_id == self._org,
            CredentialOfferRow.state == OfferState.OFFERED.value,
        )
        expiring = exists().where(
            CredentialRow.organisation_id == self._org,
            CredentialRow.status == "active",
            CredentialRow.recipient_email.is_not(None),
            CredentialRow.valid_until > now,
        )
        return bool(self._s.scalar(select(or_(pending, expiring))))

    # --- recipients and opt-outs -------------------------------------------------------------
    def _recipient_row(self, email: str) -> MailRecipientRow | None:
        return self._s.scalar(
            select(MailRecipientRow).where(
                MailRecipientRow.organisation_id == self._org,
                MailRecipientRow.email == email.lower(),
            )
        )

    def recipient_id(self, email: str) -> str:
        """The id naming ``email`` in unsubscribe links (created on first use)."""
        row = self._recipient_row(email)
        if row is None:
            row = MailRecipientRow(
                id=str(uuid.uuid4()), organisation_id=self._org, email=email.lower()
            )
            try:
                with self._s.begin_nested():
                    self._s.add(row)
            except IntegrityError:  # another transaction added it first
                found = self._recipient_row(email)
                assert found is not None
                return found.id
        return row.id

    def opted_out(self, email: str) -> bool:
        """True when ``email`` asked for no more reminders."""
        row = self._recipient_row(email)
        return row is not None and row.opted_out_at is not None

    def set_opted_out(self, email: str, opted_out: bool, at: datetime) -> None:
        """Record the person's choice."""
        self.recipient_id(email)
        row = self._recipient_row(email)
        assert row is not None
        row.opted_out_at = at if opted_out else None
        self._s.flush()

    # --- the mail log ------------------------------------------------------------------------
    def add_mail(self, record: MailRecord) -> bool:
        """Queue a record; False (and nothing stored) when one of its kind and subject exists."""
        taken = self._s.scalar(
            select(
                exists().where(
                    MailLogRow.organisation_id == self._org,
                    MailLogRow.kind == record.kind.value,
                    MailLogRow.subject_key == record.subject_key,
                )
            )
        )
        if taken:
            return False
        self._s.add(
            MailLogRow(
                id=record.id,
                organisation_id=self._org,
                kind=record.kind.value,
                subject_key=record.subject_key,
                recipient=record.recipient,
                created_at=record.created_at,
            )
        )
        self._s.flush()
        return True

    def _mail_row(self, mail_id: str) -> MailLogRow | None:
        return self._s.scalar(
            select(MailLogRow).where(
                MailLogRow.id == mail_id, MailLogRow.organisation_id == self._org
            )
        )

    def mail(self, mail_id: str) -> MailRecord | None:
        """One record of the mail log."""
        row = self._mail_row(mail_id)
        return _mail(row) if row else None

    def save_mail(self, record: MailRecord) -> None:
        """Record that a message was sent (or why it was skipped)."""
        row = self._mail_row(record.id)
        if row is not None:
            row.sent_at, row.message_id = record.sent_at, record.message_id
            row.skipped = record.skipped[:MAX_SKIPPED] if record.skipped else None
            self._s.flush()

    def mails(self, *, limit: int = 50) -> Sequence[MailRecord]:
        """The latest records, newest first."""
        rows = self._s.scalars(
            select(MailLogRow)
            .where(MailLogRow.organisation_id == self._org)
            .order_by(MailLogRow.created_at.desc(), MailLogRow.id)
            .limit(limit)
        )
        return [_mail(r) for r in rows]


class SqlMailLinks:
    """Finds the organisation behind a claim token's hash or an unsubscribe link's id."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def offer_by_token(self, token_hash: str) -> tuple[str, str] | None:
        """(organisation id, offer id) for a claim token's hash."""
        row = self._s.execute(
            select(CredentialOfferRow.organisation_id, CredentialOfferRow.id).where(
                CredentialOfferRow.token_hash == token_hash
            )
        ).first()
        return (row[0], row[1]) if row else None

    def recipient(self, recipient_id: str) -> tuple[str, str] | None:
        """(organisation id, e-mail) of an unsubscribe link's recipient."""
        row = self._s.execute(
            select(MailRecipientRow.organisation_id, MailRecipientRow.email).where(
                MailRecipientRow.id == recipient_id
            )
        ).first()
        return (row[0], row[1]) if row else None
