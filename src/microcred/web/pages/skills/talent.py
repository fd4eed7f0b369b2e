"""A role's page (its candidates ranked and explained, and its teams × skills heatmap), and one
person against a role (the fit, requirement by requirement, and the career path to it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.errors import NotFound
from microcred.ports.skills import StoredRole
from microcred.services.skills.analysis import Explained, TeamSize
from microcred.skills.gaps import RoleGap
from microcred.skills.paths import CareerPath
from microcred.skills.search import SearchFilters, SearchPage
from microcred.web.pages.skills import charts
from microcred.web.pages.skills.export import csv_response, filename
from microcred.web.pages.skills.views import (
    explain,
    percent,
    render,
    signed_in,
    status_words,
    step_reason,
    to_login,
)

router = APIRouter(include_in_schema=False)
PAGE = 20
#: team rows the role page's heatmap shows unless asked for all (the largest teams)
HEAT_TEAMS = 25
CANDIDATES_HEADER = (
    "rank",
    "name",
    "kind",
    "team",
    "readiness_percent",
    "met",
    "requirements",
    "essential_met",
    "explanation",
)


def _filters(request: Request) -> tuple[SearchFilters, dict[str, str]]:
    team = request.query_params.get("team", "")[:100]
    essentials = request.query_params.get("essentials", "") == "1"
    chosen = {"team": team, "essentials": "1" if essentials else ""}
    return SearchFilters(
        teams=frozenset({team}) if team else None, essentials_met=essentials
    ), chosen


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "0")
    return min(int(raw), 100_000) if raw.isdigit() else 0


def _search(
    c: Container, p: Principal, role_id: str, request: Request, limit: int = PAGE
) -> tuple[Explained[SearchPage], dict[str, str]]:
    filters, chosen = _filters(request)
    return c.skills.analysis.search(p, role_id, filters, _offset(request), limit), chosen


def _largest(sizes: Sequence[TeamSize], limit: int | None) -> list[str] | None:
    """The ``limit`` largest teams (by name), or None (every team) when they all fit: a
    heatmap of 500 teams is some 20,000 cells, too many to draw on every visit."""
    if limit is None or len(sizes) <= limit:
        return None
    return sorted(t.team for t in sorted(sizes, key=lambda t: (-t.size, t.team))[:limit])


def _team_href(role_id: str) -> Callable[[str], str | None]:
    return lambda team: f"/skills/roles/{quote(role_id)}?{urlencode({'team': team})}"


@router.get("/skills/roles/{role_id}")
def role_page(role_id: str, request: Request) -> Response:
    """Candidates for a role, best first, each with why; and how each team covers its skills."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    role = c.skills.roles.get(p, role_id)
    found, chosen = _search(c, p, role_id, request)
    page = found.value
    rows = [(x, explain(x, found.labels, found.names)) for x in page.results]
    sizes = c.skills.analysis.teams(p)
    shown = _largest(sizes, None if request.query_params.get("all") == "1" else HEAT_TEAMS)
    teams = c.skills.analysis.teams_heatmap(p, role_id, shown)
    heat = charts.heat_view(teams.value, teams.labels, teams.names, _team_href(role_id))
    query = urlencode({k: v for k, v in chosen.items() if v})
    return render(
        request,
        p,
        "skills_role.html",
        role=role,
        labels=found.labels,
        rows=rows,
        names=found.names,
        page=page,
        chosen=chosen,
        query=query,
        teams=[t.team for t in sizes],
        heat=heat,
        total_teams=len(sizes),
        legend=charts.LEGEND,
        as_of=found.as_of,
        percent=percent,
        previous=max(0, page.offset - PAGE) if page.offset else None,
        next=page.offset + PAGE if page.offset + PAGE < page.total else None,
    )


@router.get("/skills/roles/{role_id}/candidates.csv")
def candidates_csv(role_id: str, request: Request) -> Response:
    """The candidates (the first 100 with the page's filters) as CSV."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    role = c.skills.roles.get(p, role_id)
    found, _ = _search(c, p, role_id, request, limit=100)
    rows = []
    for x in found.value.results:
        e = explain(x, found.labels, found.names)
        why = " ".join(
            [e.summary]
            + ([f"Meets: {'; '.join(e.met)}."] if e.met else [])
            + ([f"Below: {'; '.join(e.below)}."] if e.below else [])
            + ([f"Missing: {'; '.join(e.missing)}."] if e.missing else [])
        )
        rows.append(
            [
                x.rank,
                found.names.get(x.person_id, x.person_id),
                x.kind.value,
                x.team or "",
                percent(x.readiness),
                x.met,
                len(x.matches),
                x.essential_met,
                why,
            ]
        )
    return csv_response(filename("candidates", role.name), CANDIDATES_HEADER, rows)


@router.get("/skills/roles/{role_id}/teams-heatmap.csv")
def teams_heatmap_csv(role_id: str, request: Request) -> Response:
    """The teams × skills heatmap of a role as CSV, one line per cell."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    role = c.skills.roles.get(p, role_id)
    teams = c.skills.analysis.teams_heatmap(p, role_id)
    heat = charts.heat_view(teams.value, teams.labels, teams.names)
    return csv_response(filename("teams-heatmap", role.name), charts.CSV_HEADER, heat.csv_rows())


def _person_name(c: Container, p: Principal, user_id: str) -> str:
    try:
        return c.skills.people.get(p, user_id).user.name
    except NotFound:
        return "Applicant"


@dataclass(frozen=True, slots=True)
class Fit:
    """A person against a role: the gap, the career path, the role and the person's name."""

    gap: Explained[RoleGap]
    path: Explained[CareerPath]
    role: StoredRole
    name: str


def _fit(c: Container, p: Principal, user_id: str, role_id: str) -> Fit:
    gap = c.skills.analysis.person_gap(p, user_id, role_id)
    path = c.skills.analysis.career_path(p, user_id, role_id, 2)
    role = c.skills.roles.get(p, role_id)
    return Fit(gap, path, role, _person_name(c, p, user_id))


@router.get("/skills/people/{user_id}/roles/{role_id}")
def fit_page(user_id: str, role_id: str, request: Request) -> Response:
    """A person against a role: each requirement met, below or missing (and what closes it),
    then the least-effort career path there and its alternatives."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    fit = _fit(c, p, user_id, role_id)
    return render(
        request,
        p,
        "skills_fit.html",
        gap=fit.gap,
        path=fit.path,
        role=fit.role,
        person_name=fit.name,
        user_id=user_id,
        percent=percent,
        status_words=status_words,
        step_reason=step_reason,
    )


@router.get("/skills/people/{user_id}/roles/{role_id}/fit.csv")
def fit_csv(user_id: str, role_id: str, request: Request) -> Response:
    """A person's fit for a role as CSV, one line per requirement."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    fit = _fit(c, p, user_id, role_id)
    e = fit.gap
    rows = [
        [
            e.labels.get(s.skill_id, s.skill_id),
            s.skill_id,
            s.required_level,
            s.current_level,
            s.essential,
            status_words(s.status),
            e.names.get(s.credential_id or "", ""),
            "; ".join(f"{o.name} ({o.effort_hours:g} h)" for o in s.options),
        ]
        for s in e.value.skills
    ]
    header = (
        "skill",
        "skill_uri",
        "required_level",
        "verified_level",
        "essential",
        "status",
        "credential",
        "closed_by",
    )
    return csv_response(filename("fit", fit.name, fit.role.name), header, rows)


@router.get("/skills/people/{user_id}/roles/{role_id}/path.csv")
def path_csv(user_id: str, role_id: str, request: Request) -> Response:
    """A person's career path to a role (the plan, then each alternative) as CSV."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    fit = _fit(c, p, user_id, role_id)
    found = fit.path
    rows = []
    plans = [("plan", found.value.plan)] + [
        (f"alternative {i}", a) for i, a in enumerate(found.value.alternatives, 1)
    ]
    for which, plan in plans:
        for n, step in enumerate(plan.steps, 1):
            raises = "; ".join(
                f"{found.labels.get(r.skill_id, r.skill_id)} {r.before}→{r.after}"
                for r in step.raises
            )
            rows.append(
                [
                    which,
                    n,
                    step.name,
                    step.effort_hours,
                    step.item_id in found.effort_stated,
                    raises,
                    step_reason(step.reason),
                ]
            )
    header = ("plan", "step", "micro_credential", "effort_hours", "effort_stated", "raises", "why")
    return csv_response(filename("career-path", fit.name, fit.role.name), header, rows)
