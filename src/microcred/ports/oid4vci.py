"""What OpenID4VCI issuance needs: credential offers (their pre-authorized code, optional
transaction code and access token stored as hashes only) and single-use proof nonces, both
stored per organisation."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Oid4vciOfferState(enum.StrEnum):
    """Where one credential offer stands: each step happens once."""

    #: made; its pre-authorized code may be exchanged for an access token
    OFFERED = "offered"
    #: the code was exchanged; the access token may fetch the credential once
    REDEEMED = "redeemed"
    #: the wallet received its credential
    ISSUED = "issued"
    #: too many wrong transaction codes: refused for good
    BURNED = "burned"


@dataclass(slots=True)
class CredentialOffer:
    """One offer of one credential to one wallet (OpenID4VCI 1.0 section 4)."""

    id: str
    organisation_id: str
    credential_id: str
    created_by: str
    code_hash: str
    state: Oid4vciOfferState
    created_at: datetime
    expires_at: datetime
    tx_code_hash: str | None = None
    tx_code_failures: int = 0
    access_token_hash: str | None = None
    token_expires_at: datetime | None = None
    issued_at: datetime | None = None
    holder_did: str | None = None
    bound_credential_id: str | None = None


class Oid4vciRepository(Protocol):
    """Credential offers and proof nonces of one organisation."""

    def add_offer(self, offer: CredentialOffer) -> None: ...
    def offer_by_code(
        self, code_hash: str, *, for_update: bool = False
    ) -> CredentialOffer | None: ...
    def offer_by_token(
        self, token_hash: str, *, for_update: bool = False
    ) -> CredentialOffer | None: ...
    def save_offer(self, offer: CredentialOffer) -> None: ...
    def add_nonce(self, nonce_hash: str, expires_at: datetime, now: datetime) -> None:
        """Store a nonce (and forget this organisation's expired ones)."""
        ...

    def take_nonce(self, nonce_hash: str, now: datetime) -> bool:
        """Delete an unexpired nonce; True if it was there (each nonce is taken once)."""
        ...
