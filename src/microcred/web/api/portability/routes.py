"""``/api/v1/exports``: an admin exports the organisation (docs/export.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.portability.schemas import ExportCreate, ExportPublic

router = APIRouter(prefix="/api/v1/exports", tags=["export"])


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def start(body: ExportCreate, p: PrincipalDep, c: ContainerDep) -> ExportPublic:
    """Queue an export of your organisation (admins); follow it at ``/api/v1/exports/{id}``."""
    return ExportPublic.of(c.portability.runs.start(p, body.passphrase))


@router.get("")
def recent(
    p: PrincipalDep, c: ContainerDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[ExportPublic]:
    """Your organisation's exports, newest first."""
    return [ExportPublic.of(r) for r in c.portability.runs.recent(p, limit)]


@router.get("/{run_id}")
def get(run_id: str, p: PrincipalDep, c: ContainerDep) -> ExportPublic:
    """One export's state and progress."""
    return ExportPublic.of(c.portability.runs.get(p, run_id))


@router.get(
    "/{run_id}/archive",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def archive(run_id: str, p: PrincipalDep, c: ContainerDep) -> Response:
    """The finished export's zip archive (each download is a security event)."""
    run, data = c.portability.runs.archive(p, run_id)
    name = f"microcred-export-{run.created_at:%Y%m%d-%H%M%S}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
