"""The manager's home (the roles × skills heatmap and credentials earned per month), the people
list, and one person's page (verified skills, and the roles they are closest to)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.services.skills.analysis import Explained
from microcred.services.skills.people import PersonView
from microcred.skills.gaps import Heatmap, Population
from microcred.web.pages.skills import charts
from microcred.web.pages.skills.export import csv_response, filename
from microcred.web.pages.skills.views import percent, render, signed_in, to_login

router = APIRouter(include_in_schema=False)
#: how many credentials the chart counts at most (newest first)
CREDENTIALS_LIMIT = 20_000
PEOPLE_LIMIT = 200
#: skill rows the home page's heatmap shows unless asked for all
HEAT_ROWS = 25


def _issued(c: Container, p: Principal) -> dict[str, int]:
    return c.skills.analysis.issued_per_month(p, CREDENTIALS_LIMIT)


def _roles_heat(c: Container, p: Principal) -> Explained[Heatmap]:
    return c.skills.analysis.roles_heatmap(p, None, Population.ORGANISATION)


@router.get("/skills")
def home(request: Request) -> Response:
    """Where the organisation's roles are short of verified skills, and credentials per month."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    roles, total_roles = c.skills.roles.list(p, 0, 200)
    show_all = request.query_params.get("all") == "1"
    found = _roles_heat(c, p)
    heat, skills = charts.by_skill(
        found.value,
        found.labels,
        found.names,
        lambda r: f"/skills/roles/{quote(r)}",
        None if show_all else HEAT_ROWS,
    )
    people = c.skills.people.list_people(p, 0, 1)[1]
    return render(
        request,
        p,
        "skills_home.html",
        heat=heat,
        skills=skills,
        legend=charts.LEGEND,
        roles=roles,
        total_roles=total_roles,
        people=people,
        teams=c.skills.analysis.teams(p),
        months=charts.month_bars(_issued(c, p)),
    )


@router.get("/skills/roles-heatmap.csv")
def roles_heatmap_csv(request: Request) -> Response:
    """The roles × skills heatmap as CSV, one line per cell."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    found = _roles_heat(c, p)
    rows = charts.csv_rows(found.value, found.labels, found.names)
    return csv_response(filename("roles-heatmap"), charts.CSV_HEADER, rows)


@router.get("/skills/credentials-by-month.csv")
def months_csv(request: Request) -> Response:
    """Credentials issued per month as CSV."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    rows = [[m.month, m.count] for m in charts.month_bars(_issued(c, p))]
    return csv_response(filename("credentials-by-month"), ("month", "credentials"), rows)


def _people(c: Container, p: Principal, team: str) -> tuple[list[PersonView], int, dict[str, str]]:
    found, total = c.skills.people.list_people(p, 0, PEOPLE_LIMIT, team or None)
    roles, _ = c.skills.roles.list(p, 0, 200)
    return found, total, {r.id: r.name for r in roles}


@router.get("/skills/people")
def people_page(request: Request) -> Response:
    """People with their team and current role (one team's with ``team``)."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    team = request.query_params.get("team", "")[:100]
    found, total, role_names = _people(c, p, team)
    return render(
        request,
        p,
        "skills_people.html",
        people=found,
        total=total,
        role_names=role_names,
        team=team,
        teams=c.skills.analysis.teams(p),
    )


@router.get("/skills/people.csv")
def people_csv(request: Request) -> Response:
    """The people list as CSV."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    team = request.query_params.get("team", "")[:100]
    found, _, role_names = _people(c, p, team)
    rows = [
        [
            v.user.name,
            v.user.email,
            v.placement.team or "",
            role_names.get(v.placement.current_role_id or "", ""),
        ]
        for v in found
    ]
    return csv_response(filename("people", team), ("name", "email", "team", "current_role"), rows)


@router.get("/skills/people/{user_id}")
def person_page(user_id: str, request: Request) -> Response:
    """A person's verified skills, and the roles they are closest to."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    person = c.skills.people.get(p, user_id)
    skills = c.skills.people.skills(p, user_id)
    matches = c.skills.analysis.matches(p, user_id, 10)
    return render(
        request,
        p,
        "skills_person.html",
        person=person,
        skills=skills,
        matches=matches,
        percent=percent,
    )


@router.get("/skills/people/{user_id}/roles.csv")
def person_roles_csv(user_id: str, request: Request) -> Response:
    """The roles a person is closest to as CSV."""
    c, p = signed_in(request)
    if p is None:
        return to_login()
    person = c.skills.people.get(p, user_id)
    found = c.skills.analysis.matches(p, user_id, 50)
    rows = [
        [
            found.names.get(m.role_id, m.role_id),
            percent(m.readiness),
            m.met,
            m.total,
            "; ".join(found.labels.get(s, s) for s in m.missing),
            "; ".join(found.labels.get(s, s) for s in m.below),
        ]
        for m in found.value.roles
    ]
    header = ("role", "readiness_percent", "met", "requirements", "missing", "below")
    return csv_response(filename("roles-for", person.user.name), header, rows)
