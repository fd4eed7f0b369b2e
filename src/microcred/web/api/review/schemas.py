"""API models for rubrics, graded imports, the review queue and decisions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from microcred.domain.review_json import review_to_json
from microcred.services.review import QueueItem
from microcred.web.api.learning.schemas import SubmissionPublic
from microcred.web.api.schemas import Strict

#: The parts of the tests' verdict a reviewer sees beside the code.
TESTS_VERDICT_FIELDS = ("passed", "points", "maxPoints", "criteria", "feedback")


class RubricUpdate(Strict):
    """A rubric: criteria with levels (ascending points), references and exemplars."""

    title: Annotated[str, StringConstraints(max_length=300)] = ""
    task: Annotated[str, StringConstraints(max_length=20_000)] = ""
    criteria: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=20)]
    pass_points: float | None = None
    human_agreement: Annotated[float, Field(ge=-1, le=1)] | None = None
    #: the confidence at or above which the AI may decide alone (only ever stricter than measured)
    threshold: Annotated[float, Field(ge=0, le=1)] | None = None


class GradedImport(Strict):
    """Work humans already graded, to teach and measure the AI."""

    items: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=5000)]


class ReviewDecision(Strict):
    """A reviewer's decision: accept the AI's suggestion, or points per criterion (a rubric) or
    passed (no rubric), with feedback."""

    accept_ai: bool = False
    points: dict[str, float] | None = None
    passed: bool | None = None
    feedback: Annotated[str, StringConstraints(max_length=10_000)] = ""


def queue_item_json(item: QueueItem) -> dict[str, Any]:
    """A submission beside its rubric, the AI's suggestion or the tests' verdict, and its code."""
    verdict = review_to_json(item.tests_verdict) if item.tests_verdict else None
    return {
        "submission": SubmissionPublic.of(item.submission).model_dump(mode="json"),
        "rubric": item.rubric,
        "ai_suggestion": review_to_json(item.suggestion) if item.suggestion else None,
        "why_a_person": item.route_reason,
        "tests_verdict": {k: verdict[k] for k in TESTS_VERDICT_FIELDS} if verdict else None,
        "source": [{"path": f.path, "text": f.text, "note": f.note} for f in item.source],
    }
