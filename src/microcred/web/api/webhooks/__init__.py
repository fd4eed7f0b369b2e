"""Webhooks over HTTP: subscriptions, the delivery log and replay."""

from microcred.web.api.webhooks.schemas import WebhookCreate, WebhookPublic, WebhookUpdate

__all__ = ["WebhookCreate", "WebhookPublic", "WebhookUpdate"]
