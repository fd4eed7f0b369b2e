"""Webhooks over HTTP: subscriptions (create, list, get, change, delete, rotate the secret), the
delivery log and replay. Admins only; everything is scoped to the caller's organisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.webhooks.schemas import (
    DeliveryPublic,
    WebhookCreate,
    WebhookPublic,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: WebhookCreate, p: PrincipalDep, c: ContainerDep) -> WebhookPublic:
    """Subscribe a URL to events. The answer carries the signing secret, shown only this once.
    The URL must be https and reach a public address (or an allow-listed network)."""
    made = c.webhooks.subscriptions.create(p, body.url, body.events, body.description)
    return WebhookPublic.of(made.subscription, made.secret)


@router.get("")
def list_webhooks(p: PrincipalDep, c: ContainerDep) -> list[WebhookPublic]:
    """Your organisation's webhooks (never their secrets)."""
    return [WebhookPublic.of(s) for s in c.webhooks.subscriptions.list(p)]


@router.get("/{webhook_id}")
def get(webhook_id: str, p: PrincipalDep, c: ContainerDep) -> WebhookPublic:
    """One webhook."""
    return WebhookPublic.of(c.webhooks.subscriptions.get(p, webhook_id))


@router.patch("/{webhook_id}")
def update(webhook_id: str, body: WebhookUpdate, p: PrincipalDep, c: ContainerDep) -> WebhookPublic:
    """Change the URL, events or description; switch it off, or back on after a disable."""
    return WebhookPublic.of(
        c.webhooks.subscriptions.update(
            p,
            webhook_id,
            url=body.url,
            events=body.events,
            description=body.description,
            active=body.active,
        )
    )


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(webhook_id: str, p: PrincipalDep, c: ContainerDep) -> None:
    """Delete a webhook and its delivery log."""
    c.webhooks.subscriptions.delete(p, webhook_id)


@router.post("/{webhook_id}/rotate-secret")
def rotate_secret(webhook_id: str, p: PrincipalDep, c: ContainerDep) -> WebhookPublic:
    """A new signing secret, in force at once and shown only in this answer."""
    made = c.webhooks.subscriptions.rotate_secret(p, webhook_id)
    return WebhookPublic.of(made.subscription, made.secret)


@router.get("/{webhook_id}/deliveries")
def deliveries(
    webhook_id: str,
    p: PrincipalDep,
    c: ContainerDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryPublic]:
    """The webhook's deliveries, newest first."""
    found = c.webhooks.subscriptions.deliveries(p, webhook_id, offset=offset, limit=limit)
    return [DeliveryPublic.of(d) for d in found]


@router.get("/{webhook_id}/deliveries/{delivery_id}")
def delivery(webhook_id: str, delivery_id: str, p: PrincipalDep, c: ContainerDep) -> DeliveryPublic:
    """One delivery with every attempt (status code, duration, error; never the secret)."""
    found, attempts = c.webhooks.subscriptions.delivery(p, webhook_id, delivery_id)
    return DeliveryPublic.of(found, attempts)


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", status_code=status.HTTP_202_ACCEPTED)
def replay(webhook_id: str, delivery_id: str, p: PrincipalDep, c: ContainerDep) -> DeliveryPublic:
    """Send a delivered or failed delivery again (same ``webhook-id``, a new signature)."""
    return DeliveryPublic.of(c.webhooks.subscriptions.replay(p, webhook_id, delivery_id))
