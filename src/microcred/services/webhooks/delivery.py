"""Delivering webhooks as jobs: sign, POST through the guarded sender (outside any transaction,
with a deadline), log the attempt, retry on a schedule with jitter, and switch a subscription
off after repeated failure, saying why."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from microcred.crypto.sealing import Sealer
from microcred.errors import CryptoError
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.ports.webhooks import (
    Attempt,
    Delivery,
    DeliveryState,
    SendResult,
    Subscription,
    WebhookEvent,
    WebhookSender,
)
from microcred.services.webhooks.events import DELIVER_JOB, DELIVER_JOB_ATTEMPTS, delivery_job
from microcred.services.webhooks.signing import signed_headers
from microcred.services.webhooks.subscriptions import sealing_context

log = logging.getLogger("microcred.webhooks")

#: the wait before each retry (the first attempt is immediate): 5 s, 5 min, 30 min, 2 h, 5 h,
#: 10 h, 10 h — eight attempts over about 28 hours
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: each wait is stretched or shrunk by up to this fraction, so retries do not arrive in step
JITTER = 0.1


def body_of(event: WebhookEvent) -> bytes:
    """The exact bytes posted (and signed) for ``event``: the same on every attempt."""
    return json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()


class WebhookDelivery:
    """The ``webhooks.deliver`` job."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        sealer: Sealer,
        sender: WebhookSender,
        *,
        disable_after: int = 15,
        delays: Sequence[timedelta] = RETRY_DELAYS,
        jitter: Callable[[], float] = lambda: random.uniform(-JITTER, JITTER),  # noqa: S311
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._sender = sender
        self.disable_after = disable_after
        self.delays = tuple(delays)
        self._jitter = jitter

    def retry_delay(self, attempt: int) -> timedelta | None:
        """The wait after failed ``attempt`` (1-based) of a round, or None when it was the last."""
        if attempt > len(self.delays):
            return None
        return self.delays[attempt - 1] * (1 + self._jitter())

    def run(self, payload: dict[str, Any]) -> None:
        """Post one delivery once; on failure, schedule the next attempt or give up."""
        organisation_id = str(payload["organisation_id"])
        delivery_id = str(payload["delivery_id"])
        attempt = int(payload.get("attempt", 1))
        replay = bool(payload.get("replay", False))
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            delivery = scope.webhooks.delivery(delivery_id)
            if delivery is None or delivery.state is not DeliveryState.PENDING:
                return  # deleted with its subscription, or already settled
            subscription = scope.webhooks.subscription(delivery.subscription_id)
            event = scope.webhooks.event(delivery.event_id)
        if subscription is None or event is None:
            return
        if not subscription.active:
            self._settle_unsent(delivery, "The webhook is switched off; nothing was sent.")
            return
        try:
            secret = self._sealer.open(
                subscription.sealed_secret,
                sealing_context(subscription.organisation_id, subscription.id),
            )
        except CryptoError as exc:
            self._settle_unsent(delivery, f"The secret could not be unsealed: {exc.explain()}")
            return
        body = body_of(event)
        started = self._clock.now()
        headers = signed_headers(secret.decode(), event.id, int(started.timestamp()), body)
        del secret
        result = self._sender.post(subscription.url, body, headers)
        self._record(
            organisation_id, delivery_id, subscription.id, result, attempt, replay, started
        )

    def _settle_unsent(self, delivery: Delivery, reason: str) -> None:
        with self._uow() as uow:
            scope = uow.tenant(delivery.organisation_id)
            current = scope.webhooks.delivery(delivery.id, for_update=True)
            if current is None or current.state is not DeliveryState.PENDING:
                return
            current.state, current.last_error, current.next_attempt_at = (
                DeliveryState.FAILED,
                reason,
                None,
            )
            scope.webhooks.save_delivery(current)
            uow.commit()

    def _record(
        self,
        organisation_id: str,
        delivery_id: str,
        subscription_id: str,
        result: SendResult,
        attempt: int,
        replay: bool,
        started: datetime,
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            delivery = scope.webhooks.delivery(delivery_id, for_update=True)
            subscription = scope.webhooks.subscription(subscription_id)
            if delivery is None or subscription is None:
                return  # deleted while we were posting
            delivery.attempts += 1
            delivery.last_status, delivery.last_error = result.status_code, result.error
            scope.webhooks.add_attempt(
                Attempt(
                    delivery.id,
                    delivery.attempts,
                    started,
                    result.duration_ms,
                    result.status_code,
                    result.error,
                    replay,
                )
            )
            if result.ok:
                delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
                delivery.next_attempt_at, delivery.last_error = None, None
                subscription.consecutive_failures = 0
            else:
                subscription.consecutive_failures += 1
                self._after_failure(uow, subscription, delivery, result, attempt, replay, now)
            scope.webhooks.save_delivery(delivery)
            scope.webhooks.save_subscription(subscription)
            uow.commit()
        if not result.ok:
            log.info(
                "webhook delivery %s attempt %d failed: %s",
                delivery_id,
                attempt,
                result.error or f"HTTP {result.status_code}",
            )

    def _after_failure(
        self,
        uow: UnitOfWork,
        subscription: Subscription,
        delivery: Delivery,
        result: SendResult,
        attempt: int,
        replay: bool,
        now: datetime,
    ) -> None:
        why = result.error or f"HTTP {result.status_code}"
        if subscription.active and subscription.consecutive_failures >= self.disable_after:
            subscription.active = False
            subscription.disabled_reason = (
                f"Switched off after {subscription.consecutive_failures} failed attempts in a "
                f"row; the last: {why}"
            )[:500]
        delay = self.retry_delay(attempt) if subscription.active else None
        if delay is None:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
            return
        delivery.next_attempt_at = now + delay
        uow.jobs.enqueue(
            DELIVER_JOB,
            delivery_job(delivery.organisation_id, delivery.id, attempt=attempt + 1, replay=replay),
            dedupe_key=f"webhook:{delivery.id}",
            run_at=delivery.next_attempt_at,
            max_attempts=DELIVER_JOB_ATTEMPTS,
        )
