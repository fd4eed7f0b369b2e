"""People and roles: the organisation's users, adding one (with an initial password, or a random
one shown once), changing a role, deactivating or reactivating, and an admin's password reset."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal, Role
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
ROLES = {
    Role.LEARNER: "Learner",
    Role.REVIEWER: "Reviewer",
    Role.ISSUER: "Issuer",
    Role.EMPLOYER_VIEWER: "Manager / HR",
    Role.ADMIN: "Admin",
}


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    *,
    error: str | None = None,
    status: int = 200,
    typed: dict[str, str] | None = None,
    notice: str | None = None,
    secret: str | None = None,
) -> Response:
    search = request.query_params.get("q", "")[:320]
    number = _page_number(request.query_params.get("page"))
    users, total = c.identity.find_users(
        principal, search, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
    )
    last = max(1, -(-total // PER_PAGE))
    return render(
        request,
        principal,
        "admin_people.html",
        status,
        users=users,
        total=total,
        search=search,
        number=number,
        last=last,
        first_shown=(number - 1) * PER_PAGE + 1,
        roles=ROLES,
        error=error,
        typed=typed or {},
        notice=notice or _done(request, c, principal),
        secret=secret,
    )


#: people listed per page (an organisation may have 100,000)
PER_PAGE = 50


def _page_number(value: str | None) -> int:
    """``?page=N`` (1-based); anything else is the first page."""
    if value is None or not value.isdigit() or len(value) > 6:
        return 1
    return max(1, int(value))


def _done(request: Request, c: Container, principal: Principal) -> str | None:
    """The notice after a change, from the redirect's user id and change (never echoed text)."""
    changed, what = request.query_params.get("changed"), request.query_params.get("what")
    if changed is None or what not in ("role", "deactivate", "activate"):
        return None
    user = c.identity.get_user(principal, changed[:64])
    if user is None:
        return None
    if what == "role":
        return f"{user.email} is now {ROLES[user.role]}."
    return f"{user.email} was {what}d."


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput("Choose one of the listed roles.") from None


@router.get("/admin/people")
def people_page(request: Request) -> Response:
    """Users of the organisation and the form to add one."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_USERS)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/people")
async def add_person(request: Request) -> Response:
    """Add a user with a role and an initial password (or a random one, shown once)."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_add, c, request, form)


def _add(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_USERS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    password = typed.pop("password", "")
    try:
        user = c.identity.add_user(
            principal,
            email=typed.get("email", ""),
            name=typed.get("name", "").strip() or typed.get("email", "").split("@")[0],
            role=_role(typed.get("role", "")),
            password=password or None,
        )
        secret = None if password else c.accounts.reset_password(principal, user.id).password
    except MicrocredError as exc:
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc), typed=typed)
    notice = f"{user.email} was added as {ROLES[user.role]}."
    if secret:
        notice += " Give them this password once, by a safe channel; they can change it."
    return _page(request, c, principal, notice=notice, secret=secret)


@router.post("/admin/people/{user_id}")
async def change_person(user_id: str, request: Request) -> Response:
    """Change a user's role, (de)activate them, or reset their password."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_change, c, user_id, request, form)


def _change(c: Container, user_id: str, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_USERS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    op = typed.get("op", "")
    try:
        if op == "role":
            c.accounts.set_role(principal, user_id, _role(typed.get("role", "")))
        elif op in ("deactivate", "activate"):
            c.accounts.set_active(principal, user_id, op == "activate")
        elif op == "reset":
            reset = c.accounts.reset_password(principal, user_id)
            notice = f"The password of {reset.user.email} was reset; their sessions ended."
            return _page(request, c, principal, notice=notice, secret=reset.password)
        else:
            raise InvalidInput("Choose a change to make.")
    except MicrocredError as exc:
        return _page(request, c, principal, error=exc.explain(), status=status_of(exc))
    return RedirectResponse(f"/admin/people?changed={user_id}&what={op}", status_code=303)
