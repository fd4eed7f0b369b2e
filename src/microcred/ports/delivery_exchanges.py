"""What the DCC wallet's VC-API exchanges need: single-use, expiring exchanges (one per offer
of a credential to a wallet), stored per organisation under the hash of their secret token."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ExchangeState(enum.StrEnum):
    """Where an exchange stands: open until a wallet completes it (or it expires)."""

    PENDING = "pending"
    COMPLETED = "completed"


@dataclass(slots=True)
class WalletExchange:
    """An offer of one credential to whichever wallet proves control of a DID over
    ``challenge`` first; ``token_hash`` is SHA-256 of the URL's secret token (hex)."""

    token_hash: str
    organisation_id: str
    credential_id: str
    user_id: str
    challenge: str
    state: ExchangeState
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None = None
    holder_did: str | None = None
    bound_credential_id: str | None = None


class WalletExchangeRepository(Protocol):
    """Wallet exchanges of one organisation."""

    def add(self, exchange: WalletExchange) -> None: ...
    def get(self, token_hash: str) -> WalletExchange | None: ...
    def complete(
        self, token_hash: str, holder_did: str, bound_credential_id: str, at: datetime
    ) -> bool:
        """Mark a pending exchange completed; False when it was not pending (already used)."""
        ...

    def open_for(self, credential_id: str, now: datetime) -> int:
        """How many unexpired pending exchanges the credential has."""
        ...
