"""Reviewing evidence: rubrics, AI and code review, the reviewer queue and decisions."""

from microcred.services.review.code_assignments import CodeAssignments
from microcred.services.review.rubrics import RubricService
from microcred.services.review.service import ReviewService

__all__ = [
    "CodeAssignments",
    "ReviewService",
    "RubricService",
]
