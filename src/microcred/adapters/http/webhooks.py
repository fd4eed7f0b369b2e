"""Posting webhooks through the guarded client: only vetted addresses (re-resolved at connect
time, so DNS rebinding after the subscription was checked still fails), no redirects, one
deadline on the whole exchange and a cap on the answer read."""

from __future__ import annotations

import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from microcred.adapters.http.addresses import AddressPolicy
from microcred.adapters.http.backend import fetch_deadline
from microcred.adapters.http.client import guarded_client
from microcred.errors import AddressRefused, FetchTimedOut, InvalidInput, MicrocredError
from microcred.ports.webhooks import SendResult

#: the most of a receiver's answer that is read (its body is never stored)
MAX_RESPONSE_BYTES = 64 * 1024


class GuardedWebhookSender:
    """`WebhookSender` over `guarded_client`."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        timeout: float,
        allow_http: bool = False,
        ca_bundle: str | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self._policy = policy
        self._timeout = timeout
        self._allow_http = allow_http
        self._max = max_response_bytes
        self._client = guarded_client(policy, timeout=timeout, ca_bundle=ca_bundle)

    def check_target(self, url: str) -> None:
        """Refuse a malformed URL, another scheme, credentials in it, or a host that is (or
        resolves to) an address the policy refuses."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise InvalidInput("The URL is malformed.") from None
        allowed = ("https", "http") if self._allow_http else ("https",)
        if parts.scheme not in allowed:
            raise InvalidInput(
                f"Webhook URLs must start with {' or '.join(s + '://' for s in allowed)}."
            )
        if not parts.hostname:
            raise InvalidInput("The URL names no host.")
        if parts.username is not None or parts.password is not None:
            raise InvalidInput("The URL must not carry a user name or password.")
        if any(c.isspace() or ord(c) < 0x20 for c in url):
            raise InvalidInput("The URL contains spaces or control characters.")
        default = 443 if parts.scheme == "https" else 80
        self._policy.resolve(parts.hostname, port or default, time.monotonic() + self._timeout)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """POST ``body`` once; the status code, or a plain reason there is none."""
        start = time.monotonic()
        end = start + self._timeout

        def took() -> int:
            return int((time.monotonic() - start) * 1000)

        status: int | None = None
        try:
            with (
                fetch_deadline(end),
                self._client.stream(
                    "POST", url, content=body, headers=dict(headers), timeout=self._timeout
                ) as response,
            ):
                status = response.status_code
                if 300 <= status < 400:
                    return SendResult(
                        status, took(), f"HTTP {status}: a redirect, which is not followed."
                    )
                read = 0
                for chunk in response.iter_bytes():
                    read += len(chunk)
                    if read > self._max:
                        return SendResult(
                            status, took(), f"The answer was larger than {self._max} bytes."
                        )
        except httpx.TimeoutException:
            return SendResult(status, took(), f"No answer within {self._timeout:g} s.")
        except (AddressRefused, FetchTimedOut) as exc:
            return SendResult(status, took(), exc.explain())
        except httpx.HTTPError as exc:
            return SendResult(status, took(), f"Could not connect: {type(exc).__name__}.")
        except MicrocredError as exc:
            return SendResult(status, took(), exc.explain())
        if not 200 <= status < 300:
            return SendResult(status, took(), f"HTTP {status}.")
        return SendResult(status, took())
