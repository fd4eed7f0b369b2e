"""Recording an event and queueing its deliveries inside the caller's transaction, so a rollback
emits nothing and a commit never loses one (the transactional outbox of ADR 0001)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from microcred.domain.credential import IssuedCredential
from microcred.domain.learning import Submission, SubmissionStatus
from microcred.ports.unit_of_work import UnitOfWork
from microcred.ports.webhooks import Delivery, DeliveryState, EventType, WebhookEvent
from microcred.services.ids import new_id

#: the job kind that posts one delivery
DELIVER_JOB = "webhooks.deliver"
#: a delivery job retries on its own schedule; the queue's retries cover only storage errors
DELIVER_JOB_ATTEMPTS = 3


def utc_timestamp(at: datetime) -> str:
    """RFC 3339 in UTC, to the second (a naive datetime is taken as UTC)."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def delivery_job(
    organisation_id: str, delivery_id: str, *, attempt: int = 1, replay: bool = False
) -> dict[str, Any]:
    """The payload of a delivery job (``attempt`` counts within this round of retries)."""
    return {
        "organisation_id": organisation_id,
        "delivery_id": delivery_id,
        "attempt": attempt,
        "replay": replay,
    }


def emit(
    uow: UnitOfWork,
    organisation_id: str,
    event_type: EventType,
    data: dict[str, Any],
    now: datetime,
    *,
    subject: str | None = None,
) -> int:
    """Record ``event_type`` with ``data`` and queue one delivery per active subscription that
    wants it, in ``uow``'s transaction; how many deliveries were queued. No subscriber, no row."""
    scope = uow.tenant(organisation_id)
    subscriptions = scope.webhooks.subscribed(event_type)
    if not subscriptions:
        return 0
    event = WebhookEvent(
        id=f"msg_{uuid.uuid4().hex}",
        organisation_id=organisation_id,
        type=event_type,
        payload={"type": event_type.value, "timestamp": utc_timestamp(now), "data": data},
        created_at=now,
        subject=subject,
    )
    scope.webhooks.add_event(event)
    for subscription in subscriptions:
        delivery = Delivery(
            id=new_id(),
            organisation_id=organisation_id,
            subscription_id=subscription.id,
            event_id=event.id,
            event_type=event_type,
            state=DeliveryState.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        scope.webhooks.add_delivery(delivery)
        # a new delivery's id is fresh: no dedupe look-up needed (retries and replays use one)
        uow.jobs.enqueue(
            DELIVER_JOB,
            delivery_job(organisation_id, delivery.id),
            max_attempts=DELIVER_JOB_ATTEMPTS,
        )
    return len(subscriptions)


def credential_data(credential: IssuedCredential) -> dict[str, Any]:
    """What credential events say about a credential (its recipient as issued)."""
    return {
        "credential_id": credential.id,
        "credential_url": credential.credential_url,
        "achievement_id": credential.achievement_id,
        "recipient": {"email": credential.recipient_email, "did": credential.recipient_did},
        "status": credential.status.value,
        "issued_at": utc_timestamp(credential.issued_at),
        "valid_until": utc_timestamp(credential.valid_until) if credential.valid_until else None,
    }


def submission_decided(uow: UnitOfWork, submission: Submission, now: datetime) -> None:
    """Emit ``submission.decided`` for a submission that has just been decided."""
    if submission.decision is None:
        return
    data = {
        "submission_id": submission.id,
        "achievement_id": submission.achievement_id,
        "user_id": submission.user_id,
        "version": submission.version,
        "status": submission.status.value,
        "passed": submission.status is SubmissionStatus.PASSED,
        "decided_by": submission.decision.decided_by.value,
        "credential_id": submission.credential_id,
        "decided_at": utc_timestamp(submission.decided_at or now),
    }
    emit(
        uow,
        submission.organisation_id,
        EventType.SUBMISSION_DECIDED,
        data,
        now,
        subject=submission.id,
    )
