"""The people list pages in the query: every page, one team's people, the count, DIDs and the
organisation boundary agree with reading everyone and slicing; a person's skills read only their
own credentials and still label a skill from another micro-credential; a role's page draws the
largest teams; credentials per month are counted by the database. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from tests.conftest import FrozenClock
from tests.integration.skills_world import PASSWORD, PY, SQL, Org, make_org
from tests.integration.web_forms import login_csrf

from microcred.bootstrap import Container
from microcred.errors import InvalidInput
from microcred.ports.skills import Placement
from microcred.services.credentials.achievements import AchievementInput
from microcred.web.api.app import create_app

DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _everyone(org: Org) -> list[tuple[str, str, Placement]]:
    """The old way: every user and every placement, joined and sorted in Python."""
    with org.c.uow() as uow:
        t = uow.tenant(org.org_id).skills
        placements = t.placements()
        return [(u.id, u.email, placements.get(u.id, Placement(u.id))) for u in t.users()]


def _page(org: Org, offset: int, limit: int, team: str | None = None) -> tuple[list[str], int]:
    found, total = org.c.skills.people.list_people(org.admin, offset, limit, team)
    return [v.user.id for v in found], total


def test_pages_teams_counts_and_dids_match_reading_everyone(
    container: Container, client: TestClient
) -> None:
    acme = make_org(container, client, "acme")
    names = [f"person{i:02d}" for i in range(22)]
    for name in names:
        acme.user(name)
    for i, name in enumerate(names):
        if i % 3:
            acme.place(name, "data" if i % 3 == 1 else "platform")
    dids = (DID,)
    container.skills.people.place(acme.admin, acme.users["person04"], team="data",
                                  current_role_id=None, dids=dids)  # fmt: skip
    other = make_org(container, client, "globex")
    other.user("spy")
    other.place("spy", "data")

    everyone = _everyone(acme)
    assert len(everyone) == 23  # the admin and 22 people; globex's user is not among them
    ids = [uid for uid, _, _ in everyone]
    seen: list[str] = []
    for offset in range(0, 30, 5):
        page, total = _page(acme, offset, 5)
        assert total == 23
        assert page == ids[offset : offset + 5]
        seen += page
    assert seen == ids

    found, _ = container.skills.people.list_people(acme.admin, 0, 200)
    assert [(v.user.id, v.user.email, v.placement) for v in found] == everyone
    by_id = {v.user.id: v.placement for v in found}
    assert by_id[acme.users["person04"]].dids == dids
    assert by_id[acme.users["person00"]] == Placement(acme.users["person00"])

    data = [uid for uid, _, p in everyone if p.team == "data"]
    assert len(data) == 7
    assert _page(acme, 0, 200, "data") == (data, 7)
    assert _page(acme, 3, 4, "data") == (data[3:7], 7)
    assert _page(acme, 0, 50, "nobody") == ([], 0)
    assert other.users["spy"] not in _page(acme, 0, 200, "data")[0]
    assert _page(other, 0, 200, "data")[1] == 1

    for offset, limit in ((-1, 10), (0, 0), (0, 201)):
        with pytest.raises(InvalidInput):
            container.skills.people.list_people(acme.admin, offset, limit)


def test_person_skills_read_their_own_credentials_by_email_and_did(
    container: Container, client: TestClient, clock: FrozenClock
) -> None:
    acme = make_org(container, client, "acme")
    alice = acme.user("alice")
    acme.user("bob")
    py_only = acme.achievement("Python basics", [(PY, 2)], 4)
    acme.achievement("Python again", [(PY, 3)], 6)  # labels PY "Python" too
    sql = acme.achievement("SQL", [(SQL, 3)], 5)
    acme.give("alice", py_only)
    acme.give("bob", sql)
    container.skills.people.place(acme.admin, alice, team="data", current_role_id=None,
                                  dids=(DID,))  # fmt: skip
    by_did = acme.issue(sql, did=DID)

    found = container.skills.people.skills(acme.admin, alice)
    assert {(e.skill_uri, e.level, e.label) for e in found.verified} == {
        (PY, 2, "Python"),
        (SQL, 3, "SQL"),
    }
    assert by_did in {e.credential_id for e in found.evidence}

    # the micro-credential alice's credential is of no longer aligns to Python: her credential
    # still certifies it (read from its document) and the label comes from another one
    clock.advance(minutes=5)
    container.achievements.update(
        acme.admin,
        py_only,
        AchievementInput(
            name="Python basics",
            description="Now about SQL.",
            criteria_narrative="Show the work.",
            alignments=[],
            effort_hours=4,
        ),
    )
    again = container.skills.people.skills(acme.admin, alice)
    assert {(e.skill_uri, e.level, e.label) for e in again.verified} == {
        (PY, 2, "Python"),
        (SQL, 3, "SQL"),
    }
    assert container.skills.people.skills(acme.admin, acme.users["bob"]).verified[0].label == "SQL"


def _team_rows(html: str) -> list[str]:
    table = html.split('id="teams-heatmap"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a>', table)


def test_the_role_page_draws_the_largest_teams_and_offers_all(
    container: Container, client: TestClient
) -> None:
    acme = make_org(container, client, "acme")
    role = acme.role("Analyst", [(PY, 2), (SQL, 2)])
    for i in range(28):
        acme.user(f"p{i:02d}")
        acme.place(f"p{i:02d}", f"team {i:02d}" if i < 26 else "team 25")  # team 25 has three
    web = TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False)
    form = {"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD}
    form["csrf"] = login_csrf(web)
    assert web.post("/login", data=form, follow_redirects=False).status_code == 303

    page = web.get(f"/skills/roles/{role}")
    assert page.status_code == 200
    shown = _team_rows(page.text)
    assert len(shown) == 25 and "team 25" in shown and shown == sorted(shown)
    assert "The 25 largest of 26 teams shown" in page.text
    every = _team_rows(web.get(f"/skills/roles/{role}?all=1").text)
    assert every == [f"team {i:02d}" for i in range(26)]
    rows = web.get(f"/skills/roles/{role}/teams-heatmap.csv").text.splitlines()[1:]
    assert len({r.split(",")[0] for r in rows}) == 26  # the CSV keeps every team


def test_credentials_per_month_are_counted_by_the_database(
    container: Container, client: TestClient, clock: FrozenClock
) -> None:
    acme = make_org(container, client, "acme")
    acme.user("alice")
    py = acme.achievement("Python", [(PY, 2)], 4)
    issued = []
    for days in (0, 3, 40, 41, 95, 200):
        clock.advance(days=days)
        issued.append(container.credentials.get(acme.admin, acme.give("alice", py)[0]).issued_at)
    other = make_org(container, client, "globex")
    other.user("bob")
    other.give("bob", other.achievement("SQL", [(SQL, 2)], 4))  # not acme's

    months = [at.astimezone(UTC).strftime("%Y-%m") for at in issued]
    everything = container.skills.analysis.issued_per_month(acme.admin, 100)
    assert everything == {m: months.count(m) for m in months}
    newest = container.skills.analysis.issued_per_month(acme.admin, 2)
    assert newest == {m: months[-2:].count(m) for m in months[-2:]}
    with pytest.raises(InvalidInput):
        container.skills.analysis.issued_per_month(acme.admin, 0)
