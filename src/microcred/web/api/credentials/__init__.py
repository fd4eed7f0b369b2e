"""Micro-credentials, issuance, status changes, public documents and verification over HTTP."""

from microcred.web.api.credentials.schemas import AchievementCreate

__all__ = [
    "AchievementCreate",
]
