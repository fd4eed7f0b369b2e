"""Tables for the DCC wallet's VC-API exchanges: one row per single-use offer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class WalletExchangeRow(Base):
    """An exchange, keyed by the SHA-256 of its secret token (never the token itself)."""

    __tablename__ = "wallet_exchanges"
    __table_args__ = (
        Index("ix_wallet_exchanges_org_credential", "organisation_id", "credential_id"),
    )
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    user_id: Mapped[str] = mapped_column(String(36))
    challenge: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    holder_did: Mapped[str | None] = mapped_column(String(2048))
    bound_credential_id: Mapped[str | None] = mapped_column(String(36))
