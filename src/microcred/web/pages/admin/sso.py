"""Single sign-on: register the organisation's OpenID Connect provider (issuer, client id and
secret, claim-to-role mapping, just-in-time accounts, password sign-in on or off), or remove
it. The redirect URI to register at the provider is shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal, Role
from microcred.errors import MicrocredError
from microcred.services.identity import SsoSettings
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
_DONE = {"saved": "Single sign-on is saved.", "deleted": "Single sign-on was removed."}


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    provider = c.sso.providers.get(principal)
    if typed is None and provider is not None:
        typed = {
            "display_name": provider.display_name,
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "role_claim": provider.role_claim,
            "role_map": "\n".join(f"{k} = {v}" for k, v in provider.role_map.items()),
            "default_role": provider.default_role,
            **{
                name: "on"
                for name in ("just_in_time", "password_sign_in", "enabled")
                if getattr(provider, name)
            },
        }
    return render(
        request,
        principal,
        "admin_sso.html",
        status,
        provider=provider,
        typed=typed or {"password_sign_in": "on", "enabled": "on", "default_role": "learner"},
        roles=[r.value for r in Role if r is not Role.ADMIN],
        redirect_uri=c.sso.sign_in.redirect_uri,
        error=error,
        notice=_DONE.get(request.query_params.get("done") or ""),
    )


@router.get("/admin/sso")
def sso_page(request: Request) -> Response:
    """The organisation's single sign-on settings."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/sso")
async def change_sso(request: Request) -> Response:
    """Save or remove the provider (discovery is fetched: a thread, not the event loop)."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_change, c, request, form)


def _change(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ORGANISATION)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    try:
        if typed.get("op") == "delete":
            c.sso.providers.delete(principal)
            return RedirectResponse("/admin/sso?done=deleted", status_code=303)
        c.sso.providers.configure(
            principal,
            SsoSettings(
                display_name=typed.get("display_name", ""),
                issuer=typed.get("issuer", ""),
                client_id=typed.get("client_id", ""),
                client_secret=typed.get("client_secret") or None,
                role_claim=typed.get("role_claim", ""),
                role_map=typed.get("role_map", ""),
                default_role=typed.get("default_role", "learner"),
                just_in_time=typed.get("just_in_time") == "on",
                password_sign_in=typed.get("password_sign_in") == "on",
                enabled=typed.get("enabled") == "on",
            ),
        )
    except MicrocredError as exc:
        typed.pop("client_secret", None)  # never echoed back into the page
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc), typed=typed)
    return RedirectResponse("/admin/sso?done=saved", status_code=303)
