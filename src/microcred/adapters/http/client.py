"""The guarded HTTP client: httpx over `GuardedBackend`, for every URL that comes from outside
(did:web, controller documents, status lists; webhooks and later fetches alike)."""

from __future__ import annotations

import ssl

import httpcore
import httpx

from microcred.adapters.http.addresses import AddressPolicy
from microcred.adapters.http.backend import GuardedBackend


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go only to addresses ``policy`` vetted."""

    def __init__(self, policy: AddressPolicy, ssl_context: ssl.SSLContext, max_connections: int):
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=0,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(policy),
        )


def guarded_client(
    policy: AddressPolicy,
    *,
    timeout: float,
    ca_bundle: str | None = None,
    max_connections: int = 64,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An `httpx.Client` that refuses non-public addresses (after resolution), follows no
    redirects and reads no proxy settings from the environment. Wrap each exchange in
    `fetch_deadline` to bound it as a whole."""
    context = (
        ssl.create_default_context(cafile=ca_bundle)
        if ca_bundle
        else httpx.create_ssl_context(verify=True)
    )
    return httpx.Client(
        transport=GuardedTransport(policy, context, max_connections),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers=headers,
    )
