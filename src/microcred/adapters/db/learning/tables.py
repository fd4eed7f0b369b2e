"""Tables for learning: rubrics and graded work, pathways, enrolments and submissions."""

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


class RubricRow(Base):
    """The rubric of one micro-credential (criteria, levels, references, exemplars)."""

    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("achievement_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    #: confidence below which a review goes to a person, unless measured trust says otherwise
    threshold: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GradedAnswerRow(Base):
    """Human-graded work of a rubric: what the AI learns from and is measured against."""

    __tablename__ = "graded_answers"
    __table_args__ = (Index("ix_graded_rubric", "organisation_id", "rubric_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    rubric_id: Mapped[str] = mapped_column(ForeignKey("rubrics.id"))
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[dict[str, object]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))
    submission_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PathwayRow(Base):
    """A course or pathway embedding micro-credentials."""

    __tablename__ = "pathways"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    requirement: Mapped[dict[str, object]] = mapped_column(JSON)
    prerequisites: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnrolmentRow(Base):
    """A learner enrolled in a pathway or a single micro-credential."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "pathway_id", "achievement_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    pathway_id: Mapped[str | None] = mapped_column(ForeignKey("pathways.id"))
    achievement_id: Mapped[str | None] = mapped_column(ForeignKey("achievements.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubmissionRow(Base):
    """One version of a learner's evidence; every version is kept."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("user_id", "achievement_id", "version"),
        Index("ix_submissions_queue", "organisation_id", "status"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    parts: Mapped[list[object]] = mapped_column(JSON)
    review: Mapped[dict[str, object] | None] = mapped_column(JSON)
    decision: Mapped[dict[str, object] | None] = mapped_column(JSON)
    feedback: Mapped[str | None] = mapped_column(Text)
    credential_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CodeAssignmentRow(Base):
    """The instructor's tests for a code micro-credential and how they map to criteria."""

    __tablename__ = "code_assignments"
    __table_args__ = (UniqueConstraint("achievement_id"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    achievement_id: Mapped[str] = mapped_column(ForeignKey("achievements.id"))
    tests_blob: Mapped[str] = mapped_column(String(64))
    tests_filename: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[list[object]] = mapped_column(JSON)
    pass_fraction: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(32))
    #: the test verdict may decide alone when every test ran to a clear result
    auto_decide: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: share of clean runs sampled for a human audit, and the audits under these tests
    audit_share: Mapped[float] = mapped_column(Float, server_default="0.05")
    audit_both_pass: Mapped[int] = mapped_column(Integer, server_default="0")
    audit_both_fail: Mapped[int] = mapped_column(Integer, server_default="0")
    audit_false_pass: Mapped[int] = mapped_column(Integer, server_default="0")
    audit_false_fail: Mapped[int] = mapped_column(Integer, server_default="0")
