"""The organisation's signing keys (list, rotate) and the transparency log's health: its size,
the latest checkpoint, each witness's latest cosignature and its age, and anchor receipts."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
#: a C2SP cosignature/v1 signature: key hash (4 bytes), timestamp (8), Ed25519 signature (64)
_COSIGNATURE_BYTES = 4 + 8 + 64


@dataclass(frozen=True, slots=True)
class WitnessRow:
    """What the log knows of one configured witness."""

    name: str
    url: str
    size: int | None
    cosigned_at: datetime | None


def cosigned_at(line: str) -> datetime | None:
    """The time inside a cosignature/v1 signature line (``— name base64``), if it has one."""
    try:
        raw = base64.b64decode(line.strip().rsplit(" ", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _COSIGNATURE_BYTES:
        return None
    return datetime.fromtimestamp(int.from_bytes(raw[4:12], "big"), UTC)


def _witnesses(c: Container) -> list[WitnessRow]:
    rows = []
    with c.uow() as uow:
        for name, endpoint in sorted(c.witnessing.endpoints.items()):
            size = uow.ledger.witness_size(name)
            lines = dict(uow.ledger.cosignatures(size)) if size else {}
            at = cosigned_at(lines[name]) if name in lines else None
            rows.append(WitnessRow(name, endpoint.url, size, at))
    return rows


@router.get("/admin/log")
def log_page(request: Request) -> Response:
    """The organisation's keys and the transparency log's health."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_KEYS)
    if isinstance(principal, Response):
        return principal
    with c.uow() as uow:
        keys = sorted(
            uow.tenant(principal.organisation_id).keys.list(),
            key=lambda k: (not k.active, -k.created_at.timestamp()),
        )
        latest = uow.ledger.latest_checkpoint()
        anchors = uow.ledger.anchors()
    size, checkpoint = (latest[0], latest[2]) if latest else (0, None)
    return render(
        request,
        principal,
        "admin_log.html",
        keys=keys,
        size=size,
        checkpoint=checkpoint,
        witnesses=_witnesses(c),
        quorum=c.ledger.quorum,
        anchors=anchors[:20],
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
