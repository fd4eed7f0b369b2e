"""What the LTI 1.3 tool needs: an organisation's platform registrations, the tool's own
signing keys (sealed), the pending third-party-initiated logins (``state`` and ``nonce``, used
once, bound to the browser), links from a platform's users to microcred users, the line items
scores go back to, and the guarded client that talks to platforms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(slots=True)
class LtiPlatform:
    """A learning platform (an LMS) registered with one organisation."""

    id: str
    organisation_id: str
    name: str
    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    jwks_url: str
    #: whether a launch by someone without an account creates one (a learner)
    just_in_time: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class LtiToolKey:
    """One of the tool's RSA key pairs (the private key sealed), published in its JWKS."""

    kid: str
    organisation_id: str
    sealed_private: bytes
    created_at: datetime


@dataclass(slots=True)
class LtiPendingLogin:
    """A login sent to the platform's auth endpoint and not yet back."""

    state_hash: str
    organisation_id: str
    platform_id: str
    nonce: str
    browser_hash: str
    created_at: datetime
    used_at: datetime | None = None


@dataclass(slots=True)
class LtiIdentity:
    """A platform's user (``iss`` + ``sub``) linked to one user of the organisation."""

    organisation_id: str
    issuer: str
    subject: str
    user_id: str
    created_at: datetime
    last_launch_at: datetime


@dataclass(slots=True)
class LtiLineItem:
    """Where a user's result on a micro-credential goes: a platform's AGS line item."""

    id: str
    organisation_id: str
    platform_id: str
    user_id: str
    subject: str
    achievement_id: str
    lineitem_url: str
    created_at: datetime


class LtiRepository(Protocol):
    """LTI rows of one organisation."""

    def platforms(self) -> Sequence[LtiPlatform]: ...
    def platform(self, platform_id: str) -> LtiPlatform | None: ...
    def platform_for(self, issuer: str, client_id: str | None) -> LtiPlatform | None:
        """The registration of ``issuer`` (and ``client_id`` when given; with None, the one
        registration of that issuer, or None when there are several)."""
        ...

    def save_platform(self, platform: LtiPlatform) -> None: ...
    def delete_platform(self, platform_id: str) -> bool: ...
    def tool_keys(self) -> Sequence[LtiToolKey]:
        """The tool's keys, newest first."""
        ...

    def add_tool_key(self, key: LtiToolKey) -> None: ...
    def add_pending(self, pending: LtiPendingLogin) -> None: ...
    def take_pending(self, state_hash: str, now: datetime) -> LtiPendingLogin | None:
        """The pending login, marked used in this transaction; None when unknown or used."""
        ...

    def prune_pending(self, before: datetime) -> int: ...
    def identity(self, issuer: str, subject: str) -> LtiIdentity | None: ...
    def save_identity(self, identity: LtiIdentity) -> None: ...
    def save_line_item(self, item: LtiLineItem) -> None:
        """Store the line item, or replace the one of the same platform, user and URL."""
        ...

    def line_item(self, item_id: str) -> LtiLineItem | None: ...
    def line_items_for(self, user_id: str, achievement_id: str) -> Sequence[LtiLineItem]: ...


class LtiClient(Protocol):
    """Talks to platforms through the guarded HTTP client (public addresses or the on-premises
    allow-list only, deadlines, size caps, no redirects)."""

    def verified_claims(self, jwks_url: str, token: str) -> dict[str, Any]:
        """The claims of a JWT whose RS256 signature holds under the platform's JWKS (cached;
        an unknown ``kid`` refetches it once)."""
        ...

    def access_token(self, token_url: str, assertion: str, scopes: Sequence[str]) -> str:
        """An access token from the platform's token URL for a signed client assertion
        (client-credentials grant, RFC 7523)."""
        ...

    def post_score(self, lineitem_url: str, access_token: str, score: dict[str, Any]) -> int:
        """POST ``score`` to the line item's ``/scores``; the platform's HTTP status."""
        ...
