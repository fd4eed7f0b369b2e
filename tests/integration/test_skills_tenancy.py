"""Organisation A can neither read nor change organisation B's roles, people or applicants through
any skills endpoint, and B's people never appear in A's figures. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.skills_world import PY, SQL, make_org

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def test_one_organisation_cannot_reach_another(container: Container, client: TestClient) -> None:
    b = make_org(container, client, "beta")
    b.user("bob")
    b_py = b.achievement("Python", [(PY, 3)], 4)
    b.give("bob", b_py)
    b_role = b.role("B role", [(PY, 3)])
    b.place("bob", "data", b_role)
    b_app = b.post("/api/v1/applicants", {"name": "Bea", "email": "bea@example.org"}).json()["id"]
    b_pc = b.post(f"/api/v1/applicants/{b_app}/credentials", {"credential": {"x": 1}}).json()["id"]
    bob = b.users["bob"]

    a = make_org(container, client, "acme")
    a.user("alice")
    a_py = a.achievement("Python", [(PY, 3)], 4)
    a.give("alice", a_py)
    a.issue(a_py, b.email("bob"))  # A issues to B's user's address: bob is still not A's person
    a_role = a.role("A role", [(PY, 3), (SQL, 1)])
    a_app = a.post("/api/v1/applicants", {"name": "Al", "email": "al@example.org"}).json()["id"]
    alice = a.users["alice"]

    role_body = {"name": "Taken", "requirements": [{"skill_uri": PY}]}
    foreign = [
        ("GET", f"/api/v1/roles/{b_role}", None),
        ("PUT", f"/api/v1/roles/{b_role}", role_body),
        ("DELETE", f"/api/v1/roles/{b_role}", None),
        ("GET", f"/api/v1/roles/{b_role}/candidates", None),
        ("GET", f"/api/v1/heatmaps/teams?role={b_role}", None),
        ("GET", f"/api/v1/heatmaps/roles?role={b_role}", None),
        ("GET", f"/api/v1/teams/data/gaps?role={a_role}", None),
        ("GET", f"/api/v1/people/{alice}/gaps?role={b_role}", None),
        ("GET", f"/api/v1/people/{alice}/career-path?role={b_role}", None),
        ("PUT", f"/api/v1/people/{alice}/placement", {"current_role_id": b_role}),
        ("GET", f"/api/v1/people/{bob}", None),
        ("PUT", f"/api/v1/people/{bob}/placement", {"team": "stolen"}),
        ("GET", f"/api/v1/people/{bob}/skills", None),
        ("GET", f"/api/v1/people/{bob}/declared-skills", None),
        ("GET", f"/api/v1/people/{bob}/gaps?role={a_role}", None),
        ("GET", f"/api/v1/people/{bob}/career-path?role={a_role}", None),
        ("GET", f"/api/v1/people/{bob}/role-matches", None),
        ("GET", f"/api/v1/applicants/{b_app}", None),
        ("DELETE", f"/api/v1/applicants/{b_app}", None),
        ("POST", f"/api/v1/applicants/{b_app}/credentials", {"credential": {"x": 1}}),
        ("POST", f"/api/v1/applicants/{b_app}/credentials/{b_pc}/verify", None),
        ("POST", f"/api/v1/applicants/{a_app}/credentials/{b_pc}/verify", None),
        ("POST", "/api/v1/skills/suggest-alignments", {"achievement_id": b_py}),
    ]
    for method, path, body in foreign:
        r = client.request(method, path, json=body, headers=a.headers)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.json()["error"] == "not_found"

    assert [x["id"] for x in a.ok("/api/v1/roles")["items"]] == [a_role]
    assert {p["id"] for p in a.ok("/api/v1/people")["items"]} == {a.admin.user_id, alice}
    assert [x["id"] for x in a.ok("/api/v1/applicants")["items"]] == [a_app]
    assert a.ok("/api/v1/teams") == []
    assert a.ok("/api/v1/skills/index")["unmatched_credentials"] == 1
    hits = a.ok(f"/api/v1/roles/{a_role}/candidates")["results"]
    assert [h["person_id"] for h in hits] == [alice]
    heat = a.ok("/api/v1/heatmaps/roles")
    assert {c["population"] for c in heat["cells"]} == {2} and [r["id"] for r in heat["rows"]] == [
        a_role
    ]
    # and the other way round
    assert [h["person_id"] for h in b.ok(f"/api/v1/roles/{b_role}/candidates")["results"]] == [bob]
    assert b.get(f"/api/v1/people/{alice}/gaps", role=b_role).status_code == 404

    # B's rows are as they were
    assert b.ok(f"/api/v1/roles/{b_role}")["name"] == "B role"
    assert b.ok(f"/api/v1/people/{bob}")["team"] == "data"
    assert b.ok(f"/api/v1/people/{bob}")["current_role_id"] == b_role
    assert len(b.ok(f"/api/v1/applicants/{b_app}")["credentials"]) == 1
