"""Bulk issuance from a CSV file: upload (always a dry run first), the report of every row's
problems, confirm to issue, a progress view that refreshes itself while the job runs, and the
report as a CSV download (formula-safe)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from microcred.bootstrap import Container
from microcred.credentials.bulk_csv import ALIASES, COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.ports.credentials import BulkRowState, BulkState
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container
from microcred.web.pages.skills.export import csv_response, filename

router = APIRouter(include_in_schema=False)

#: the page's upload route takes a whole CSV file (see BodyLimits in the app)
UPLOAD_ROUTES = ("/admin/credentials/bulk",)
#: seconds between refreshes of a run that is queued or running
REFRESH_SECONDS = 3
#: rows with problems shown on the page (the CSV report has them all)
SHOWN = 200
TONES = {
    BulkState.CHECKED: "info",
    BulkState.REJECTED: "bad",
    BulkState.QUEUED: "neutral",
    BulkState.RUNNING: "warn",
    BulkState.DONE: "ok",
    BulkState.FAILED: "bad",
}
ROW_WORDS = {
    BulkRowState.INVALID: "has problems",
    BulkRowState.PENDING: "to issue",
    BulkRowState.ISSUED: "issued",
    BulkRowState.ALREADY_ISSUED: "already issued",
    BulkRowState.FAILED: "failed",
}


def _upload_page(
    request: Request,
    c: Container,
    principal: Principal,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        principal,
        "admin_bulk.html",
        status,
        runs=c.bulk.runs(principal, 20),
        tones=TONES,
        columns=COLUMNS,
        aliases=ALIASES,
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_rows=MAX_ROWS,
        error=error,
    )


@router.get("/admin/credentials/bulk")
def bulk_page(request: Request) -> Response:
    """The upload form and the organisation's recent uploads."""
    c = container(request)
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    return _upload_page(request, c, principal)


@router.post("/admin/credentials/bulk")
async def upload(request: Request) -> Response:
    """Check an uploaded file (a dry run) and show its report."""
    c = container(request)
    form = await request.form(max_files=1, max_fields=3)  # a malformed body: a 400 page
    return await run_in_threadpool(_upload, c, request, form)


def _upload(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    posted(request, form)
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise InvalidInput("Choose a CSV file to upload.")
        run = c.bulk.upload(principal, file.file, file.filename, dry_run=True)
    except MicrocredError as exc:
        return _upload_page(request, c, principal, exc.explain(), status_of(exc))
    return RedirectResponse(f"/admin/credentials/bulk/{run.id}", status_code=303)


def _run_page(
    request: Request,
    c: Container,
    principal: Principal,
    run_id: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    run = c.bulk.get(principal, run_id)
    problems, total = c.bulk.rows(principal, run_id, limit=SHOWN)
    moving = run.state in {BulkState.QUEUED, BulkState.RUNNING}
    response = render(
        request,
        principal,
        "admin_bulk_run.html",
        status,
        run=run,
        tone=TONES[run.state],
        problems=problems,
        problem_total=total,
        shown=SHOWN,
        words=ROW_WORDS,
        moving=moving,
        refresh=REFRESH_SECONDS,
        error=error,
    )
    if moving:  # the browser reloads the page while the job runs (no script needed)
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@router.get("/admin/credentials/bulk/{run_id}")
def run_page(run_id: str, request: Request) -> Response:
    """A run: its report, the confirm button after a clean dry run, or its progress."""
    c = container(request)
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    return _run_page(request, c, principal, run_id)


@router.post("/admin/credentials/bulk/{run_id}/issue")
async def confirm(run_id: str, request: Request) -> Response:
    """Issue a checked file's rows."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_confirm, c, run_id, request, form)


def _confirm(c: Container, run_id: str, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    posted(request, form)
    try:
        c.bulk.confirm(principal, run_id)
    except MicrocredError as exc:
        return _run_page(request, c, principal, run_id, exc.explain(), status_of(exc))
    return RedirectResponse(f"/admin/credentials/bulk/{run_id}", status_code=303)


@router.get("/admin/credentials/bulk/{run_id}/report.csv")
def report(run_id: str, request: Request) -> Response:
    """Every row with its state, credential and problems; cells a spreadsheet would take for a
    formula are neutralised."""
    c = container(request)
    principal = staff(request, c, Permission.ISSUE_CREDENTIALS)
    if isinstance(principal, Response):
        return principal
    run = c.bulk.get(principal, run_id)
    lines: list[tuple[object, ...]] = []
    for row in c.bulk.report(principal, run_id):
        base = (row.row, ROW_WORDS[row.state], row.credential_id, row.external_id)
        if not row.problems:
            lines.append((*base, "", "", ""))
        lines.extend((*base, col, problem, value) for col, problem, value in row.problems)
    header = ("row", "state", "credential_id", "external_id", "column", "problem", "value")
    stem = run.filename.rsplit(".", 1)[0]
    return csv_response(filename("bulk-report", stem), header, lines)
