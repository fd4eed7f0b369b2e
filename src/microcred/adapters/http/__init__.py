"""The one guarded HTTP client for URLs that come from outside: public addresses only (vetted
after resolution, connected to exactly), deadlines, size and concurrency caps, a bounded cache.

Use `HttpFetcher` for JSON documents, `guarded_client` (with `fetch_deadline`) for anything
else; `GuardedWebhookSender` posts webhooks."""

from microcred.adapters.http.addresses import AddressPolicy, parse_networks, refusal
from microcred.adapters.http.backend import fetch_deadline
from microcred.adapters.http.client import guarded_client
from microcred.adapters.http.fetcher import MAX_DOCUMENT_BYTES, HttpFetcher
from microcred.adapters.http.lti import GuardedLtiClient
from microcred.adapters.http.oidc import GuardedOidcClient
from microcred.adapters.http.webhooks import GuardedWebhookSender

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "AddressPolicy",
    "GuardedLtiClient",
    "GuardedOidcClient",
    "GuardedWebhookSender",
    "HttpFetcher",
    "fetch_deadline",
    "guarded_client",
    "parse_networks",
    "refusal",
]
