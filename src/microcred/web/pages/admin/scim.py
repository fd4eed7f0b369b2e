"""User provisioning (SCIM 2.0): make the organisation's bearer token (shown once, only its
digest kept) or revoke it; the SCIM base URL to give the identity provider is shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
_DONE = {"revoked": "The SCIM token was revoked; provisioning stops until you make a new one."}


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    token: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        principal,
        "admin_scim.html",
        status,
        current=c.scim.tokens.current(principal),
        token=token,
        base_url=c.scim.provisioning.base,
        error=error,
        notice=_DONE.get(request.query_params.get("done") or ""),
    )


@router.get("/admin/scim")
def scim_page(request: Request) -> Response:
    """The organisation's provisioning token and the SCIM base URL."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_USERS)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/scim")
async def change_scim(request: Request) -> Response:
    """Make a new token (shown on this answer only) or revoke the token."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_change, c, request, form)


def _change(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_USERS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        if typed.get("op") == "revoke":
            c.scim.tokens.revoke(principal)
            return RedirectResponse("/admin/scim?done=revoked", status_code=303)
        token = c.scim.tokens.create(principal)
    except MicrocredError as exc:
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc))
    response = _page(request, c, principal, token=token)
    response.headers["Cache-Control"] = "no-store"
    return response
