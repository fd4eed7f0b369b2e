"""LMS (LTI 1.3): register the organisation's learning platforms (issuer, client id, deployment
ids, auth login, token and JWKS URLs), change or remove them; the tool's URLs to give the
platform are shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import MicrocredError
from microcred.services.lti import PlatformSettings
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
_DONE = {"saved": "The platform is saved.", "deleted": "The platform was removed."}


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    slug = c.identity.get_organisation(principal.organisation_id).slug
    return render(
        request,
        principal,
        "admin_lti.html",
        status,
        platforms=c.lti.registrations.list(principal),
        urls=c.lti.registrations.tool_urls(slug),
        typed=typed or {"enabled": "on"},
        error=error,
        notice=_DONE.get(request.query_params.get("done") or ""),
    )


@router.get("/admin/lti")
def lti_page(request: Request) -> Response:
    """The organisation's LTI platforms."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/lti")
async def change_lti(request: Request) -> Response:
    """Register, change or remove a platform (the tool key is made in a thread)."""
    c = container(request)
    form = await request.form(max_files=0, max_fields=30)
    return await run_in_threadpool(_change, c, request, form)


def _change(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        if typed.get("op") == "delete":
            c.lti.registrations.delete(principal, typed.get("platform_id", ""))
            return RedirectResponse("/admin/lti?done=deleted", status_code=303)
        c.lti.registrations.save(
            principal,
            PlatformSettings(
                name=typed.get("name", ""),
                issuer=typed.get("issuer", ""),
                client_id=typed.get("client_id", ""),
                deployment_ids=typed.get("deployment_ids", ""),
                auth_login_url=typed.get("auth_login_url", ""),
                auth_token_url=typed.get("auth_token_url", ""),
                jwks_url=typed.get("jwks_url", ""),
                just_in_time=typed.get("just_in_time") == "on",
                enabled=typed.get("enabled") == "on",
            ),
            typed.get("platform_id") or None,
        )
    except MicrocredError as exc:
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc), typed=typed)
    return RedirectResponse("/admin/lti?done=saved", status_code=303)
