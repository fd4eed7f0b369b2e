"""What issuing, publishing and verifying credentials need: keys, micro-credentials,
credentials, status lists, the public reader and the remote document fetcher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from microcred.domain.achievement import Achievement, StatusPurpose
from microcred.domain.credential import CredentialStatus, IssuedCredential, StatusAction
from microcred.domain.identity import Organisation


@dataclass(slots=True)
class SigningKeyRecord:
    """A stored issuer key; the private half only ever sealed."""

    id: str
    organisation_id: str
    algorithm: str  # "Ed25519" or "RS256"
    public: str  # publicKeyMultibase, or an RSA JWK as JSON
    sealed_private: bytes
    fragment: str
    active: bool
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(slots=True)
class StatusListRecord:
    """One Bitstring Status List of an organisation."""

    id: str
    organisation_id: str
    purpose: StatusPurpose
    key_id: str
    size: int
    bits: bytes
    allocated: int
    version: int
    signed_document: str | None
    signed_version: int
    created_at: datetime


@dataclass(slots=True)
class StatusChangeRecord:
    """An audit entry for a status change."""

    id: str
    organisation_id: str
    credential_id: str
    action: StatusAction
    reason: str
    actor_user_id: str | None
    at: datetime


class KeyRepository(Protocol):
    """Signing keys of one organisation."""

    def add(self, key: SigningKeyRecord) -> None: ...
    def get(self, key_id: str) -> SigningKeyRecord | None: ...
    def active(self, algorithm: str) -> SigningKeyRecord | None: ...
    def list(self) -> Sequence[SigningKeyRecord]: ...
    def update(self, key: SigningKeyRecord) -> None: ...


class AchievementRepository(Protocol):
    """Micro-credential definitions of one organisation."""

    def add(self, achievement: Achievement) -> None: ...
    def get(self, achievement_id: str) -> Achievement | None: ...
    def list(self, *, offset: int = 0, limit: int = 50) -> Sequence[Achievement]: ...
    def update(self, achievement: Achievement) -> None: ...


class CredentialRepository(Protocol):
    """Issued credentials of one organisation."""

    def add(self, credential: IssuedCredential) -> None: ...
    def get(self, credential_id: str) -> IssuedCredential | None: ...
    def list(
        self,
        *,
        achievement_id: str | None = None,
        recipient_email: str | None = None,
        status: CredentialStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[IssuedCredential]: ...
    def set_status(self, credential_id: str, status: CredentialStatus) -> None: ...
    def record_change(self, change: StatusChangeRecord) -> None: ...
    def changes(self, credential_id: str) -> Sequence[StatusChangeRecord]: ...


class StatusListRepository(Protocol):
    """Status lists of one organisation."""

    def add(self, status_list: StatusListRecord) -> None: ...
    def get(self, list_id: str) -> StatusListRecord | None: ...
    def open_list(self, purpose: StatusPurpose, key_id: str) -> StatusListRecord | None: ...
    def index_taken(self, list_id: str, index: int) -> bool: ...
    def save(self, status_list: StatusListRecord) -> None: ...


class PublicReader(Protocol):
    """What anyone may read without signing in: published documents, by their public id."""

    def credential(self, credential_id: str) -> IssuedCredential | None: ...
    def status_list(self, list_id: str) -> StatusListRecord | None: ...
    def organisation_by_slug(self, slug: str) -> Organisation | None: ...
    def keys_of(self, organisation_id: str) -> Sequence[SigningKeyRecord]: ...
    def all_credentials(self) -> Sequence[IssuedCredential]: ...
    def all_status_lists(self) -> Sequence[StatusListRecord]: ...
    def all_status_changes(self) -> Sequence[StatusChangeRecord]: ...


class DocumentFetcher(Protocol):
    """Fetches JSON documents over the network (did:web, status lists), with limits;
    ``deadline`` (a `time.monotonic` value) cuts a fetch short of its own timeout."""

    def __call__(self, url: str, *, deadline: float | None = None) -> dict[str, Any]: ...
