"""The learner's credentials from elsewhere, on their wallet page: import a file, a badge or a
URL; check one again; remove one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from microcred.bootstrap import Container
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.common import container
from microcred.web.pages.routes import error_page
from microcred.web.pages.session import check_csrf, current

router = APIRouter(include_in_schema=False)

#: page routes that take files (a baked badge image)
UPLOAD_ROUTES = ("/learn/imports",)


@router.post("/learn/imports")
async def import_credential(request: Request) -> Response:
    """Import from an uploaded file, a URL or pasted text (whichever the form carries)."""
    c = container(request)
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    url = form.get("url")
    text = form.get("text")
    return await run_in_threadpool(
        _import,
        c,
        request,
        form.get("csrf"),
        data,
        url.strip() if isinstance(url, str) else "",
        text.strip() if isinstance(text, str) else "",
    )


def _import(
    c: Container, request: Request, csrf: object, data: bytes | None, url: str, text: str
) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, csrf)
    try:
        if data is not None:
            c.imports.import_file(principal, data)
        elif url:
            c.imports.import_url(principal, url)
        elif text:
            c.imports.import_text(principal, text)
        else:
            raise InvalidInput("Choose a file, or give a URL, to import.")
    except MicrocredError as exc:
        return error_page(request, status_of(exc), "Not imported", exc.explain())
    return RedirectResponse("/learn?imported=1#imports", status_code=303)


@router.post("/learn/imports/{imported_id}/{action}")
async def change_import(imported_id: str, action: str, request: Request) -> Response:
    """Check an import again (``verify``) or remove it (``delete``)."""
    c = container(request)
    form = await request.form(max_fields=3)
    return await run_in_threadpool(_change, c, request, form.get("csrf"), imported_id, action)


def _change(
    c: Container, request: Request, csrf: object, imported_id: str, action: str
) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, csrf)
    try:
        if action == "verify":
            c.imports.reverify(principal, imported_id)
        elif action == "delete":
            c.imports.delete(principal, imported_id)
        else:
            return error_page(request, 404, "Not found", "No such action.")
    except MicrocredError as exc:
        return error_page(request, status_of(exc), "Not changed", exc.explain())
    return RedirectResponse("/learn#imports", status_code=303)
