"""Webhooks: add a URL and choose its events (the signing secret shown once), a webhook's
delivery log with each attempt, replay, rotating the secret, switching off and on, deleting."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.ports.webhooks import EventType
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
EVENTS = {
    EventType.CREDENTIAL_ISSUED: "A credential was issued",
    EventType.CREDENTIAL_REVOKED: "A credential was revoked",
    EventType.CREDENTIAL_EXPIRING: "A credential expires soon",
    EventType.SUBMISSION_DECIDED: "A submission was decided",
    EventType.PATHWAY_COMPLETED: "A learner completed a pathway",
    EventType.PERSON_DEACTIVATED: "A person was deactivated",
}
_DONE = {
    "on": "The webhook is switched on.",
    "off": "The webhook is switched off.",
    "replay": "The delivery is queued to be sent again.",
    "deleted": "The webhook was deleted.",
}


def _list_page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    secret: str | None = None,
) -> Response:
    what = request.query_params.get("done")
    return render(
        request,
        principal,
        "admin_webhooks.html",
        status,
        webhooks=c.webhooks.subscriptions.list(principal),
        events=EVENTS,
        error=error,
        typed=typed or {},
        chosen=chosen or [],
        secret=secret,
        notice=_DONE.get(what or "") if what == "deleted" else None,
    )


def _detail_page(
    request: Request,
    c: Container,
    principal: Principal,
    webhook_id: str,
    *,
    error: str | None = None,
    status: int = 200,
    secret: str | None = None,
) -> Response:
    webhook = c.webhooks.subscriptions.get(principal, webhook_id)
    deliveries = c.webhooks.subscriptions.deliveries(principal, webhook_id, limit=50)
    opened = request.query_params.get("delivery")
    log = None
    if opened and any(d.id == opened for d in deliveries):
        log = c.webhooks.subscriptions.delivery(principal, webhook_id, opened)[1]
    return render(
        request,
        principal,
        "admin_webhook.html",
        status,
        webhook=webhook,
        deliveries=deliveries,
        opened=opened,
        log=log,
        events=EVENTS,
        error=error,
        secret=secret,
        notice=_DONE.get(request.query_params.get("done") or ""),
    )


@router.get("/admin/webhooks")
def webhooks_page(request: Request) -> Response:
    """The organisation's webhooks and the form to add one."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_WEBHOOKS)
    if isinstance(principal, Response):
        return principal
    return _list_page(request, c, principal)


@router.post("/admin/webhooks")
async def add_webhook(request: Request) -> Response:
    """Add a webhook (its URL is checked, resolved and vetted: a thread, not the event loop)."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_add, c, request, form)


def _add(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_WEBHOOKS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    chosen = [v for v in form.getlist("event") if isinstance(v, str)][: len(EventType) + 1]
    try:
        made = c.webhooks.subscriptions.create(
            principal, typed.get("url", ""), chosen, typed.get("description", "")
        )
    except MicrocredError as exc:
        return _list_page(
            request,
            c,
            principal,
            error=exc.explain(),
            status=status_of(exc),
            typed=typed,
            chosen=chosen,
        )
    return _detail_page(request, c, principal, made.subscription.id, secret=made.secret)


@router.get("/admin/webhooks/{webhook_id}")
def webhook_page(webhook_id: str, request: Request) -> Response:
    """One webhook: its events, state and delivery log (``?delivery=`` opens its attempts)."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_WEBHOOKS)
    if isinstance(principal, Response):
        return principal
    return _detail_page(request, c, principal, webhook_id)


@router.post("/admin/webhooks/{webhook_id}")
async def change_webhook(webhook_id: str, request: Request) -> Response:
    """Rotate the secret, switch off or on, replay a delivery, or delete."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_change, c, webhook_id, request, form)


def _change(c: Container, webhook_id: str, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_WEBHOOKS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    op = typed.get("op", "")
    hooks = c.webhooks.subscriptions
    try:
        if op == "rotate":
            made = hooks.rotate_secret(principal, webhook_id)
            return _detail_page(request, c, principal, webhook_id, secret=made.secret)
        if op in ("on", "off"):
            hooks.update(principal, webhook_id, active=op == "on")
        elif op == "replay":
            hooks.replay(principal, webhook_id, typed.get("delivery", ""))
        elif op == "delete":
            hooks.delete(principal, webhook_id)
            return RedirectResponse("/admin/webhooks?done=deleted", status_code=303)
        else:
            raise InvalidInput("Choose a change to make.")
    except MicrocredError as exc:
        hooks.get(principal, webhook_id)  # an unknown webhook is a 404 page, not a form error
        return _detail_page(
            request, c, principal, webhook_id, error=exc.explain(), status=status_of(exc)
        )
    return RedirectResponse(f"/admin/webhooks/{webhook_id}?done={op}", status_code=303)
