"""Where published things live: one place that turns ids into public URLs and DIDs."""

from __future__ import annotations

from dataclasses import dataclass

from microcred.crypto.did import did_web_from_url


@dataclass(frozen=True, slots=True)
class PublicUrls:
    """Public URLs under the server's base URL."""

    base: str

    def credential(self, credential_id: str) -> str:
        """The credential's id and where its JSON is served."""
        return f"{self.base}/credentials/{credential_id}"

    def achievement(self, org_slug: str, achievement_id: str) -> str:
        """The achievement's id."""
        return f"{self.base}/orgs/{org_slug}/achievements/{achievement_id}"

    def status_list(self, list_id: str) -> str:
        """A status list credential."""
        return f"{self.base}/status/{list_id}"

    def did_web(self, org_slug: str) -> str:
        """The organisation's did:web."""
        return did_web_from_url(self.base, "orgs", org_slug)

    def did_document(self, org_slug: str) -> str:
        """Where the did:web document is served."""
        return f"{self.base}/orgs/{org_slug}/did.json"

    def credential_id_from_url(self, url: str) -> str | None:
        """The credential id if ``url`` is one of ours."""
        prefix = f"{self.base}/credentials/"
        return url[len(prefix) :] if url.startswith(prefix) else None

    def status_list_id_from_url(self, url: str) -> str | None:
        """The status list id if ``url`` is one of ours."""
        prefix = f"{self.base}/status/"
        return url[len(prefix) :] if url.startswith(prefix) else None
