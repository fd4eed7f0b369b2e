"""Queuing e-mail in the caller's transaction: a record in the mail log (once per kind and
subject) and a ``mail.send`` job that renders and sends it later, retried with backoff."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from microcred.ports.mail import MailKind, MailRecord, Offer
from microcred.ports.unit_of_work import UnitOfWork
from microcred.services.ids import new_id

MAIL_JOB = "mail.send"
SCAN_JOB = "mail.scan"
#: a message is tried this often (backoff doubling from the runner's base) before it is given up
MAX_ATTEMPTS = 8


def queue_mail(
    uow: UnitOfWork,
    organisation_id: str,
    kind: MailKind,
    subject_key: str,
    recipient: str,
    now: datetime,
) -> bool:
    """Queue one e-mail; False when one of this kind about this subject was queued before."""
    record = MailRecord(new_id(), organisation_id, kind, subject_key, recipient.lower(), now)
    if not uow.tenant(organisation_id).mail.add_mail(record):
        return False
    uow.jobs.enqueue(
        MAIL_JOB,
        {"organisation_id": organisation_id, "mail_id": record.id},
        max_attempts=MAX_ATTEMPTS,
    )
    return True


def schedule_scan(uow: UnitOfWork, organisation_id: str, run_at: datetime) -> None:
    """Queue the organisation's lifecycle scan (once: a scan already queued is kept)."""
    uow.jobs.enqueue(
        SCAN_JOB,
        {"organisation_id": organisation_id},
        dedupe_key=f"{SCAN_JOB}:{organisation_id}",
        run_at=run_at,
    )


#: a claim token: 32 random bytes, URL-safe (43 characters)
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """What is stored of a claim token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_claim_token(offer: Offer, now: datetime, valid: timedelta) -> str:
    """A fresh claim token for ``offer`` (any earlier one stops working once it is saved)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    offer.token_hash = token_hash(token)
    offer.token_expires_at = now + valid
    return token
