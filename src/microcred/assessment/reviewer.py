"""What every reviewer returns, and the decision that is finally recorded.

A ``Reviewer`` (embedding, trained, code-runner, LLM) turns an answer into a ``Review``: a level
per criterion, the total, pass or fail, feedback that cites the rubric and a calibrated confidence
(the probability that a human grader would put every criterion on the same level). A review is a
suggestion. Routing (``microcred.assessment.routing``) decides whether it stands alone; the result
is a ``Decision`` that records who decided and how reliable the AI has measured to be on the
rubric, ready for a credential's ``result`` and evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from microcred.assessment.rubric import Rubric
from microcred.errors import InvalidInput


class DecidedBy(StrEnum):
    """Who made a grading decision."""

    AI = "ai"
    AI_ACCEPTED_BY_HUMAN = "ai_accepted_by_human"
    HUMAN = "human"


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """The level given on one criterion, with its confidence and feedback."""

    criterion_id: str
    level: str
    points: float
    #: Calibrated probability that a human grader gives the same level.
    confidence: float
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Agreement:
    """Measured agreement between the AI and human graders on one rubric.

    ``qwk`` and ``exact`` are over all ``n`` held-out human-graded answers; ``auto_qwk`` and
    ``auto_share`` are for the answers the AI would decide alone under the routing threshold
    (``auto_qwk`` is ``metrics.subset_kappa``: QWK chance-corrected on the rubric's whole score
    distribution, comparable with ``human_qwk``).
    """

    qwk: float
    exact: float
    n: int
    auto_qwk: float | None = None
    auto_share: float = 0.0
    #: Human–human agreement on the rubric, when known.
    human_qwk: float | None = None
    method: str = "cross-validation on human-graded answers"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "qwk": round(self.qwk, 4),
            "exact": round(self.exact, 4),
            "n": self.n,
            "auto_qwk": None if self.auto_qwk is None else round(self.auto_qwk, 4),
            "auto_share": round(self.auto_share, 4),
            "human_qwk": None if self.human_qwk is None else round(self.human_qwk, 4),
            "method": self.method,
        }


@dataclass(frozen=True, slots=True)
class Review:
    """A reviewer's suggestion for one answer against one rubric."""

    rubric_id: str
    rubric_version: int
    reviewer: str
    scores: tuple[CriterionScore, ...]
    points: float
    max_points: float
    passed: bool
    #: Calibrated probability that a human gives the same levels on every criterion.
    confidence: float
    feedback: str

    @classmethod
    def from_scores(
        cls, rubric: Rubric, reviewer: str, scores: Sequence[CriterionScore], feedback: str
    ) -> Review:
        """Totals, pass/fail and overall confidence from the per-criterion scores."""
        points = sum(s.points for s in scores)
        confidence = 1.0
        for s in scores:
            confidence *= s.confidence
        return cls(
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            reviewer=reviewer,
            scores=tuple(scores),
            points=points,
            max_points=rubric.max_points,
            passed=points >= rubric.pass_mark,
            confidence=confidence,
            feedback=feedback,
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """The grade that stands: who decided, on what, and how far the AI is trusted there."""

    rubric_id: str
    rubric_version: int
    scores: tuple[CriterionScore, ...]
    points: float
    max_points: float
    passed: bool
    feedback: str
    decided_by: DecidedBy
    #: The AI review this decision rests on (``None`` when a human graded without one).
    review: Review | None
    agreement: Agreement | None
    reviewer_id: str | None = None
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def by_ai(cls, review: Review, agreement: Agreement | None) -> Decision:
        """The AI's review stands alone (routing allowed it)."""
        return cls._of(review, DecidedBy.AI, review, agreement, None)

    @classmethod
    def accepted(cls, review: Review, agreement: Agreement | None, reviewer_id: str) -> Decision:
        """A human reviewer accepted the AI's suggestion as it is."""
        return cls._of(review, DecidedBy.AI_ACCEPTED_BY_HUMAN, review, agreement, reviewer_id)

    @classmethod
    def by_human(
        cls,
        rubric: Rubric,
        points_by_criterion: dict[str, float],
        feedback: str,
        reviewer_id: str,
        *,
        review: Review | None = None,
        agreement: Agreement | None = None,
    ) -> Decision:
        """A human graded (or overrode the AI); every criterion must get one of its levels."""
        if set(points_by_criterion) != {c.id for c in rubric.criteria}:
            raise InvalidInput("A human grade must give a level on every criterion of the rubric.")
        scores = []
        for c in rubric.criteria:
            idx = c.level_index(points_by_criterion[c.id])
            scores.append(CriterionScore(c.id, c.levels[idx].name, c.levels[idx].points, 1.0))
        points = sum(s.points for s in scores)
        return cls(
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            scores=tuple(scores),
            points=points,
            max_points=rubric.max_points,
            passed=points >= rubric.pass_mark,
            feedback=feedback,
            decided_by=DecidedBy.HUMAN,
            review=review,
            agreement=agreement,
            reviewer_id=reviewer_id,
        )

    @classmethod
    def _of(
        cls,
        source: Review,
        who: DecidedBy,
        review: Review,
        agreement: Agreement | None,
        reviewer_id: str | None,
    ) -> Decision:
        return cls(
            rubric_id=source.rubric_id,
            rubric_version=source.rubric_version,
            scores=source.scores,
            points=source.points,
            max_points=source.max_points,
            passed=source.passed,
            feedback=source.feedback,
            decided_by=who,
            review=review,
            agreement=agreement,
            reviewer_id=reviewer_id,
        )

    def as_result(self) -> dict[str, Any]:
        """A JSON-ready record for a credential's ``result`` and evidence."""
        return {
            "rubric": {"id": self.rubric_id, "version": self.rubric_version},
            "points": self.points,
            "maxPoints": self.max_points,
            "passed": self.passed,
            "decidedBy": self.decided_by.value,
            "decidedByUser": self.reviewer_id,
            "reviewer": self.review.reviewer if self.review else None,
            "aiConfidence": round(self.review.confidence, 4) if self.review else None,
            "measuredAgreement": self.agreement.as_dict() if self.agreement else None,
            "criteria": [
                {"id": s.criterion_id, "level": s.level, "points": s.points} for s in self.scores
            ],
            "feedback": self.feedback,
        }


class Reviewer(Protocol):
    """Anything that reviews answers against a rubric."""

    @property
    def name(self) -> str:
        """A stable name recorded with every review (e.g. ``trained/minilm-static``)."""

    def review(self, rubric: Rubric, answers: Sequence[str]) -> list[Review]:
        """One review per answer, in order."""
