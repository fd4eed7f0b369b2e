"""Bulk issuance over HTTP: upload a CSV file (a dry run or for issuing) and follow its run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from microcred.errors import InvalidInput
from microcred.web.api.credentials.bulk_schemas import (
    BulkReportPublic,
    BulkRowPublic,
    BulkRunPublic,
)
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(prefix="/api/v1/credentials/bulk", tags=["credentials"])

#: routes whose bodies may be a whole CSV file (see BodyLimits)
UPLOAD_ROUTES = ("/api/v1/credentials/bulk",)


_MULTIPART_FILE = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post("", status_code=status.HTTP_202_ACCEPTED, openapi_extra=_MULTIPART_FILE)
async def upload(
    request: Request,
    response: Response,
    p: PrincipalDep,
    c: ContainerDep,
    dry_run: Annotated[bool, Query()] = True,
) -> BulkRunPublic:
    """Upload a CSV file (multipart field ``file``). Every row is checked first; a dry run
    (the default) stops there, otherwise a file without problems is queued for issuing and one
    with problems is rejected with nothing issued. Rows issued before (same idempotency key)
    are reported as already issued and never issued twice."""
    form = await request.form(max_files=1, max_fields=2)
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str):
        raise InvalidInput("Attach the CSV file as a multipart field named 'file'.")
    run = await run_in_threadpool(
        c.bulk.upload, p, upload_file.file, upload_file.filename, dry_run=dry_run
    )
    if run.dry_run:
        response.status_code = status.HTTP_200_OK
    return BulkRunPublic.of(run)


@router.get("")
def runs(
    p: PrincipalDep, c: ContainerDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[BulkRunPublic]:
    """Your organisation's recent uploads, newest first."""
    return [BulkRunPublic.of(r) for r in c.bulk.runs(p, limit)]


@router.get("/{run_id}")
def get(
    run_id: str,
    p: PrincipalDep,
    c: ContainerDep,
    all_rows: Annotated[bool, Query(alias="all")] = False,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> BulkReportPublic:
    """A run's state, counts and progress, and a page of its rows with problems (every row
    with ``all=true``)."""
    run = c.bulk.get(p, run_id)
    rows, total = c.bulk.rows(p, run_id, problems_only=not all_rows, offset=offset, limit=limit)
    return BulkReportPublic(
        run=BulkRunPublic.of(run),
        rows=[BulkRowPublic.of(r) for r in rows],
        total=total,
        offset=offset,
        limit=limit,
    )


@router.post("/{run_id}/issue", status_code=status.HTTP_202_ACCEPTED)
def confirm(run_id: str, p: PrincipalDep, c: ContainerDep) -> BulkRunPublic:
    """Issue a dry run's rows (only when it found no problems; once)."""
    return BulkRunPublic.of(c.bulk.confirm(p, run_id))
