"""Export: an admin starts an export of the organisation (a queued job), follows its progress
and downloads the archive (docs/export.md). The passphrase is never shown again or kept after
the job used it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.ports import ExportState
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)


def archive_name(slug: str, created: str) -> str:
    """The download's file name."""
    return f"microcred-export-{slug}-{created}.zip"


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    runs = c.portability.runs.recent(principal)
    busy = any(r.state in (ExportState.QUEUED, ExportState.RUNNING) for r in runs)
    return render(
        request,
        principal,
        "admin_exports.html",
        status,
        runs=runs,
        busy=busy,
        error=error,
        notice="The export is queued." if request.query_params.get("done") == "queued" else None,
    )


@router.get("/admin/exports")
def exports_page(request: Request) -> Response:
    """The organisation's exports and the form to start one."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/exports")
async def start_export(request: Request) -> Response:
    """Queue an export under the passphrase typed twice."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_start, c, request, form)


def _start(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        if typed.get("passphrase", "") != typed.get("confirm", ""):
            raise InvalidInput("The two passphrases differ.")
        c.portability.runs.start(principal, typed.get("passphrase", ""))
    except MicrocredError as exc:
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc))
    return RedirectResponse("/admin/exports?done=queued", status_code=303)


@router.get("/admin/exports/{export_id}/archive")
def download(export_id: str, request: Request) -> Response:
    """A finished export's archive (recorded as a security event)."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    run, data = c.portability.runs.archive(principal, export_id)
    org = c.identity.get_organisation(principal.organisation_id)
    name = archive_name(org.slug, f"{run.created_at:%Y%m%d-%H%M%S}")
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
