"""What every admin page shares: the signed-in principal holding a permission, and rendering."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput
from microcred.web.pages.common import page_context
from microcred.web.pages.routes import templates
from microcred.web.pages.session import check_csrf, current

#: the longest value any admin text field takes (longer descriptions are refused clearly)
MAX_FIELD = 20_000


def staff(request: Request, c: Container, permission: Permission) -> Principal | Response:
    """The signed-in principal when they hold ``permission`` (PermissionDenied otherwise), or a
    redirect to the sign-in page."""
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    principal.require(permission)
    return principal


def posted(request: Request, form: FormData) -> dict[str, str]:
    """The form's text fields after the CSRF check; a field that is too long is refused."""
    check_csrf(request, form.get("csrf"))
    values: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != "csrf":
            if len(value) > MAX_FIELD:
                raise InvalidInput(
                    f"The field {key[:40]!r} is longer than {MAX_FIELD:,} characters."
                )
            values.setdefault(key, value)
    return values


def wants_search(typed: dict[str, str], query_field: str) -> bool:
    """The form's search button, or Enter (the form's default button) just after typing a query
    not searched yet (``searched_q`` holds the last one): the keyboard user meant to search, not
    to save."""
    if typed.get("op") == "search":
        return True
    query = typed.get(query_field, "").strip()
    return typed.get("op") == "enter" and bool(query) and query != typed.get("searched_q", "")


def render(
    request: Request, principal: Principal, template: str, status: int = 200, **extra: object
) -> Response:
    """An admin page in the shared layout."""
    return templates.TemplateResponse(
        request, template, page_context(request, principal, **extra), status_code=status
    )
