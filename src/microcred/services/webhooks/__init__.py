"""Signed webhooks (Standard Webhooks): subscriptions, events recorded in the caller's
transaction, deliveries as retried jobs, the delivery log and replay."""

from microcred.services.webhooks.delivery import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    WebhookDelivery,
    body_of,
)
from microcred.services.webhooks.events import (
    DELIVER_JOB,
    credential_data,
    emit,
    submission_decided,
    utc_timestamp,
)
from microcred.services.webhooks.expiring import EXPIRING_JOB, ExpiringScan
from microcred.services.webhooks.signing import new_secret, signature, signed_headers
from microcred.services.webhooks.subscriptions import (
    CreatedSubscription,
    WebhookSubscriptions,
    parse_events,
    sealing_context,
)

__all__ = [
    "DELIVER_JOB",
    "EXPIRING_JOB",
    "MAX_ATTEMPTS",
    "RETRY_DELAYS",
    "CreatedSubscription",
    "ExpiringScan",
    "WebhookDelivery",
    "WebhookSubscriptions",
    "body_of",
    "credential_data",
    "emit",
    "new_secret",
    "parse_events",
    "sealing_context",
    "signature",
    "signed_headers",
    "submission_decided",
    "utc_timestamp",
]
