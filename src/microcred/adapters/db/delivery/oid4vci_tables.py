"""Tables for OpenID4VCI issuance: credential offers (codes and tokens as SHA-256 hashes) and
single-use proof nonces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class Oid4vciOfferRow(Base):
    """One credential offer: which credential, its secrets' hashes and how far it got."""

    __tablename__ = "oid4vci_offers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(36))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64))
    tx_code_failures: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    holder_did: Mapped[str | None] = mapped_column(String(2048))
    bound_credential_id: Mapped[str | None] = mapped_column(ForeignKey("credentials.id"))


class Oid4vciNonceRow(Base):
    """A ``c_nonce`` handed out by the Nonce Endpoint, until a proof uses it or it expires."""

    __tablename__ = "oid4vci_nonces"
    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
