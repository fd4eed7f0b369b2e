"""Tables for skills intelligence: role profiles, people's teams and DIDs, self-declared skills,
external applicants and the credentials they presented. Every row carries ``organisation_id``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from microcred.adapters.db.tables import Base, UTCDateTime


class RoleProfileRow(Base):
    """A role the organisation defines: the skills it needs (see `RoleRequirementRow`)."""

    __tablename__ = "role_profiles"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    #: the ESCO occupation the role was seeded from, if any
    source_occupation: Mapped[str | None] = mapped_column(String(2048))
    #: how many people the organisation needs in this role (organisation-wide gaps)
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoleRequirementRow(Base):
    """One required skill of a role, at a level, with a weight."""

    __tablename__ = "role_requirements"
    __table_args__ = (UniqueConstraint("role_id", "skill_uri"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("role_profiles.id"), index=True)
    skill_uri: Mapped[str] = mapped_column(String(2048))
    label: Mapped[str | None] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(Integer)
    weight: Mapped[float] = mapped_column(Float)
    essential: Mapped[bool] = mapped_column(Boolean)


class UserTeamRow(Base):
    """Where a user sits in the organisation: their team and the role they hold now."""

    __tablename__ = "user_teams"
    #: one team's people, in user order (the people list pages through it)
    __table_args__ = (Index("ix_user_teams_org_team", "organisation_id", "team", "user_id"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    current_role_id: Mapped[str | None] = mapped_column(ForeignKey("role_profiles.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserDidRow(Base):
    """A DID a user receives credentials under (credentials are matched to people by it)."""

    __tablename__ = "user_dids"
    __table_args__ = (UniqueConstraint("organisation_id", "did"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    did: Mapped[str] = mapped_column(String(2048))


class DeclaredSkillRow(Base):
    """A skill a user says they have: kept apart, always unverified, never scored."""

    __tablename__ = "declared_skills"
    __table_args__ = (UniqueConstraint("user_id", "skill_uri"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    skill_uri: Mapped[str] = mapped_column(String(2048))
    level: Mapped[int] = mapped_column(Integer)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApplicantRow(Base):
    """An external applicant: a person who is not a user, known by name and e-mail."""

    __tablename__ = "applicants"
    __table_args__ = (UniqueConstraint("organisation_id", "email"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    #: DIDs the applicant says they receive credentials under, as a JSON list
    dids: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApplicantCredentialRow(Base):
    """An OB 3.0 credential an applicant presented, as presented, with its verification result
    and the skills it claims. Only verified ones count."""

    __tablename__ = "applicant_credentials"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    applicant_id: Mapped[str] = mapped_column(ForeignKey("applicants.id"), index=True)
    #: the credential exactly as presented: JSON text, or a compact VC-JWT
    presented: Mapped[str] = mapped_column(Text)
    tlog_proof: Mapped[str | None] = mapped_column(Text)
    tlog_policy: Mapped[str | None] = mapped_column(Text)
    credential_uri: Mapped[str | None] = mapped_column(String(2048))
    issuer: Mapped[str | None] = mapped_column(String(2048))
    name: Mapped[str | None] = mapped_column(String(300))
    verified: Mapped[bool] = mapped_column(Boolean)
    #: the named checks: [{"check", "status", "message"}]
    checks: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    #: the skills the credential claims: [{"skill_uri", "level", "label", "level_stated"}]
    skills: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    presented_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TalentStateRow(Base):
    """A counter per organisation, bumped by every change to the rows above that the skills
    index reads (people, declarations, applicants), so cached indexes know when to rebuild."""

    __tablename__ = "talent_state"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
