"""Fetching JSON documents over HTTP(S) for verification: did:web and other issuers' status
lists. Bounded in size and time, cached for a while, never following redirects off-site."""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from microcred.credentials.parsing import load_json
from microcred.errors import InvalidInput, MicrocredError, NotFound, PayloadTooLarge

MAX_DOCUMENT_BYTES = 4_000_000


class HttpFetcher:
    """A small caching JSON fetcher."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        cache_seconds: float = 300.0,
        allow_http: bool = False,
        ca_bundle: str | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._client = client or httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"Accept": "application/json"},
            verify=ssl.create_default_context(cafile=ca_bundle) if ca_bundle else True,
        )
        self._ttl = cache_seconds
        self._allow_http = allow_http
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, url: str) -> dict[str, Any]:
        scheme = urlsplit(url).scheme
        if scheme != "https" and not (self._allow_http and scheme == "http"):
            raise InvalidInput(f"Only https URLs are fetched, not {url[:100]}.")
        with self._lock:
            hit = self._cache.get(url)
            if hit and hit[0] > time.monotonic():
                return hit[1]
        document = self._get(url)
        with self._lock:
            self._cache[url] = (time.monotonic() + self._ttl, document)
        return document

    def _get(self, url: str) -> dict[str, Any]:
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code == 404:
                    raise NotFound(f"{url} was not found (404).")
                if response.status_code != 200:
                    raise MicrocredError(f"{url} answered HTTP {response.status_code}.")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise PayloadTooLarge(
                            f"{url} returned more than {MAX_DOCUMENT_BYTES} bytes."
                        )
        except httpx.HTTPError as exc:
            raise MicrocredError(f"{url} could not be fetched: {type(exc).__name__}.") from exc
        try:
            document = load_json(bytes(body), max_bytes=MAX_DOCUMENT_BYTES, what=url)
        except PayloadTooLarge:
            raise
        except InvalidInput as exc:
            raise InvalidInput(f"{url} did not return JSON.") from exc
        if not isinstance(document, dict):
            raise InvalidInput(f"{url} did not return a JSON object.")
        return document

    def forget(self, url: str | None = None) -> None:
        """Drop one cached document, or all of them."""
        with self._lock:
            if url is None:
                self._cache.clear()
            else:
                self._cache.pop(url, None)
