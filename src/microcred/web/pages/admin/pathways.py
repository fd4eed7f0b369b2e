"""The pathway builder: a course or pathway that issues a micro-credential once its requirement
is met: all of, n of, or any one of the chosen micro-credentials, each optionally needing others
first (prerequisites)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.domain.pathway import AllOf, Earn, NOf, Requirement
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container, names

router = APIRouter(include_in_schema=False)
RULES = {"all": "All of them", "n": "A number of them", "any": "Any one of them"}


def in_words(rule: Requirement, by_id: dict[str, str]) -> str:
    """A requirement rule in words: "all of: A, B", "2 of: A, B, C"."""
    if isinstance(rule, Earn):
        return by_id.get(rule.achievement_id, "a micro-credential")
    parts = ", ".join(in_words(child, by_id) for child in rule.children)
    if isinstance(rule, AllOf):
        return f"all of: {parts}"
    assert isinstance(rule, NOf)
    return f"any one of: {parts}" if rule.n == 1 else f"{rule.n} of: {parts}"


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    typed: dict[str, str] | None = None,
    chosen: set[str] | None = None,
    prereqs: dict[str, set[str]] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    by_id = names(c, principal)
    listed = [(p, in_words(p.requirement, by_id)) for p in c.learning.pathways(principal)]
    return render(
        request,
        principal,
        "admin_pathways.html",
        status,
        listed=listed,
        by_id=by_id,
        rules=RULES,
        typed=typed or {},
        chosen=chosen or set(),
        prereqs=prereqs or {},
        error=error,
        saved=request.query_params.get("saved"),
    )


@router.get("/admin/pathways")
def pathways_page(request: Request) -> Response:
    """The organisation's pathways and the builder."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    return _page(request, c, principal)


@router.post("/admin/pathways")
async def create_pathway(request: Request) -> Response:
    """Create a pathway from the builder's form."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_create, c, request, form)


def _requirement(typed: dict[str, str], chosen: list[str]) -> dict[str, Any]:
    if not chosen:
        raise InvalidInput("Choose the micro-credentials the pathway embeds.")
    earn = [{"earn": aid} for aid in chosen]
    rule = typed.get("rule", "all")
    if rule == "all":
        return {"all_of": earn}
    if rule == "any":
        return {"n_of": 1, "of": earn}
    if rule != "n":
        raise InvalidInput("Choose all, a number, or any one of them.")
    text = typed.get("n", "").strip()
    if not text.isdigit() or not 1 <= int(text) <= len(chosen):
        raise InvalidInput(f"The number to earn must be between 1 and {len(chosen)}.")
    return {"n_of": int(text), "of": earn}


def _create(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    chosen = list(dict.fromkeys(v for v in form.getlist("embed") if isinstance(v, str)))[:50]
    prereqs = {
        aid: {v for v in form.getlist(f"pre_{aid}") if isinstance(v, str) and v != aid}
        for aid in chosen
    }
    try:
        c.learning.create_pathway(
            principal,
            name=typed.get("name", ""),
            description=typed.get("description", ""),
            kind=typed.get("kind", "pathway"),
            achievement_id=typed.get("achievement_id", ""),
            requirement=_requirement(typed, chosen),
            prerequisites={k: sorted(v) for k, v in prereqs.items() if v},
        )
    except MicrocredError as exc:
        return _page(
            request, c, principal, typed, set(chosen), prereqs, exc.explain(), status_of(exc)
        )
    return RedirectResponse("/admin/pathways?saved=1", status_code=303)
