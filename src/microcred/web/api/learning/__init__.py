"""Pathways, enrolments and submissions over HTTP (rubrics, review queue: `web.api.review`)."""

from microcred.web.api.learning.schemas import SubmissionPublic

__all__ = [
    "SubmissionPublic",
]
