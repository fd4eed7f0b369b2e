"""One verification's allowance of remote fetches: a deadline for all of them together and a
most-fetches cap. A URL that failed once in a verification fails again at once, unfetched."""

from __future__ import annotations

import time
from typing import Any

from microcred.errors import FetchTimedOut, MicrocredError
from microcred.ports.credentials import DocumentFetcher


class FetchBudget:
    """Wraps a `DocumentFetcher` for one verification: ``seconds`` for every fetch together
    (each also bounded by the fetcher's own timeout), at most ``max_fetches`` of them."""

    def __init__(self, remote: DocumentFetcher, *, seconds: float, max_fetches: int) -> None:
        self._remote = remote
        self._seconds = seconds
        self._deadline = time.monotonic() + seconds
        self._left = max_fetches
        self._max = max_fetches
        self._failed: dict[str, MicrocredError] = {}

    def __call__(self, url: str) -> dict[str, Any]:
        """The document at ``url``, fetched within what is left of the budget."""
        if url in self._failed:
            raise self._failed[url]
        try:
            if time.monotonic() >= self._deadline:
                raise FetchTimedOut(
                    f"Could not fetch {url[:200]} within {self._seconds:g} s: the time for "
                    "this whole verification was used up."
                )
            if self._left <= 0:
                raise MicrocredError(
                    f"{url[:200]} was not fetched: this verification already fetched "
                    f"{self._max} documents, the most allowed."
                )
            self._left -= 1
            return self._remote(url, deadline=self._deadline)
        except MicrocredError as exc:
            self._failed[url] = exc
            raise
