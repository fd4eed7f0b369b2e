"""Verifying any credential: ours are checked against our own published documents, others'
through the injected fetcher (none when offline)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from microcred.credentials.verify import ExtraCheck, VerificationReport, Verifier
from microcred.errors import Offline
from microcred.ports.clock import Clock
from microcred.ports.credentials import DocumentFetcher
from microcred.services.credentials.fetch_budget import FetchBudget
from microcred.services.credentials.status import PublicDocuments
from microcred.services.urls import PublicUrls


class LocalFirstFetcher:
    """Serves this server's own status lists and DID documents from the database; hands every
    other URL to the remote fetcher (or refuses when there is none)."""

    def __init__(
        self,
        public: PublicDocuments,
        urls: PublicUrls,
        remote: Callable[[str], dict[str, Any]] | None,
    ) -> None:
        self._public = public
        self._urls = urls
        self._remote = remote
        self._host = urlsplit(urls.base).netloc

    def __call__(self, url: str) -> dict[str, Any]:
        parts = urlsplit(url)
        if parts.netloc == self._host:
            segments = [s for s in parts.path.split("/") if s]
            if len(segments) == 2 and segments[0] == "status":
                return self._public.status_list(segments[1])
            if len(segments) == 3 and segments[0] == "orgs" and segments[2] == "did.json":
                return self._public.did_document(segments[1])
        if self._remote is None:
            raise Offline(f"{url[:120]} cannot be fetched while verifying offline.")
        return self._remote(url)


class VerificationService:
    """Verifies credentials as the API and CLI expose it."""

    def __init__(
        self,
        public: PublicDocuments,
        urls: PublicUrls,
        clock: Clock,
        remote: DocumentFetcher | None,
        *,
        deadline_seconds: float = 10.0,
        max_fetches: int = 16,
    ) -> None:
        self._public = public
        self._urls = urls
        self._clock = clock
        self._remote = remote
        self._deadline_seconds = deadline_seconds
        self._max_fetches = max_fetches

    def budget(self) -> FetchBudget | None:
        """A fresh allowance of remote fetches for one verification (None without a remote)."""
        if self._remote is None:
            return None
        return FetchBudget(
            self._remote, seconds=self._deadline_seconds, max_fetches=self._max_fetches
        )

    def verifier(self, extra: Sequence[ExtraCheck] = ()) -> Verifier:
        """A verifier with its own fetch allowance that also runs ``extra`` checks."""
        fetch = LocalFirstFetcher(self._public, self._urls, self.budget())
        return Verifier(fetch=fetch, clock=self._clock.now, extra_checks=tuple(extra))

    def verify(
        self,
        credential: Mapping[str, Any] | str,
        *,
        offline: bool = False,
        documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> VerificationReport:
        """Run every check; ``offline`` stops all network access (own documents still count).
        Remote fetches share one deadline and a cap (`FetchBudget`)."""
        fetch = LocalFirstFetcher(self._public, self._urls, None if offline else self.budget())
        verifier = Verifier(fetch=fetch, documents=dict(documents or {}), clock=self._clock.now)
        return verifier.verify(credential)
