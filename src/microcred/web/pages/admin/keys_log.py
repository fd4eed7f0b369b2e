"""The organisation's signing keys (list, rotate) and the transparency log's health: its size,
the latest checkpoint, each witness's latest cosignature and its age, and anchor receipts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)


@router.get("/admin/log")
def log_page(request: Request) -> Response:
    """The organisation's keys and the transparency log's health."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_KEYS)
    if isinstance(principal, Response):
        return principal
    health = c.public_log.health(principal)
    return render(
        request,
        principal,
        "admin_log.html",
        keys=c.identity.list_keys(principal),
        size=health.size,
        checkpoint=health.checkpoint,
        witnesses=health.witnesses,
        quorum=health.quorum,
        anchors=health.anchors[:20],
        rotated=request.query_params.get("rotated"),
    )


@router.post("/admin/keys/rotate")
async def rotate(request: Request) -> Response:
    """Retire the active Ed25519 key and start a new one."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_rotate, c, request, form)


def _rotate(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_KEYS)
    if isinstance(principal, Response):
        return principal
    posted(request, form)
    c.identity.rotate_key(principal)
    return RedirectResponse("/admin/log?rotated=1", status_code=303)
