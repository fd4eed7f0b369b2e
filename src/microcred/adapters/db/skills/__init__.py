"""Skills-intelligence storage: tables and the organisation-bound repository."""

from microcred.adapters.db.skills.repositories import SqlSkills

__all__ = [
    "SqlSkills",
]
