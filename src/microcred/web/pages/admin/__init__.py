"""The issuer admin's pages under /admin: micro-credentials, issuing and status changes."""

from __future__ import annotations

from fastapi import APIRouter

from microcred.web.pages.admin import achievements, credentials

router = APIRouter(include_in_schema=False)
router.include_router(credentials.router)
router.include_router(achievements.router)
