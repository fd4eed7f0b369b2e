"""API models of webhooks: subscriptions (the secret only when created or rotated), deliveries
and their attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from microcred.ports.webhooks import Attempt, Delivery, EventType, Subscription
from microcred.web.api.schemas import Strict

WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(max_length=200)]


class WebhookCreate(Strict):
    """A URL to send events to, and which events."""

    url: WebhookUrl
    events: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]
    description: Description = ""


class WebhookUpdate(Strict):
    """What to change; ``active: true`` switches a disabled webhook back on."""

    url: WebhookUrl | None = None
    events: Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))] | None = None
    description: Description | None = None
    active: bool | None = None


class WebhookPublic(BaseModel):
    """A subscription; ``secret`` is set only in the answer that created or rotated it."""

    id: str
    url: str
    description: str
    events: list[EventType]
    active: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_at: datetime
    created_by: str
    secret_rotated_at: datetime | None
    secret: str | None = None

    @classmethod
    def of(cls, sub: Subscription, secret: str | None = None) -> WebhookPublic:
        return cls(
            id=sub.id,
            url=sub.url,
            description=sub.description,
            events=list(sub.events),
            active=sub.active,
            disabled_reason=sub.disabled_reason,
            consecutive_failures=sub.consecutive_failures,
            created_at=sub.created_at,
            created_by=sub.created_by,
            secret_rotated_at=sub.secret_rotated_at,
            secret=secret,
        )


class AttemptPublic(BaseModel):
    """One POST of a delivery."""

    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    replay: bool

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptPublic:
        return cls(
            number=attempt.number,
            started_at=attempt.started_at,
            duration_ms=attempt.duration_ms,
            status_code=attempt.status_code,
            error=attempt.error,
            replay=attempt.replay,
        )


class DeliveryPublic(BaseModel):
    """One event's delivery to the subscription (``event_id`` is the ``webhook-id``)."""

    id: str
    event_id: str
    event_type: EventType
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    log: list[AttemptPublic] | None = None

    @classmethod
    def of(cls, d: Delivery, attempts: Sequence[Attempt] | None = None) -> DeliveryPublic:
        return cls(
            id=d.id,
            event_id=d.event_id,
            event_type=d.event_type,
            state=d.state.value,
            attempts=d.attempts,
            created_at=d.created_at,
            next_attempt_at=d.next_attempt_at,
            last_status=d.last_status,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            log=[AttemptPublic.of(a) for a in attempts] if attempts is not None else None,
        )
