"""The webhook repository of one organisation: every query filters by it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from microcred.adapters.db.tables import CredentialRow
from microcred.adapters.db.webhooks.tables import (
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookEventRow,
    WebhookSubscriptionRow,
)
from microcred.ports.webhooks import (
    Attempt,
    Delivery,
    DeliveryState,
    EventType,
    Subscription,
    WebhookEvent,
)

MAX_ERROR = 500


def _events(values: Sequence[str]) -> list[EventType]:
    known = {e.value for e in EventType}
    return [EventType(v) for v in values if v in known]


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        organisation_id=row.organisation_id,
        url=row.url,
        events=_events(row.events),
        sealed_secret=row.sealed_secret,
        active=row.active,
        created_at=row.created_at,
        created_by=row.created_by,
        description=row.description,
        disabled_reason=row.disabled_reason,
        consecutive_failures=row.consecutive_failures,
        secret_rotated_at=row.secret_rotated_at,
    )


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        organisation_id=row.organisation_id,
        subscription_id=row.subscription_id,
        event_id=row.event_id,
        event_type=EventType(row.event_type),
        state=DeliveryState(row.state),
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


class SqlWebhooks:
    """Subscriptions, events, deliveries and attempts in the ``webhook_*`` tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    # --- subscriptions ---------------------------------------------------------------------
    def _sub_row(self, subscription_id: str) -> WebhookSubscriptionRow | None:
        return self._s.scalar(
            select(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.id == subscription_id,
                WebhookSubscriptionRow.organisation_id == self._org,
            )
        )

    def add_subscription(self, subscription: Subscription) -> None:
        """Store a new subscription (of this organisation)."""
        row = WebhookSubscriptionRow(id=subscription.id, organisation_id=self._org)
        self._fill(row, subscription)
        self._s.add(row)
        self._s.flush()

    @staticmethod
    def _fill(row: WebhookSubscriptionRow, sub: Subscription) -> None:
        row.url, row.description = sub.url, sub.description
        row.events = [e.value for e in sub.events]
        row.sealed_secret, row.active = sub.sealed_secret, sub.active
        row.disabled_reason, row.consecutive_failures = (
            sub.disabled_reason,
            sub.consecutive_failures,
        )
        row.created_by, row.created_at = sub.created_by, sub.created_at
        row.secret_rotated_at = sub.secret_rotated_at

    def subscription(self, subscription_id: str) -> Subscription | None:
        """One subscription, if it is this organisation's."""
        row = self._sub_row(subscription_id)
        return _subscription(row) if row else None

    def subscriptions(self) -> Sequence[Subscription]:
        """Every subscription, oldest first."""
        rows = self._s.scalars(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.organisation_id == self._org)
            .order_by(WebhookSubscriptionRow.created_at, WebhookSubscriptionRow.id)
        )
        return [_subscription(r) for r in rows]

    def subscribed(self, event_type: EventType) -> Sequence[Subscription]:
        """The active subscriptions that want ``event_type``."""
        return [s for s in self.subscriptions() if s.active and event_type in s.events]

    def save_subscription(self, subscription: Subscription) -> None:
        """Write back a changed subscription."""
        row = self._sub_row(subscription.id)
        if row is not None:
            self._fill(row, subscription)
            self._s.flush()

    def delete_subscription(self, subscription_id: str) -> bool:
        """Delete a subscription with its deliveries and their attempts; False if unknown."""
        if self._sub_row(subscription_id) is None:
            return False
        deliveries = select(WebhookDeliveryRow.id).where(
            WebhookDeliveryRow.subscription_id == subscription_id,
            WebhookDeliveryRow.organisation_id == self._org,
        )
        self._s.execute(
            delete(WebhookAttemptRow).where(
                WebhookAttemptRow.organisation_id == self._org,
                WebhookAttemptRow.delivery_id.in_(deliveries),
            )
        )
        self._s.execute(
            delete(WebhookDeliveryRow).where(
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.organisation_id == self._org,
            )
        )
        self._s.execute(
            delete(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.id == subscription_id,
                WebhookSubscriptionRow.organisation_id == self._org,
            )
        )
        return True

    # --- events ----------------------------------------------------------------------------
    def add_event(self, event: WebhookEvent) -> None:
        """Record an event (in the caller's transaction)."""
        self._s.add(
            WebhookEventRow(
                id=event.id,
                organisation_id=self._org,
                type=event.type.value,
                subject=event.subject,
                payload=event.payload,
                created_at=event.created_at,
            )
        )
        self._s.flush()  # before its deliveries (no ORM relationship orders the inserts)

    def event(self, event_id: str) -> WebhookEvent | None:
        """One recorded event."""
        row = self._s.scalar(
            select(WebhookEventRow).where(
                WebhookEventRow.id == event_id, WebhookEventRow.organisation_id == self._org
            )
        )
        if row is None:
            return None
        return WebhookEvent(
            row.id,
            row.organisation_id,
            EventType(row.type),
            dict(row.payload),
            row.created_at,
            row.subject,
        )

    def has_event(self, event_type: EventType, subject: str) -> bool:
        """Whether an event of ``event_type`` about ``subject`` was already recorded."""
        query = select(
            exists().where(
                WebhookEventRow.organisation_id == self._org,
                WebhookEventRow.type == event_type.value,
                WebhookEventRow.subject == subject,
            )
        )
        return bool(self._s.scalar(query))

    def expiring_unannounced(self, start: datetime, end: datetime, limit: int) -> Sequence[str]:
        """Active credentials whose ``valid_until`` falls in [start, end) with no
        ``credential.expiring`` event yet, soonest first."""
        announced = select(WebhookEventRow.subject).where(
            WebhookEventRow.organisation_id == self._org,
            WebhookEventRow.type == EventType.CREDENTIAL_EXPIRING.value,
            WebhookEventRow.subject.is_not(None),
        )
        query = (
            select(CredentialRow.id)
            .where(
                CredentialRow.organisation_id == self._org,
                CredentialRow.status == "active",
                CredentialRow.valid_until >= start,
                CredentialRow.valid_until < end,
                CredentialRow.id.not_in(announced),
            )
            .order_by(CredentialRow.valid_until, CredentialRow.id)
            .limit(limit)
        )
        return list(self._s.scalars(query))

    # --- deliveries ------------------------------------------------------------------------
    def add_delivery(self, delivery: Delivery) -> None:
        """Store a new delivery."""
        row = WebhookDeliveryRow(
            id=delivery.id,
            organisation_id=self._org,
            subscription_id=delivery.subscription_id,
            event_id=delivery.event_id,
            event_type=delivery.event_type.value,
            created_at=delivery.created_at,
        )
        self._fill_delivery(row, delivery)
        self._s.add(row)

    @staticmethod
    def _fill_delivery(row: WebhookDeliveryRow, delivery: Delivery) -> None:
        row.state, row.attempts = delivery.state.value, delivery.attempts
        row.next_attempt_at, row.last_status = delivery.next_attempt_at, delivery.last_status
        row.last_error = delivery.last_error[:MAX_ERROR] if delivery.last_error else None
        row.delivered_at = delivery.delivered_at

    def _delivery_row(self, delivery_id: str, for_update: bool) -> WebhookDeliveryRow | None:
        query = select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.organisation_id == self._org
        )
        if for_update:
            query = query.with_for_update()
        return self._s.scalar(query)

    def delivery(self, delivery_id: str, *, for_update: bool = False) -> Delivery | None:
        """One delivery (locked for the transaction when ``for_update``)."""
        row = self._delivery_row(delivery_id, for_update)
        return _delivery(row) if row else None

    def deliveries(
        self, subscription_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Delivery]:
        """A subscription's deliveries, newest first."""
        rows = self._s.scalars(
            select(WebhookDeliveryRow)
            .where(
                WebhookDeliveryRow.subscription_id == subscription_id,
                WebhookDeliveryRow.organisation_id == self._org,
            )
            .order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [_delivery(r) for r in rows]

    def save_delivery(self, delivery: Delivery) -> None:
        """Write back a changed delivery."""
        row = self._delivery_row(delivery.id, False)
        if row is not None:
            self._fill_delivery(row, delivery)
            self._s.flush()

    # --- attempts --------------------------------------------------------------------------
    def add_attempt(self, attempt: Attempt) -> None:
        """Log one attempt (the error truncated)."""
        self._s.add(
            WebhookAttemptRow(
                organisation_id=self._org,
                delivery_id=attempt.delivery_id,
                number=attempt.number,
                started_at=attempt.started_at,
                duration_ms=attempt.duration_ms,
                status_code=attempt.status_code,
                error=attempt.error[:MAX_ERROR] if attempt.error else None,
                replay=attempt.replay,
            )
        )
        self._s.flush()

    def attempts(self, delivery_id: str) -> Sequence[Attempt]:
        """A delivery's attempts, in order."""
        rows = self._s.scalars(
            select(WebhookAttemptRow)
            .where(
                WebhookAttemptRow.delivery_id == delivery_id,
                WebhookAttemptRow.organisation_id == self._org,
            )
            .order_by(WebhookAttemptRow.id)
        )
        return [
            Attempt(
                r.delivery_id,
                r.number,
                r.started_at,
                r.duration_ms,
                r.status_code,
                r.error,
                r.replay,
                r.id,
            )
            for r in rows
        ]
