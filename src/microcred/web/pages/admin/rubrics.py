"""The rubric editor: the task, the pass mark and the criteria, each with its levels written one
a line as "points name" ("0 missing", "2 complete"). Empty rows are ignored; "Add a criterion"
re-renders the form with one more empty row."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
MAX_ROWS = 20
_LEVEL = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+(.+?)\s*$")
_SLUG = re.compile(r"[^a-z0-9]+")


def _rows(typed: dict[str, str]) -> list[dict[str, str]]:
    count = min(MAX_ROWS, max(1, int(typed.get("rows", "1") or 1)))
    return [
        {"description": typed.get(f"c{i}_description", ""), "levels": typed.get(f"c{i}_levels", "")}
        for i in range(count)
    ]


def _stored(c: Container, principal: Principal, achievement_id: str) -> dict[str, str]:
    rubric = c.rubrics.rubric_of(principal, achievement_id)
    if rubric is None:
        return {"rows": "2"}
    typed = {
        "title": rubric.title,
        "task": rubric.task,
        "pass_points": "" if rubric.pass_points is None else f"{rubric.pass_points:g}",
        "rows": str(len(rubric.criteria) + 1),
    }
    for i, criterion in enumerate(rubric.criteria):
        typed[f"c{i}_description"] = criterion.description
        typed[f"c{i}_levels"] = "\n".join(f"{lv.points:g} {lv.name}" for lv in criterion.levels)
    return typed


def _rubric(typed: dict[str, str]) -> dict[str, Any]:
    criteria: list[dict[str, Any]] = []
    for n, row in enumerate(_rows(typed), start=1):
        if not row["description"].strip() and not row["levels"].strip():
            continue
        levels: list[dict[str, Any]] = []
        for line in row["levels"].splitlines():
            if not line.strip():
                continue
            found = _LEVEL.match(line)
            if found is None:
                raise InvalidInput(
                    f'Criterion {n}: write each level as points then a name, e.g. "2 complete".'
                )
            levels.append({"name": found.group(2)[:200], "points": float(found.group(1))})
        if len(levels) < 2:
            raise InvalidInput(f"Criterion {n} needs at least two levels.")
        ident = _SLUG.sub("-", row["description"].lower()).strip("-")[:40] or f"criterion-{n}"
        ids = {c["id"] for c in criteria}
        criteria.append(
            {
                "id": ident if ident not in ids else f"{ident}-{n}",
                "description": row["description"].strip(),
                "levels": sorted(levels, key=lambda lv: lv["points"]),
            }
        )
    if not criteria:
        raise InvalidInput("Write at least one criterion with its levels.")
    mark = typed.get("pass_points", "").strip()
    try:
        pass_points = float(mark) if mark else None
    except ValueError:
        raise InvalidInput("The pass mark must be a number of points.") from None
    return {
        "title": typed.get("title", "").strip()[:300],
        "task": typed.get("task", "").strip(),
        "criteria": criteria,
        "pass_points": pass_points,
    }


def _page(
    request: Request,
    principal: Principal,
    name: str,
    achievement_id: str,
    typed: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        principal,
        "admin_rubric.html",
        status,
        name=name,
        achievement_id=achievement_id,
        typed=typed,
        rows=_rows(typed),
        error=error,
        saved=request.query_params.get("saved"),
    )


@router.get("/admin/achievements/{achievement_id}/rubric")
def rubric_page(achievement_id: str, request: Request) -> Response:
    """A micro-credential's rubric as a form."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    found = c.achievements.get(principal, achievement_id)
    return _page(request, principal, found.name, found.id, _stored(c, principal, found.id))


@router.post("/admin/achievements/{achievement_id}/rubric")
async def save_rubric(achievement_id: str, request: Request) -> Response:
    """Save the rubric (a new version), or add an empty criterion row."""
    c = container(request)
    form = await request.form()
    return await run_in_threadpool(_save, c, achievement_id, request, form)


def _save(c: Container, achievement_id: str, request: Request, form: FormData) -> Response:
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    found = c.achievements.get(principal, achievement_id)
    typed = posted(request, form)
    try:
        if not typed.get("rows", "1").isdigit():
            raise InvalidInput("The form was malformed; reload it.")
        if typed.get("op") == "add":
            typed["rows"] = str(min(MAX_ROWS, int(typed["rows"]) + 1))
            return _page(request, principal, found.name, found.id, typed)
        c.rubrics.set_rubric(principal, found.id, _rubric(typed))
    except MicrocredError as exc:
        typed["rows"] = typed.get("rows", "1") if typed.get("rows", "1").isdigit() else "1"
        return _page(request, principal, found.name, found.id, typed, exc.explain(), status_of(exc))
    return RedirectResponse(f"/admin/achievements/{found.id}/rubric?saved=1", status_code=303)
