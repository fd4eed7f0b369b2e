"""A least-recently-used cache of fetched documents, bounded in entries and in bytes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class DocumentCache:
    """Keeps at most ``max_entries`` documents and ``max_bytes`` of their JSON, each for
    ``ttl`` seconds; the least recently used go first."""

    def __init__(self, *, ttl: float, max_entries: int, max_bytes: int) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[float, int, dict[str, Any]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        """The bytes held now (as received)."""
        return self._bytes

    def get(self, url: str) -> dict[str, Any] | None:
        """The cached document, if fresh."""
        with self._lock:
            hit = self._entries.get(url)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                self._drop(url)
                return None
            self._entries.move_to_end(url)
            return hit[2]

    def put(self, url: str, document: dict[str, Any], size: int) -> None:
        """Keep ``document`` (``size`` bytes as received); one larger than the cache is not kept."""
        if self._ttl <= 0 or self._max_entries <= 0 or size > self._max_bytes:
            return
        with self._lock:
            self._drop(url)
            self._entries[url] = (time.monotonic() + self._ttl, size, document)
            self._bytes += size
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def forget(self, url: str | None = None) -> None:
        """Drop one document, or all of them."""
        with self._lock:
            if url is None:
                self._entries.clear()
                self._bytes = 0
            else:
                self._drop(url)

    def _drop(self, url: str) -> None:
        old = self._entries.pop(url, None)
        if old is not None:
            self._bytes -= old[1]
