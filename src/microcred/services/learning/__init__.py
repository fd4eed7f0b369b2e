"""Courses and pathways, enrolments, submitted evidence and progress."""

from microcred.services.learning.evidence import Upload, safe_filename
from microcred.services.learning.service import REVIEW_JOB, LearningService, earned_by

__all__ = [
    "REVIEW_JOB",
    "LearningService",
    "Upload",
    "earned_by",
    "safe_filename",
]
