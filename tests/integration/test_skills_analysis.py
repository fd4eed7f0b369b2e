"""Gaps, career paths, role matches, heatmaps and talent search over the API, on verified
credentials issued by the real issuance service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.conftest import FrozenClock
from tests.integration.skills_world import DOCKER, PY, SQL, Org, make_org

from microcred.adapters.db.uow import SqlUnitOfWorkFactory, snapshot_engine
from microcred.bootstrap import Container
from microcred.domain.achievement import Alignment, StatusPurpose
from microcred.domain.credential import StatusAction
from microcred.domain.identity import Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.skills.index import SkillsIndexCache
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def acme(container: Container, client: TestClient) -> Org:
    return make_org(container, client, "acme")


def _data_team(o: Org) -> dict[str, str]:
    """alice: Python 3 + SQL 2; bob: Python 3 + SQL 3; carol: Docker 2; dave: nothing."""
    for name in ("alice", "bob", "carol", "dave"):
        o.user(name)
    a = {
        "py3": o.achievement("Python 3", [(PY, 3)], 10),
        "sql2": o.achievement("SQL 2", [(SQL, 2)], 5),
        "sql3": o.achievement("SQL 3", [(SQL, 3)], 8),
        "docker": o.achievement("Docker", [(DOCKER, 2)]),  # no effort stated
    }
    o.give("alice", a["py3"], a["sql2"])
    o.give("bob", a["py3"], a["sql3"])
    o.give("carol", a["docker"])
    return a


def test_person_gap_path_and_search_explain_themselves(acme: Org) -> None:
    a = _data_team(acme)
    role = acme.role("Data engineer", [(PY, 3), (SQL, 3), (DOCKER, 2, 0.5, False)])
    alice = acme.users["alice"]

    gap = acme.ok(f"/api/v1/people/{alice}/gaps", role=role)
    assert gap["readiness"] == pytest.approx((1 + 2 / 3) / 2.5, abs=1e-4)
    assert (gap["met"], gap["below"], gap["missing"]) == (1, 1, 1)
    by_skill = {s["skill_uri"]: s for s in gap["skills"]}
    assert by_skill[PY]["status"] == "met" and by_skill[PY]["credential_name"] == "Python 3"
    assert by_skill[SQL]["status"] == "below" and by_skill[SQL]["current_level"] == 2
    assert [o["achievement_id"] for o in by_skill[SQL]["options"]] == [a["sql3"]]
    docker = by_skill[DOCKER]
    assert docker["status"] == "missing" and docker["label"] == "Docker"
    assert docker["options"][0]["effort_estimated"] is True

    path = acme.ok(f"/api/v1/people/{alice}/career-path", role=role)
    steps = path["plan"]["steps"]
    assert {s["achievement_id"] for s in steps} == {a["sql3"], a["docker"]}
    assert path["plan"]["total_effort_hours"] == pytest.approx(8 + 8)
    assert path["unreachable"] == [] and all(s["reason"] for s in steps)

    page = acme.ok(f"/api/v1/roles/{role}/candidates")
    assert page["total"] == 3  # dave holds nothing that matches: not shown
    ranked = [r["person_id"] for r in page["results"]]
    assert ranked == [acme.users["bob"], alice, acme.users["carol"]]
    bob = page["results"][0]
    assert bob["name"] == "Bob" and bob["readiness"] == pytest.approx(0.8)
    sql = next(m for m in bob["matches"] if m["skill_uri"] == SQL)
    assert sql["status"] == "met" and sql["credential_name"] == "SQL 3"
    assert bob["missing"] == [DOCKER]

    def ids(**params: object) -> list[str]:
        body = acme.ok(f"/api/v1/roles/{role}/candidates", **params)
        return [r["person_id"] for r in body["results"]]

    assert ids(essentials_met=True) == [acme.users["bob"]]
    assert ids(must_meet=SQL) == [acme.users["bob"]]
    assert ids(min_readiness=0.5) == [acme.users["bob"], alice]
    assert ids(kind="applicant") == []
    second = acme.ok(f"/api/v1/roles/{role}/candidates", offset=1, limit=1)
    assert second["total"] == 3 and second["results"][0]["rank"] == 2


def test_teams_heatmaps_organisation_gaps_and_role_matches(acme: Org) -> None:
    a = _data_team(acme)
    role = acme.role("Data engineer", [(PY, 3), (SQL, 3), (DOCKER, 2, 0.5, False)], headcount=3)
    acme.place("alice", "data")
    acme.place("bob", "data", role)
    acme.place("carol", "ops")

    assert acme.ok("/api/v1/teams") == [{"team": "data", "size": 2}, {"team": "ops", "size": 1}]
    team = acme.ok("/api/v1/teams/data/gaps", role=role)["roles"][0]
    assert team["size"] == 2 and [u["skill_uri"] for u in team["uncovered"]] == [DOCKER]
    assert team["best_person"] == acme.users["bob"]
    holders = {r["skill_uri"]: (r["holders"], r["below"]) for r in team["requirements"]}
    assert holders == {PY: (2, 0), SQL: (1, 1), DOCKER: (0, 0)}

    everyone = acme.ok("/api/v1/heatmaps/roles", population="organisation")
    cells = {c["skill_uri"]: (c["holders"], c["population"]) for c in everyone["cells"]}
    assert cells == {PY: (2, 5), SQL: (1, 5), DOCKER: (1, 5)}  # five users, admin included
    holders_only = acme.ok("/api/v1/heatmaps/roles", population="incumbents")
    assert {c["population"] for c in holders_only["cells"]} == {1}  # bob holds the role
    teams = acme.ok("/api/v1/heatmaps/teams", role=role)
    assert [r["id"] for r in teams["rows"]] == ["data", "ops"]
    ops_docker = next(c for c in teams["cells"] if c["row"] == "ops" and c["skill_uri"] == DOCKER)
    assert (ops_docker["holders"], ops_docker["population"], ops_docker["share"]) == (1, 1, 1.0)

    short = {s["skill_uri"]: s for s in acme.ok("/api/v1/organisation/skill-gaps")["shortfalls"]}
    assert short[SQL]["shortfall"] == 2 and short[DOCKER]["shortfall"] == 2
    assert short[PY]["shortfall"] == 1
    assert [o["achievement_id"] for o in short[PY]["options"]] == [a["py3"]]

    carol = acme.ok(f"/api/v1/people/{acme.users['carol']}/role-matches")
    assert carol["roles"][0]["role_id"] == role
    assert carol["roles"][0]["readiness"] == pytest.approx(0.2)
    need = next(n for n in carol["needs"] if n["skill_uri"] == DOCKER)
    assert need["can_fill"] is True and need["shortfall"] == 2


def test_learners_see_only_their_own_gaps_and_path(acme: Org) -> None:
    _data_team(acme)
    role = acme.role("Data engineer", [(PY, 3), (SQL, 3)])
    acme.user("vera", Role.EMPLOYER_VIEWER)
    acme.user("ivan", Role.ISSUER)
    alice, bob = acme.users["alice"], acme.users["bob"]

    mine = acme.ok("/api/v1/people/me/gaps", as_="alice", role=role)
    assert mine["person_id"] == alice
    assert (
        acme.get(f"/api/v1/people/{alice}/career-path", as_="alice", role=role).status_code == 200
    )
    for path in (
        f"/api/v1/people/{bob}/gaps",
        f"/api/v1/people/{bob}/career-path",
        f"/api/v1/people/{bob}/skills",
        f"/api/v1/roles/{role}/candidates",
        "/api/v1/teams",
        "/api/v1/organisation/skill-gaps",
    ):
        r = acme.get(path, as_="alice", role=role)
        assert r.status_code == 403, (path, r.text)
        assert "may" in r.json()["message"]
    assert (
        acme.post("/api/v1/roles", {"name": "x", "requirements": []}, as_="alice").status_code
        == 403
    )
    # an employer viewer searches and reads gaps, but does not define roles
    assert acme.get(f"/api/v1/roles/{role}/candidates", as_="vera").status_code == 200
    assert acme.get(f"/api/v1/people/{bob}/gaps", as_="vera", role=role).status_code == 200
    r = acme.post(
        "/api/v1/roles", {"name": "Analyst", "requirements": [{"skill_uri": PY}]}, as_="vera"
    )
    assert r.status_code == 403
    # an issuer defines roles and sees organisation-wide counts, but does not search people
    r = acme.post(
        "/api/v1/roles", {"name": "Analyst", "requirements": [{"skill_uri": PY}]}, as_="ivan"
    )
    assert r.status_code == 201
    assert acme.get("/api/v1/organisation/skill-gaps", as_="ivan").status_code == 200
    assert acme.get(f"/api/v1/roles/{role}/candidates", as_="ivan").status_code == 403


def test_expired_revoked_and_suspended_credentials_never_count(
    acme: Org, clock: FrozenClock
) -> None:
    for name in ("alice", "bob", "carol"):
        acme.user(name)
    short = acme.achievement("Python (1 day)", [(PY, 3)], 2, validity_days=1)
    revocable = acme.achievement("Python", [(PY, 3)], 2)
    suspendable = acme.achievement(
        "Python (suspendable)", [(PY, 3)], 2, purpose=StatusPurpose.SUSPENSION
    )
    acme.give("alice", short)
    (bobs,) = acme.give("bob", revocable)
    (carols,) = acme.give("carol", suspendable)
    role = acme.role("Pythonista", [(PY, 3)])

    def ranked() -> list[str]:
        body = acme.ok(f"/api/v1/roles/{role}/candidates")
        return sorted(r["person_id"] for r in body["results"])

    assert ranked() == sorted(acme.users.values())
    acme.change(bobs, StatusAction.REVOKE)
    acme.change(carols, StatusAction.SUSPEND)
    assert ranked() == [acme.users["alice"]]
    clock.advance(days=2)
    assert ranked() == []

    standings = {}
    for name in ("alice", "bob", "carol"):
        body = acme.ok(f"/api/v1/people/{acme.users[name]}/skills")
        assert body["verified"] == []
        standings[name] = [e["standing"] for e in body["evidence"]]
    assert standings == {"alice": ["expired"], "bob": ["revoked"], "carol": ["suspended"]}
    gap = acme.ok(f"/api/v1/people/{acme.users['bob']}/gaps", role=role)
    assert gap["skills"][0]["status"] == "missing" and gap["readiness"] == 0
    heat = acme.ok("/api/v1/heatmaps/roles")["cells"][0]
    assert heat["holders"] == 0

    acme.change(carols, StatusAction.REINSTATE)
    assert ranked() == [acme.users["carol"]]


def test_declared_skills_never_rank_anyone_above_the_same_verified_skills(acme: Org) -> None:
    for name in ("alice", "bob", "carol", "dave"):
        acme.user(name)
    py3 = acme.achievement("Python 3", [(PY, 3)], 5)
    sql1 = acme.achievement("SQL 1", [(SQL, 1)], 5)
    acme.give("alice", py3)
    acme.give("bob", py3)
    acme.give("dave", py3, sql1)
    declare = {"skills": [{"skill_uri": SQL, "level": 5}, {"skill_uri": PY, "level": 5}]}
    assert acme.put("/api/v1/people/me/declared-skills", declare, as_="bob").status_code == 200
    assert acme.put("/api/v1/people/me/declared-skills", declare, as_="carol").status_code == 200
    role = acme.role("Engineer", [(PY, 3), (SQL, 3)])

    def page() -> list[dict[str, object]]:
        return list(acme.ok(f"/api/v1/roles/{role}/candidates")["results"])

    results = page()
    order = [r["person_id"] for r in results]
    assert order[0] == acme.users["dave"]  # a verified SQL 1 beats any declared SQL 5
    assert acme.users["carol"] not in order  # declarations alone never rank anyone
    alice = next(r for r in results if r["person_id"] == acme.users["alice"])
    bob = next(r for r in results if r["person_id"] == acme.users["bob"])
    assert alice["readiness"] == bob["readiness"] == pytest.approx(0.5)
    assert order[1:] == sorted([acme.users["alice"], acme.users["bob"]])  # a tie: by id
    bob_sql = next(m for m in bob["matches"] if m["skill_uri"] == SQL)  # type: ignore[attr-defined]
    assert bob_sql["status"] == "missing" and bob_sql["declared_level"] == 5
    # the same declarations on alice's side change nothing
    assert acme.put("/api/v1/people/me/declared-skills", declare, as_="alice").status_code == 200
    assert [r["person_id"] for r in page()] == order
    carol = acme.ok(f"/api/v1/people/{acme.users['carol']}/skills")
    assert carol["verified"] == [] and {d["verified"] for d in carol["declared"]} == {False}
    # only the person declares their own skills
    r = acme.put(f"/api/v1/people/{acme.users['bob']}/declared-skills", declare, as_="alice")
    assert r.status_code == 403


def test_ties_page_stably_and_empty_organisations_answer_empty(
    acme: Org, container: Container, client: TestClient
) -> None:
    py = acme.achievement("Python", [(PY, 2)], 3)
    for i in range(5):
        acme.user(f"p{i}")
        acme.give(f"p{i}", py)
    role = acme.role("Dev", [(PY, 2)])
    pages = [
        acme.ok(f"/api/v1/roles/{role}/candidates", offset=k, limit=2)["results"] for k in (0, 2, 4)
    ]
    seen = [r["person_id"] for p in pages for r in p]
    assert seen == sorted(acme.users[f"p{i}"] for i in range(5))
    assert [r["rank"] for p in pages for r in p] == [1, 2, 3, 4, 5]

    empty = make_org(container, client, "empty")
    assert empty.ok("/api/v1/teams") == []
    assert empty.ok("/api/v1/organisation/skill-gaps")["shortfalls"] == []
    assert empty.ok("/api/v1/heatmaps/roles") | {"as_of": None} == {
        "as_of": None,
        "rows": [],
        "columns": [],
        "cells": [],
    }
    stats = empty.ok("/api/v1/skills/index")
    assert (stats["credentials"], stats["evidence_rows"], stats["employees"]) == (0, 0, 1)
    lone = empty.role("Dev", [(PY, 2)])
    assert empty.ok(f"/api/v1/roles/{lone}/candidates")["total"] == 0
    gap = empty.ok("/api/v1/people/me/gaps", role=lone)
    assert gap["readiness"] == 0 and gap["skills"][0]["options"] == []
    path = empty.ok("/api/v1/people/me/career-path", role=lone)
    assert path["plan"]["steps"] == [] and [u["skill_uri"] for u in path["unreachable"]] == [PY]
    assert empty.ok("/api/v1/people/me/role-matches")["roles"][0]["readiness"] == 0


def test_the_index_is_rebuilt_only_when_something_it_reads_changed(acme: Org) -> None:
    py = acme.achievement("Python", [(PY, 2)], 3)
    acme.user("alice")
    acme.give("alice", py)
    role = acme.role("Dev", [(PY, 2)])
    cache = acme.c.skills.cache
    assert acme.ok(f"/api/v1/roles/{role}/candidates")["total"] == 1
    builds = cache.builds
    assert acme.ok(f"/api/v1/roles/{role}/candidates")["total"] == 1
    assert acme.ok("/api/v1/heatmaps/roles")["cells"][0]["holders"] == 1
    assert cache.builds == builds  # nothing changed: served from memory
    acme.user("bob")
    acme.give("bob", py)
    reads = cache.full_reads
    assert acme.ok(f"/api/v1/roles/{role}/candidates")["total"] == 2
    assert cache.builds == builds + 1
    acme.give("alice", py)  # only a credential more: read alone, not everything again
    assert acme.ok(f"/api/v1/roles/{role}/candidates")["total"] == 2
    assert (cache.builds, cache.full_reads) == (builds + 2, reads + 1)
    acme.place("bob", "data")
    assert acme.ok("/api/v1/teams") == [{"team": "data", "size": 1}]
    assert (cache.builds, cache.full_reads) == (builds + 3, reads + 2)


def test_a_refreshed_index_equals_one_read_afresh(
    acme: Org, container: Container, clock: FrozenClock
) -> None:
    """New credentials and status changes are read alone; the result must be what reading
    everything gives, whatever happened in between."""
    for name in ("alice", "bob", "carol"):
        acme.user(name)
    py = acme.achievement("Python", [(PY, 3)], 2)
    sql = acme.achievement("SQL", [(SQL, 2)], 2, purpose=StatusPurpose.SUSPENSION)
    short = acme.achievement("Docker (2 days)", [(DOCKER, 2)], 2, validity_days=2)
    (bobs,) = acme.give("bob", py)
    (carols,) = acme.give("carol", sql)
    uow = container.uow
    cache = SkillsIndexCache(uow, container.clock)

    def same() -> None:
        kept = cache.get(acme.org_id)
        fresh = SkillsIndexCache(uow, container.clock).get(acme.org_id)
        assert kept.index.entries == fresh.index.entries
        assert kept.stats.credentials == fresh.stats.credentials
        assert kept.stats.unmatched == fresh.stats.unmatched
        for person in fresh.index.people:
            assert kept.index.person_skills(person.id) == fresh.index.person_skills(person.id)
            assert kept.index.earned(person.id) == fresh.index.earned(person.id)
        assert kept.index.next_change == fresh.index.next_change

    same()
    steps = [
        lambda: acme.give("alice", py, short),
        lambda: acme.change(bobs, StatusAction.REVOKE),
        lambda: acme.change(carols, StatusAction.SUSPEND),
        lambda: acme.issue(py, "stranger@example.org"),
        lambda: acme.change(carols, StatusAction.REINSTATE),
        lambda: clock.advance(days=3),
        lambda: acme.give("bob", sql),
    ]
    for step in steps:
        step()
        same()
    assert cache.full_reads == 1 and cache.builds == 1 + len(steps)


def test_reading_the_index_never_holds_up_issuance(acme: Org, container: Container) -> None:
    """The index is read through a snapshot: on SQLite a deferred transaction, so a credential
    can be issued while a (long) read is under way instead of waiting for the write lock."""
    acme.user("alice")
    py = acme.achievement("Python", [(PY, 2)], 3)
    reader = SqlUnitOfWorkFactory(snapshot_engine(container.engine), container.clock)
    with reader() as uow:
        skills = uow.tenant(acme.org_id).skills
        list(skills.credential_facts())
        acme.give("alice", py)  # would wait 30 s, then fail, behind an IMMEDIATE reader
        assert skills.users()
    cache = SkillsIndexCache(reader, container.clock)
    assert cache.get(acme.org_id).stats.credentials == 1


def test_a_credential_proves_what_it_said_when_issued(acme: Org, clock: FrozenClock) -> None:
    """Editing a micro-credential's alignments changes what new credentials prove, never what
    credentials already issued prove."""
    acme.user("alice")
    acme.user("bob")
    py = acme.achievement("Python", [(PY, 2)], 3)
    acme.give("alice", py)
    clock.advance(hours=1)
    current = acme.c.achievements.get(acme.admin, py)
    acme.c.achievements.update(
        acme.admin,
        py,
        AchievementInput(
            name=current.name,
            description=current.description,
            criteria_narrative=current.criteria_narrative,
            alignments=[Alignment("Python", PY, level=4), Alignment("SQL", SQL, level=1)],
            effort_hours=3,
        ),
    )
    clock.advance(hours=1)
    acme.give("bob", py)
    role = acme.role("Dev", [(PY, 4), (SQL, 1)])
    levels = {
        r["person_id"]: {m["skill_uri"]: m["level"] for m in r["matches"]}
        for r in acme.ok(f"/api/v1/roles/{role}/candidates")["results"]
    }
    assert levels == {
        acme.users["bob"]: {PY: 4, SQL: 1},
        acme.users["alice"]: {PY: 2, SQL: 0},
    }
    stats = acme.ok("/api/v1/skills/index")
    assert stats["documents_read"] == 1  # alice's, issued before the edit
