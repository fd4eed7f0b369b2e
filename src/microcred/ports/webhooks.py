"""What signed webhooks need: subscriptions, events, deliveries and their attempts (stored per
organisation), and the guarded sender that vets and posts to a subscriber's URL."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class EventType(enum.StrEnum):
    """The events an organisation can subscribe to."""

    CREDENTIAL_ISSUED = "credential.issued"
    CREDENTIAL_REVOKED = "credential.revoked"
    CREDENTIAL_EXPIRING = "credential.expiring"
    SUBMISSION_DECIDED = "submission.decided"
    PATHWAY_COMPLETED = "pathway.completed"
    PERSON_DEACTIVATED = "person.deactivated"


class DeliveryState(enum.StrEnum):
    """Where one event's delivery to one subscription stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(slots=True)
class Subscription:
    """A URL that receives an organisation's events, signed with its sealed secret."""

    id: str
    organisation_id: str
    url: str
    events: list[EventType]
    sealed_secret: bytes
    active: bool
    created_at: datetime
    created_by: str
    description: str = ""
    disabled_reason: str | None = None
    consecutive_failures: int = 0
    secret_rotated_at: datetime | None = None


@dataclass(slots=True)
class WebhookEvent:
    """One event as sent: ``id`` is the ``webhook-id`` every delivery and retry carries."""

    id: str
    organisation_id: str
    type: EventType
    payload: dict[str, Any]
    created_at: datetime
    #: what the event is about (a credential's, submission's or person's id)
    subject: str | None = None


@dataclass(slots=True)
class Delivery:
    """One event on its way to one subscription."""

    id: str
    organisation_id: str
    subscription_id: str
    event_id: str
    event_type: EventType
    state: DeliveryState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None


@dataclass(slots=True)
class Attempt:
    """One POST of a delivery, as logged (never the secret, never the response body)."""

    delivery_id: str
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    replay: bool = False
    id: int | None = field(default=None)


class WebhookRepository(Protocol):
    """Webhook subscriptions, events, deliveries and attempts of one organisation."""

    def add_subscription(self, subscription: Subscription) -> None: ...
    def subscription(self, subscription_id: str) -> Subscription | None: ...
    def subscriptions(self) -> Sequence[Subscription]: ...
    def subscribed(self, event_type: EventType) -> Sequence[Subscription]: ...
    def save_subscription(self, subscription: Subscription) -> None: ...
    def delete_subscription(self, subscription_id: str) -> bool: ...
    def add_event(self, event: WebhookEvent) -> None: ...
    def event(self, event_id: str) -> WebhookEvent | None: ...
    def has_event(self, event_type: EventType, subject: str) -> bool: ...
    def expiring_unannounced(self, start: datetime, end: datetime, limit: int) -> Sequence[str]: ...
    def add_delivery(self, delivery: Delivery) -> None: ...
    def delivery(self, delivery_id: str, *, for_update: bool = False) -> Delivery | None: ...
    def deliveries(
        self, subscription_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Delivery]: ...
    def save_delivery(self, delivery: Delivery) -> None: ...
    def add_attempt(self, attempt: Attempt) -> None: ...
    def attempts(self, delivery_id: str) -> Sequence[Attempt]: ...


@dataclass(slots=True, frozen=True)
class SendResult:
    """What a POST to a subscriber came to: a status code, or why there was none."""

    status_code: int | None
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer (anything else is retried)."""
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """Posts to subscribers' URLs through the guarded client (no inward addresses, no redirects,
    a deadline on the whole exchange, a cap on the response read)."""

    def check_target(self, url: str) -> None:
        """Raise `InvalidInput` (or `AddressRefused`) unless ``url`` may receive webhooks now."""
        ...

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult: ...
