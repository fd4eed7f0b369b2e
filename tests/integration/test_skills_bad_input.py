"""Bad input to the skills endpoints gets a clear 4xx with a message, never a 500, and nothing
is stored half-way. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.skills_world import PY, SQL, make_org

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _role(**extra: Any) -> dict[str, Any]:
    return {"name": "Role", "requirements": [{"skill_uri": PY, "level": 3}]} | extra


def test_bad_input_is_refused_clearly(container: Container, client: TestClient) -> None:
    o = make_org(container, client, "acme")
    o.user("alice")
    alice = o.users["alice"]
    role = o.role("Dev", [(PY, 3)])
    applicant = o.post("/api/v1/applicants", {"name": "Ann", "email": "ann@example.org"}).json()
    app_path = f"/api/v1/applicants/{applicant['id']}/credentials"
    deep: Any = {}
    for _ in range(200):
        deep = {"a": deep}

    cases: list[tuple[str, str, Any, int]] = [
        ("POST", "/api/v1/roles", {}, 422),
        ("POST", "/api/v1/roles", {"name": "x", "requirements": []}, 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": "not a url at all"}]), 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": PY, "level": 0}]), 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": PY, "level": 11}]), 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": PY, "weight": 0}]), 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": PY, "weight": 1e9}]), 422),
        ("POST", "/api/v1/roles", _role(requirements=[{"skill_uri": PY}, {"skill_uri": PY}]), 422),
        ("POST", "/api/v1/roles", _role(salary=100), 422),
        ("POST", "/api/v1/roles", _role(name="x" * 500), 422),
        ("POST", "/api/v1/roles", _role(headcount=-1), 422),
        ("POST", "/api/v1/roles", _role(requirements="python"), 422),
        ("POST", "/api/v1/roles", _role(occupation_uri="http://data.europa.eu/esco/x"), 422),
        ("POST", "/api/v1/roles", _role(name="Dev"), 409),
        ("POST", "/api/v1/roles/draft", {"job_description": ""}, 422),
        ("PUT", f"/api/v1/roles/{role}", {"name": "Dev"}, 422),
        ("GET", f"/api/v1/people/{alice}/gaps", None, 422),
        ("GET", f"/api/v1/people/{alice}/gaps?role=nope", None, 404),
        ("GET", f"/api/v1/people/nobody/gaps?role={role}", None, 404),
        ("GET", f"/api/v1/people/{alice}/career-path?role={role}&alternatives=99", None, 422),
        ("GET", f"/api/v1/people/{alice}/role-matches?top=0", None, 422),
        ("GET", f"/api/v1/roles/{role}/candidates?limit=1000", None, 422),
        ("GET", f"/api/v1/roles/{role}/candidates?offset=-1", None, 422),
        ("GET", f"/api/v1/roles/{role}/candidates?min_readiness=2", None, 422),
        ("GET", f"/api/v1/roles/{role}/candidates?kind=robot", None, 422),
        ("GET", f"/api/v1/roles/{role}/candidates?must_meet={SQL}", None, 422),
        ("GET", "/api/v1/roles/nope/candidates", None, 404),
        ("PUT", f"/api/v1/people/{alice}/placement", {"dids": ["not-a-did"]}, 422),
        ("PUT", f"/api/v1/people/{alice}/placement", {"team": "t" * 200}, 422),
        ("PUT", f"/api/v1/people/{alice}/placement", {"current_role_id": "nope"}, 404),
        ("PUT", "/api/v1/people/me/declared-skills", {"skills": [{"skill_uri": "x"}]}, 422),
        (
            "PUT",
            "/api/v1/people/me/declared-skills",
            {"skills": [{"skill_uri": PY, "level": 3}, {"skill_uri": PY, "level": 4}]},
            422,
        ),
        ("POST", "/api/v1/applicants", {"name": "", "email": "x@example.org"}, 422),
        ("POST", "/api/v1/applicants", {"name": "B", "email": "not an address"}, 422),
        ("POST", "/api/v1/applicants", {"name": "B", "email": "b@x.org", "dids": ["x"]}, 422),
        ("POST", app_path, {"credential": 5}, 422),
        ("POST", app_path, {"credential": "abc"}, 422),
        ("POST", app_path, {"credential": {"id": "x"}, "tlog_policy": "garbage"}, 422),
        ("POST", app_path, {"credential": deep}, 413),
        ("POST", "/api/v1/applicants/nope/credentials", {"credential": {"id": "x"}}, 404),
        ("POST", "/api/v1/skills/match", {"text": ""}, 422),
        ("POST", "/api/v1/skills/match", {"text": "python", "top_k": 0}, 422),
        ("POST", "/api/v1/skills/match", {"text": "x" * 100_001}, 422),
        ("POST", "/api/v1/skills/occupations/match", {"title": ""}, 422),
        ("GET", "/api/v1/skills/occupations?uri=http://example.org/none", None, 404),
        ("POST", "/api/v1/skills/suggest-alignments", {}, 422),
        ("POST", "/api/v1/skills/suggest-alignments", {"achievement_id": "nope"}, 404),
        ("GET", "/api/v1/heatmaps/roles?population=everyone", None, 422),
        ("GET", "/api/v1/heatmaps/teams", None, 422),
        ("GET", "/api/v1/teams/nowhere/gaps", None, 404),
    ]
    for method, path, body, want in cases:
        r = client.request(method, path, json=body, headers=o.headers)
        assert r.status_code == want, (method, path, r.status_code, r.text[:300])
        payload = r.json()
        assert payload["error"] and payload["message"], payload

    r = client.post("/api/v1/roles", content=b"{not json", headers=o.headers)
    assert r.status_code == 422
    assert client.get(f"/api/v1/roles/{role}/candidates").status_code == 401
    r = client.get(f"/api/v1/roles/{role}/candidates", headers={"Authorization": "Bearer mc_x"})
    assert r.status_code == 401
    assert o.ok("/api/v1/roles")["total"] == 1
    assert o.ok(f"/api/v1/applicants/{applicant['id']}")["credentials"] == []
    assert o.ok(f"/api/v1/people/{alice}")["team"] is None
    assert o.ok("/api/v1/people/me/declared-skills") == []
