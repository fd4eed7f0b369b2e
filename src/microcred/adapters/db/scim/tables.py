"""Tables for SCIM 2.0 provisioning: one bearer token digest per organisation, the provisioned
resources (their SCIM documents beside the columns filters run on) and their multi-valued
parts (a User's e-mail addresses, a Group's members)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class ScimTokenRow(Base):
    """An organisation's provisioning token (its SHA-256 digest)."""

    __tablename__ = "scim_tokens"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(320))


class ScimResourceRow(Base):
    """A provisioned User or Group."""

    __tablename__ = "scim_resources"
    __table_args__ = (
        UniqueConstraint("organisation_id", "kind", "name_lc"),
        Index("ix_scim_resources_org_kind_external", "organisation_id", "kind", "external_id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(300))
    name_lc: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str | None] = mapped_column(String(300))
    display_name: Mapped[str | None] = mapped_column(String(300))
    display_name_lc: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScimValueRow(Base):
    """One value of a resource's multi-valued attribute: ``email`` or ``member``."""

    __tablename__ = "scim_values"
    __table_args__ = (
        Index("ix_scim_values_org_attr_value", "organisation_id", "attr", "value_lc"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    resource_id: Mapped[str] = mapped_column(ForeignKey("scim_resources.id"), index=True)
    attr: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(320))
    value_lc: Mapped[str] = mapped_column(String(320))
