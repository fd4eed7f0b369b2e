"""Lifecycle e-mails through the one `Mailer`: claim e-mails for offers, reminders for unclaimed
offers and expiring credentials, per-person opt-out; every message is sent from a job."""

from microcred.services.notifications.compose import Letter, one_line
from microcred.services.notifications.delivery import MailDelivery
from microcred.services.notifications.preferences import MailPreferences
from microcred.services.notifications.queue import (
    MAIL_JOB,
    MAX_ATTEMPTS,
    SCAN_JOB,
    new_claim_token,
    queue_mail,
    schedule_scan,
    token_hash,
)
from microcred.services.notifications.scan import LifecycleScan

__all__ = [
    "MAIL_JOB",
    "MAX_ATTEMPTS",
    "SCAN_JOB",
    "Letter",
    "LifecycleScan",
    "MailDelivery",
    "MailPreferences",
    "new_claim_token",
    "one_line",
    "queue_mail",
    "schedule_scan",
    "token_hash",
]
