"""Managing an organisation's webhook subscriptions: the URL (vetted like every outgoing fetch),
the events, a ``whsec_`` secret shown once and sealed at rest, the delivery log and replays."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Permission, Principal
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.ports.webhooks import (
    Attempt,
    Delivery,
    DeliveryState,
    EventType,
    Subscription,
    WebhookSender,
)
from microcred.services.ids import new_id
from microcred.services.webhooks.events import DELIVER_JOB, DELIVER_JOB_ATTEMPTS, delivery_job
from microcred.services.webhooks.expiring import schedule_scan
from microcred.services.webhooks.signing import new_secret

MAX_URL = 2048
MAX_DESCRIPTION = 200
#: subscriptions one organisation may have
MAX_SUBSCRIPTIONS = 50
MAX_PAGE = 200


def sealing_context(organisation_id: str, subscription_id: str) -> bytes:
    """The associated data a subscription's sealed secret is bound to."""
    return f"microcred-webhook:{organisation_id}:{subscription_id}".encode()


@dataclass(slots=True, frozen=True)
class CreatedSubscription:
    """A new (or re-keyed) subscription and its secret, which is shown this once."""

    subscription: Subscription
    secret: str


def parse_events(values: Iterable[object]) -> list[EventType]:
    """Event names as `EventType`s, in a stable order; `InvalidInput` naming any unknown one."""
    chosen: set[EventType] = set()
    for value in values:
        try:
            chosen.add(EventType(str(value)) if isinstance(value, str) else EventType(""))
        except ValueError:
            known = ", ".join(e.value for e in EventType)
            raise InvalidInput(
                f"{str(value)[:60]!r} is not an event; choose from {known}."
            ) from None
    if not chosen:
        raise InvalidInput("Choose at least one event.")
    return [e for e in EventType if e in chosen]


class WebhookSubscriptions:
    """Subscriptions CRUD, secrets, the delivery log and replay (admins of the organisation)."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, sealer: Sealer, sender: WebhookSender
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sealer = sealer
        self._sender = sender

    def _check_url(self, url: object) -> str:
        if not isinstance(url, str) or not url.strip():
            raise InvalidInput("Give the URL that receives the webhooks.")
        url = url.strip()
        if len(url) > MAX_URL:
            raise InvalidInput(f"The URL has more than {MAX_URL} characters.")
        self._sender.check_target(url)  # scheme, host, and every address it resolves to
        return url

    @staticmethod
    def _check_description(description: object) -> str:
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise InvalidInput(f"The description has at most {MAX_DESCRIPTION} characters.")
        return description.strip()

    def _seal(self, organisation_id: str, subscription_id: str, secret: str) -> bytes:
        return self._sealer.seal(secret.encode(), sealing_context(organisation_id, subscription_id))

    def open_secret(self, subscription: Subscription) -> str:
        """The subscription's secret, unsealed (for signing only; never logged or shown)."""
        context = sealing_context(subscription.organisation_id, subscription.id)
        return self._sealer.open(subscription.sealed_secret, context).decode()

    def create(
        self,
        principal: Principal,
        url: object,
        events: Iterable[object],
        description: object = "",
    ) -> CreatedSubscription:
        """Subscribe ``url`` to ``events``; the returned secret is not shown again."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        chosen = parse_events(events)
        text = self._check_description(description)
        target = self._check_url(url)
        secret = new_secret()
        subscription_id = new_id()
        subscription = Subscription(
            id=subscription_id,
            organisation_id=principal.organisation_id,
            url=target,
            events=chosen,
            sealed_secret=self._seal(principal.organisation_id, subscription_id, secret),
            active=True,
            created_at=self._clock.now(),
            created_by=principal.email,
            description=text,
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if len(scope.webhooks.subscriptions()) >= MAX_SUBSCRIPTIONS:
                raise Conflict(f"An organisation has at most {MAX_SUBSCRIPTIONS} webhooks.")
            scope.webhooks.add_subscription(subscription)
            if EventType.CREDENTIAL_EXPIRING in chosen:
                schedule_scan(uow, principal.organisation_id, subscription.created_at)
            uow.commit()
        return CreatedSubscription(subscription, secret)

    @staticmethod
    def _get(scope: TenantScope, subscription_id: str) -> Subscription:
        found = (
            scope.webhooks.subscription(subscription_id)
            if isinstance(subscription_id, str)
            else None
        )
        if found is None:
            raise NotFound("No such webhook in your organisation.")
        return found

    def list(self, principal: Principal) -> Sequence[Subscription]:
        """The organisation's subscriptions."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        with self._uow() as uow:
            return uow.tenant(principal.organisation_id).webhooks.subscriptions()

    def get(self, principal: Principal, subscription_id: str) -> Subscription:
        """One subscription of the organisation."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        with self._uow() as uow:
            return self._get(uow.tenant(principal.organisation_id), subscription_id)

    def update(
        self,
        principal: Principal,
        subscription_id: str,
        *,
        url: object = None,
        events: Iterable[object] | None = None,
        description: object = None,
        active: bool | None = None,
    ) -> Subscription:
        """Change the URL, events, description, or switch it on (clearing a disable) or off."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        target = self._check_url(url) if url is not None else None
        chosen = parse_events(events) if events is not None else None
        text = self._check_description(description) if description is not None else None
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            subscription = self._get(scope, subscription_id)
            if target is not None:
                subscription.url = target
            if chosen is not None:
                subscription.events = chosen
            if text is not None:
                subscription.description = text
            if active is not None:
                subscription.active = bool(active)
                if active:
                    subscription.disabled_reason, subscription.consecutive_failures = None, 0
                else:
                    subscription.disabled_reason = f"Switched off by {principal.email}."
            scope.webhooks.save_subscription(subscription)
            if subscription.active and EventType.CREDENTIAL_EXPIRING in subscription.events:
                schedule_scan(uow, principal.organisation_id, self._clock.now())
            uow.commit()
        return subscription

    def delete(self, principal: Principal, subscription_id: str) -> None:
        """Delete a subscription with its delivery log."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        with self._uow() as uow:
            if not uow.tenant(principal.organisation_id).webhooks.delete_subscription(
                subscription_id
            ):
                raise NotFound("No such webhook in your organisation.")
            uow.commit()

    def rotate_secret(self, principal: Principal, subscription_id: str) -> CreatedSubscription:
        """A new secret, in force at once (shown this once); the old one signs nothing more."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        secret = new_secret()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            subscription = self._get(scope, subscription_id)
            subscription.sealed_secret = self._seal(
                principal.organisation_id, subscription.id, secret
            )
            subscription.secret_rotated_at = self._clock.now()
            scope.webhooks.save_subscription(subscription)
            uow.commit()
        return CreatedSubscription(subscription, secret)

    def deliveries(
        self, principal: Principal, subscription_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Delivery]:
        """A subscription's deliveries, newest first."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        if offset < 0 or not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"Give an offset ≥ 0 and a limit of 1–{MAX_PAGE}.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            self._get(scope, subscription_id)
            return scope.webhooks.deliveries(subscription_id, offset=offset, limit=limit)

    def delivery(
        self, principal: Principal, subscription_id: str, delivery_id: str
    ) -> tuple[Delivery, Sequence[Attempt]]:
        """One delivery and its logged attempts."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            delivery = scope.webhooks.delivery(delivery_id)
            if delivery is None or delivery.subscription_id != subscription_id:
                raise NotFound("No such delivery of this webhook.")
            return delivery, scope.webhooks.attempts(delivery.id)

    def replay(self, principal: Principal, subscription_id: str, delivery_id: str) -> Delivery:
        """Send a delivered or failed delivery again (same ``webhook-id``, new timestamp)."""
        principal.require(Permission.MANAGE_WEBHOOKS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            subscription = self._get(scope, subscription_id)
            delivery = scope.webhooks.delivery(delivery_id, for_update=True)
            if delivery is None or delivery.subscription_id != subscription.id:
                raise NotFound("No such delivery of this webhook.")
            if not subscription.active:
                raise Conflict("This webhook is switched off.", hint="Switch it on, then replay.")
            if delivery.state is DeliveryState.PENDING:
                raise Conflict("This delivery is still being sent or retried.")
            delivery.state = DeliveryState.PENDING
            delivery.next_attempt_at = self._clock.now()
            scope.webhooks.save_delivery(delivery)
            uow.jobs.enqueue(
                DELIVER_JOB,
                delivery_job(principal.organisation_id, delivery.id, replay=True),
                dedupe_key=f"webhook:{delivery.id}",
                max_attempts=DELIVER_JOB_ATTEMPTS,
            )
            uow.commit()
        return delivery
