"""The issuer admin's pages under /admin: micro-credentials, issuing and status changes,
bulk issuance from CSV, people and roles, keys and the transparency log, webhooks."""

from __future__ import annotations

from fastapi import APIRouter

from microcred.web.pages.admin import (
    achievements,
    bulk,
    credentials,
    exports,
    keys_log,
    lti,
    pathways,
    people,
    rubrics,
    scim,
    sso,
    webhooks,
)

router = APIRouter(include_in_schema=False)
router.include_router(bulk.router)  # before credentials: /admin/credentials/bulk is no credential
router.include_router(credentials.router)
router.include_router(achievements.router)
router.include_router(people.router)
router.include_router(keys_log.router)
router.include_router(rubrics.router)
router.include_router(pathways.router)
router.include_router(webhooks.router)
router.include_router(sso.router)
router.include_router(exports.router)
router.include_router(lti.router)
router.include_router(scim.router)

__all__: list[str] = []  # nothing here is for other packages
