"""Rubrics, code assignments and human-graded work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(slots=True)
class RubricRecord:
    """A stored rubric (its criteria as JSON) of one micro-credential."""

    id: str
    achievement_id: str
    version: int
    data: dict[str, Any]
    threshold: float | None
    updated_at: datetime


@dataclass(slots=True)
class CodeAssignmentRecord:
    """The instructor's tests (an archive in the blob store) mapped to criteria."""

    id: str
    achievement_id: str
    tests_blob: str
    tests_filename: str
    criteria: list[dict[str, Any]]
    pass_fraction: float
    language: str
    auto_decide: bool
    updated_at: datetime
    #: share of clean runs sampled for a human audit
    audit_share: float
    #: audits under these tests: (both pass, both fail, tests pass/person fails, the reverse)
    audit_counts: tuple[int, int, int, int] = (0, 0, 0, 0)


class RubricRepository(Protocol):
    """Rubrics, code assignments and human-graded work."""

    def code_assignment(self, achievement_id: str) -> CodeAssignmentRecord | None: ...
    def save_code_assignment(self, record: CodeAssignmentRecord) -> None: ...
    def record_code_audit(
        self, achievement_id: str, tests_blob: str, tests_passed: bool, person_passed: bool
    ) -> None: ...
    def for_achievement(self, achievement_id: str) -> RubricRecord | None: ...
    def assessed_achievements(self) -> tuple[set[str], set[str]]:
        """The ids of the micro-credentials with a rubric, and of those with a code assignment."""
        ...

    def save(self, record: RubricRecord) -> None: ...
    def add_graded(
        self,
        graded_id: str,
        rubric_id: str,
        text: str,
        points: dict[str, float],
        source: str,
        submission_id: str | None,
        now: datetime,
    ) -> None: ...
    def graded(self, rubric_id: str) -> list[tuple[str, dict[str, float]]]: ...
    def count_graded(self, rubric_id: str) -> int: ...
