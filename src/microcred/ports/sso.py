"""What single sign-on (OpenID Connect) needs: an organisation's provider registration, the
pending sign-ins (``state``, ``nonce``, PKCE verifier; each used once), the links from an
identity provider's subjects to users, and the guarded client that talks to the provider."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(slots=True)
class SsoProvider:
    """An organisation's OpenID Connect provider (one per organisation)."""

    organisation_id: str
    display_name: str
    issuer: str
    client_id: str
    sealed_secret: bytes
    #: the ID-token claim whose values map to roles ("" for none), and the mapping
    role_claim: str
    role_map: dict[str, str]
    #: the role a just-in-time account gets when no mapped value is present
    default_role: str
    just_in_time: bool
    password_sign_in: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @property
    def password_allowed(self) -> bool:
        """Whether password sign-in is open (always, unless SSO is on and replaces it)."""
        return self.password_sign_in or not self.enabled


@dataclass(slots=True)
class PendingSignIn:
    """A sign-in sent to the provider and not yet back: found by its ``state`` digest, bound
    to the browser that started it, used at most once."""

    state_hash: str
    organisation_id: str
    nonce: str
    code_verifier: str
    browser_hash: str
    created_at: datetime
    used_at: datetime | None = None


@dataclass(slots=True)
class SsoIdentity:
    """A provider's subject linked to one user of the organisation."""

    organisation_id: str
    issuer: str
    subject: str
    user_id: str
    created_at: datetime
    last_sign_in_at: datetime


class SsoRepository(Protocol):
    """Single sign-on rows of one organisation."""

    def provider(self) -> SsoProvider | None: ...
    def save_provider(self, provider: SsoProvider) -> None: ...
    def delete_provider(self) -> bool: ...
    def add_pending(self, pending: PendingSignIn) -> None: ...
    def take_pending(self, state_hash: str, now: datetime) -> PendingSignIn | None:
        """The pending sign-in, marked used in this transaction; None when unknown or used."""
        ...

    def prune_pending(self, before: datetime) -> int: ...
    def identity(self, issuer: str, subject: str) -> SsoIdentity | None: ...
    def save_identity(self, identity: SsoIdentity) -> None: ...
    def identities(self) -> Sequence[SsoIdentity]: ...
    def delete_identities(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """The parts of a provider's discovery document microcred uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    signing_algorithms: tuple[str, ...] = field(default=("RS256",))


class OidcClient(Protocol):
    """Talks to providers through the guarded HTTP client (public addresses or the on-premises
    allow-list only, deadlines, size caps, no redirects)."""

    def discover(self, issuer: str, *, fresh: bool = False) -> ProviderMetadata:
        """The provider's metadata (``fresh``: not from the cache); refuses a document whose
        ``issuer`` is not ``issuer``."""
        ...

    def exchange_code(
        self,
        metadata: ProviderMetadata,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        code_verifier: str,
        redirect_uri: str,
    ) -> str:
        """The ID token the token endpoint gives for ``code``."""
        ...

    def verified_claims(self, metadata: ProviderMetadata, id_token: str) -> dict[str, Any]:
        """The ID token's claims once its signature holds under the provider's JWKS (an
        allowed algorithm, never ``none``; an unknown ``kid`` refetches the JWKS once)."""
        ...
