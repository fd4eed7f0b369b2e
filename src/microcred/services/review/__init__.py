"""Reviewing evidence: rubrics, AI and code review, the reviewer queue and decisions.

``ReviewService`` is the feature's entry point (the AI review job, the human queue, decisions);
``RubricService`` keeps rubrics, graded work and measured trust; ``CodeAssignments`` keeps the
instructor's tests of code micro-credentials. The verdicts and decisions they record are the
domain types of ``microcred.domain.review``.
"""

from microcred.services.review.code_assignments import CodeAssignments, SourceFile
from microcred.services.review.rubrics import RubricService
from microcred.services.review.service import MAX_FEEDBACK, QueueItem, ReviewService

__all__ = [
    "MAX_FEEDBACK",
    "CodeAssignments",
    "QueueItem",
    "ReviewService",
    "RubricService",
    "SourceFile",
]
