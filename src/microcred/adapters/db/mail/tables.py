"""Tables for e-mail: credential offers (the claim token hashed), the per-achievement "offer
before issuing" policy, recipients' opt-outs and the log of e-mails queued and sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class CredentialOfferRow(Base):
    """A credential offered to its earner: offered, then accepted or declined."""

    __tablename__ = "credential_offers"
    __table_args__ = (Index("ix_credential_offers_org_email", "organisation_id", "email"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent: Mapped[int] = mapped_column(Integer)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OfferPolicyRow(Base):
    """An achievement whose credentials are offered before they are issued to the wallet."""

    __tablename__ = "offer_policies"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"), primary_key=True)


class MailRecipientRow(Base):
    """One address of an organisation's mail: its opt-out (the unsubscribe link names the id)."""

    __tablename__ = "mail_recipients"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    email: Mapped[str] = mapped_column(String(320))
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailLogRow(Base):
    """One e-mail queued, then sent or skipped (never its body: links in it are secrets)."""

    __tablename__ = "mail_log"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "subject_key"),
        Index("ix_mail_log_org_created", "organisation_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(250))
    skipped: Mapped[str | None] = mapped_column(Text)
