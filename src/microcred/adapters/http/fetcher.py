"""Fetching JSON documents from untrusted URLs for verification (did:web, controller documents,
other issuers' status lists): public addresses only, bounded in size, time and concurrency,
cached (LRU, bounded) for a while, never following redirects."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx

from microcred.adapters.http.addresses import AddressPolicy, IPNetwork
from microcred.adapters.http.backend import fetch_deadline
from microcred.adapters.http.cache import DocumentCache
from microcred.adapters.http.client import guarded_client
from microcred.credentials.parsing import load_json
from microcred.errors import (
    FetchTimedOut,
    InvalidInput,
    MicrocredError,
    NotFound,
    PayloadTooLarge,
)

MAX_DOCUMENT_BYTES = 4_000_000


def seconds(value: float) -> str:
    """``1.0`` as ``"1"``, ``2.46`` as ``"2.5"``: durations in messages."""
    return f"{round(value, 1):g}"


class HttpFetcher:
    """The caching JSON fetcher every verification uses for remote documents."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        cache_seconds: float = 300.0,
        allow_http: bool = False,
        ca_bundle: str | None = None,
        allow_networks: Iterable[str | IPNetwork] = (),
        max_concurrent: int = 16,
        cache_entries: int = 1024,
        cache_bytes: int = 32_000_000,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        client: httpx.Client | None = None,
    ) -> None:
        self.policy = AddressPolicy(allow_networks)
        self._timeout = timeout
        self._client = client or guarded_client(
            self.policy,
            timeout=timeout,
            ca_bundle=ca_bundle,
            max_connections=max(max_concurrent, 1),
            headers={"Accept": "application/json"},
        )
        self._allow_http = allow_http
        self._max_bytes = max_document_bytes
        self._max_concurrent = max(max_concurrent, 1)
        self._slots = threading.BoundedSemaphore(self._max_concurrent)
        self.cache = DocumentCache(
            ttl=cache_seconds, max_entries=cache_entries, max_bytes=cache_bytes
        )

    def __call__(self, url: str, *, deadline: float | None = None) -> dict[str, Any]:
        """The JSON object at ``url``; ``deadline`` (`time.monotonic`) cuts the fetch short of
        its own timeout. Raises `MicrocredError` with a plain reason."""
        scheme = urlsplit(url).scheme
        if scheme != "https" and not (self._allow_http and scheme == "http"):
            raise InvalidInput(f"Only https URLs are fetched, not {url[:100]}.")
        hit = self.cache.get(url)
        if hit is not None:
            return hit
        start = time.monotonic()
        end = start + self._timeout
        if deadline is not None and deadline < end:
            end = deadline
        limit = seconds(max(end - start, 0.0))
        shown = url[:200]
        if end <= start or not self._slots.acquire(timeout=end - start):
            raise FetchTimedOut(
                f"Could not fetch {shown} within {limit} s: all {self._max_concurrent} "
                "fetches allowed at once were in use."
                if end > start
                else f"Could not fetch {shown}: no time was left."
            )
        try:
            with fetch_deadline(end):
                body = self._get(url, end, limit)
        finally:
            self._slots.release()
        try:
            document = load_json(body, max_bytes=self._max_bytes, what=shown)
        except PayloadTooLarge:
            raise
        except InvalidInput as exc:
            raise InvalidInput(f"{shown} did not return JSON.") from exc
        if not isinstance(document, dict):
            raise InvalidInput(f"{shown} did not return a JSON object.")
        self.cache.put(url, document, len(body))
        return document

    def _get(self, url: str, end: float, limit: str) -> bytes:
        shown = url[:200]
        try:
            with self._client.stream(
                "GET", url, timeout=max(end - time.monotonic(), 0.001)
            ) as response:
                if response.status_code == 404:
                    raise NotFound(f"{shown} was not found (404).")
                if 300 <= response.status_code < 400:
                    raise MicrocredError(
                        f"{shown} answered with a redirect (HTTP {response.status_code}); "
                        "redirects are not followed."
                    )
                if response.status_code != 200:
                    raise MicrocredError(f"{shown} answered HTTP {response.status_code}.")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self._max_bytes:
                        raise PayloadTooLarge(
                            f"{shown} returned more than {self._max_bytes} bytes."
                        )
                    if time.monotonic() > end:
                        raise FetchTimedOut(f"Could not fetch {shown} within {limit} s.")
                return bytes(body)
        except httpx.TimeoutException as exc:
            raise FetchTimedOut(f"Could not fetch {shown} within {limit} s.") from exc
        except httpx.HTTPError as exc:
            raise MicrocredError(f"{shown} could not be fetched: {type(exc).__name__}.") from exc

    def forget(self, url: str | None = None) -> None:
        """Drop one cached document, or all of them."""
        self.cache.forget(url)
