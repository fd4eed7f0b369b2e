"""Enrolments, submissions of evidence, and their review status."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred.domain.review import SubmissionDecision, SubmissionReview
from microcred.errors import Conflict, InvalidInput


class PartKind(enum.StrEnum):
    """What a piece of evidence is."""

    TEXT = "text"
    LINK = "link"
    FILE = "file"
    CODE = "code"  # an archive of code, run against the instructor's tests


class SubmissionStatus(enum.StrEnum):
    """Where a submission stands; visible to the learner while it waits."""

    SUBMITTED = "submitted"  # waiting for the AI review job
    IN_HUMAN_REVIEW = "in_human_review"  # the AI was not sure enough: a person decides
    PASSED = "passed"
    NOT_YET = "not_yet"  # did not meet the bar: feedback given, a new version may follow
    SUPERSEDED = "superseded"  # a newer version was submitted before a decision


_OPEN = {SubmissionStatus.SUBMITTED, SubmissionStatus.IN_HUMAN_REVIEW}


@dataclass(frozen=True, slots=True)
class SubmissionPart:
    """One piece of evidence: text, a link, or a stored file (by its SHA-256)."""

    kind: PartKind
    text: str | None = None
    url: str | None = None
    blob: str | None = None
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON object without empty fields."""
        return {
            k: v
            for k, v in {
                "kind": self.kind.value,
                "text": self.text,
                "url": self.url,
                "blob": self.blob,
                "filename": self.filename,
                "content_type": self.content_type,
                "size": self.size,
            }.items()
            if v is not None
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionPart:
        """Read `to_json` output."""
        return cls(
            PartKind(data["kind"]),
            data.get("text"),
            data.get("url"),
            data.get("blob"),
            data.get("filename"),
            data.get("content_type"),
            data.get("size"),
        )


@dataclass(slots=True)
class Enrolment:
    """A learner taking a pathway (or a single micro-credential) at their own pace."""

    id: str
    organisation_id: str
    user_id: str
    pathway_id: str | None
    achievement_id: str | None
    created_at: datetime


@dataclass(slots=True)
class Submission:
    """One version of a learner's evidence for a micro-credential."""

    id: str
    organisation_id: str
    user_id: str
    achievement_id: str
    version: int
    status: SubmissionStatus
    parts: list[SubmissionPart]
    created_at: datetime
    #: what the AI review job recorded (its suggestion, the tests' verdict, or why a person decides)
    review: SubmissionReview | None = None
    #: the decision that stands, once there is one
    decision: SubmissionDecision | None = None
    credential_id: str | None = None
    decided_at: datetime | None = None
    feedback: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """Still waiting for a decision."""
        return self.status in _OPEN

    @property
    def answer_text(self) -> str:
        """The text the AI reads: text parts, then links (files are not read by text models)."""
        texts = [p.text for p in self.parts if p.kind is PartKind.TEXT and p.text]
        links = [p.url for p in self.parts if p.kind is PartKind.LINK and p.url]
        return "\n\n".join([*texts, *links])

    def require_open(self) -> None:
        """Raise `Conflict` when the submission was already decided."""
        if not self.open:
            outcome = {
                SubmissionStatus.PASSED: "it passed",
                SubmissionStatus.NOT_YET: "it did not pass yet",
                SubmissionStatus.SUPERSEDED: "a newer version replaced it",
            }.get(self.status, self.status.value.replace("_", " "))
            raise Conflict(f"This submission was already decided: {outcome}.")


def check_parts(parts: list[SubmissionPart], max_parts: int = 20) -> None:
    """A submission has 1..``max_parts`` parts, and something to read or run."""
    if not parts:
        raise InvalidInput("Submit at least one piece of evidence (text, link, file or code).")
    if len(parts) > max_parts:
        raise InvalidInput(f"A submission has at most {max_parts} pieces of evidence.")
