"""Signed webhooks on the database: subscriptions, events, deliveries and their attempts."""

from microcred.adapters.db.webhooks.repository import SqlWebhooks

__all__ = ["SqlWebhooks"]
