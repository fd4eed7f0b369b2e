"""The pathway builder: a course or pathway that issues a micro-credential once its requirement
is met: all of, n of, or any one of the chosen micro-credentials, each optionally needing others
first (prerequisites).

Micro-credentials are found by a search of their names (an organisation may have thousands),
and picked with buttons that post the form back, so the builder keeps what was typed and works
without JavaScript (as the skill picker of the micro-credential form does)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.domain.pathway import AllOf, Earn, NOf, Pathway, Requirement, achievements_in
from microcred.errors import InvalidInput, MicrocredError, NotFound
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff, wants_search
from microcred.web.pages.common import achievements, container, names

router = APIRouter(include_in_schema=False)
RULES = {"all": "All of them", "n": "A number of them", "any": "Any one of them"}
#: search results shown at once
FOUND = 20
#: micro-credentials one pathway embeds at most
MAX_EMBEDDED = 50


def in_words(rule: Requirement, by_id: dict[str, str]) -> str:
    """A requirement rule in words: "all of: A, B", "2 of: A, B, C"."""
    if isinstance(rule, Earn):
        return by_id.get(rule.achievement_id, "a micro-credential")
    parts = ", ".join(in_words(child, by_id) for child in rule.children)
    if isinstance(rule, AllOf):
        return f"all of: {parts}"
    assert isinstance(rule, NOf)
    return f"any one of: {parts}" if rule.n == 1 else f"{rule.n} of: {parts}"


def _named(c: Container, principal: Principal, pathways: list[Pathway]) -> dict[str, str]:
    """Names of every micro-credential the listed pathways mention."""
    ids: set[str] = set()
    for p in pathways:
        ids.add(p.achievement_id)
        ids.update(achievements_in(p.requirement))
        for aid, needs in p.prerequisites.items():
            ids.add(aid)
            ids.update(needs)
    return names(c, principal, ids)


def _page(
    request: Request,
    c: Container,
    principal: Principal,
    typed: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    prereqs: dict[str, set[str]] | None = None,
    error: str | None = None,
    status: int = 200,
    searched: bool = False,
) -> Response:
    typed = typed or {}
    pathways = c.learning.pathways(principal)
    by_id = _named(c, principal, pathways)
    listed = [(p, in_words(p.requirement, by_id)) for p in pathways]
    target = typed.get("achievement_id", "")
    picked = names(c, principal, [*(chosen or []), target])
    query = typed.get("pw_q", "").strip()[:200]
    found = c.achievements.search(principal, query, FOUND + 1)
    return render(
        request,
        principal,
        "admin_pathways.html",
        status,
        listed=listed,
        by_id=by_id,
        rules=RULES,
        typed=typed,
        chosen=[(aid, picked[aid]) for aid in chosen or [] if aid in picked],
        target=(target, picked[target]) if target in picked else None,
        prereqs=prereqs or {},
        found=found[:FOUND],
        more=len(found) > FOUND,
        query=query,
        searched=searched,
        any_defined=bool(found) or bool(query),
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
    """The builder's form: search, pick and drop micro-credentials, or create the pathway."""
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


def _picked(form: FormData, typed: dict[str, str]) -> list[str]:
    """The embedded micro-credentials after this post's add or remove button."""
    chosen = list(dict.fromkeys(v for v in form.getlist("embed") if isinstance(v, str)))
    adding = typed.get("add_embed")
    if adding and adding not in chosen:
        chosen.append(adding)
    removing = typed.get("remove_embed")
    chosen = [aid for aid in chosen if aid != removing]
    if len(chosen) > MAX_EMBEDDED:
        raise InvalidInput(f"A pathway embeds at most {MAX_EMBEDDED} micro-credentials.")
    return chosen


def _create(c: Container, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    if "set_target" in typed:
        typed["achievement_id"] = typed["set_target"]
    if "drop_target" in typed:
        typed["achievement_id"] = ""
    chosen: list[str] = []
    prereqs: dict[str, set[str]] = {}
    try:
        chosen = _picked(form, typed)
        prereqs = {
            aid: {v for v in form.getlist(f"pre_{aid}") if isinstance(v, str) and v != aid}
            & set(chosen)
            for aid in chosen
        }
        picking = {"add_embed", "remove_embed", "set_target", "drop_target"} & typed.keys()
        if picking or wants_search(typed, "pw_q"):
            known = achievements(c, principal, [*chosen, typed.get("achievement_id", "")])
            unknown = [
                a for a in [*chosen, typed.get("achievement_id", "")] if a and a not in known
            ]
            if unknown:
                raise NotFound("That is not one of your organisation's micro-credentials.")
            searched = wants_search(typed, "pw_q")
            return _page(request, c, principal, typed, chosen, prereqs, searched=searched)
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
        return _page(request, c, principal, typed, chosen, prereqs, exc.explain(), status_of(exc))
    return RedirectResponse("/admin/pathways?saved=1", status_code=303)
