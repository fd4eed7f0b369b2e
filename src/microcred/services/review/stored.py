"""The stored JSON form of an AI review and of its measured agreement."""

from __future__ import annotations

from typing import Any

from microcred.assessment.reviewer import Agreement, CriterionScore, Review


def review_to_json(review: Review) -> dict[str, Any]:
    """A stored AI review."""
    return {
        "rubric_id": review.rubric_id,
        "rubric_version": review.rubric_version,
        "reviewer": review.reviewer,
        "points": review.points,
        "max_points": review.max_points,
        "passed": review.passed,
        "confidence": review.confidence,
        "feedback": review.feedback,
        "scores": [
            {
                "criterion_id": s.criterion_id,
                "level": s.level,
                "points": s.points,
                "confidence": s.confidence,
                "feedback": s.feedback,
            }
            for s in review.scores
        ],
    }


def review_from_json(data: dict[str, Any]) -> Review:
    """Read `review_to_json` output."""
    return Review(
        rubric_id=data["rubric_id"],
        rubric_version=int(data["rubric_version"]),
        reviewer=data["reviewer"],
        scores=tuple(
            CriterionScore(
                s["criterion_id"],
                s["level"],
                float(s["points"]),
                float(s["confidence"]),
                s.get("feedback", ""),
            )
            for s in data["scores"]
        ),
        points=float(data["points"]),
        max_points=float(data["max_points"]),
        passed=bool(data["passed"]),
        confidence=float(data["confidence"]),
        feedback=data.get("feedback", ""),
    )


def agreement_from_json(data: dict[str, Any] | None) -> Agreement | None:
    """Read a stored `Agreement` (None when none was measured)."""
    if not data:
        return None
    return Agreement(**{k: v for k, v in data.items() if k in Agreement.__dataclass_fields__})
