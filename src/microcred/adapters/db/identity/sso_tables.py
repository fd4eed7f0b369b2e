"""Tables for single sign-on: one provider per organisation (the client secret sealed), the
pending sign-ins (single use) and the subject-to-user links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class SsoProviderRow(Base):
    """An organisation's OpenID Connect provider."""

    __tablename__ = "sso_providers"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(2048))
    client_id: Mapped[str] = mapped_column(String(255))
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    role_claim: Mapped[str] = mapped_column(String(100))
    role_map: Mapped[dict[str, str]] = mapped_column(JSON)
    default_role: Mapped[str] = mapped_column(String(32))
    just_in_time: Mapped[bool] = mapped_column(Boolean)
    password_sign_in: Mapped[bool] = mapped_column(Boolean)
    enabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))


class SsoPendingRow(Base):
    """A sign-in on its way through the provider (found by the digest of its ``state``)."""

    __tablename__ = "sso_pending"
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(String(128))
    browser_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SsoIdentityRow(Base):
    """A provider's subject, linked to one user."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("organisation_id", "issuer", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    issuer: Mapped[str] = mapped_column(String(2048))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
