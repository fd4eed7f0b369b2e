"""Learning storage: pathways, enrolments, submissions (and, for now, rubrics)."""

from microcred.adapters.db.learning.repositories import (
    SqlEnrolments,
    SqlPathways,
    SqlRubrics,
    SqlSubmissions,
)

__all__ = [
    "SqlEnrolments",
    "SqlPathways",
    "SqlRubrics",
    "SqlSubmissions",
]
