"""Career paths respect the organisation's pathways: a step never comes before the
micro-credentials its prerequisites name, and a pathway's credential comes after its parts.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.skills_world import PY, SPARK, Org, make_org

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _in_order(plan: dict[str, Any], needs: dict[str, set[str]], earned: set[str]) -> bool:
    done = set(earned)
    for step in plan["steps"]:
        if not needs.get(step["achievement_id"], set()) <= done:
            return False
        done.add(step["achievement_id"])
    return True


def test_paths_follow_prerequisites_and_pathway_rules(
    container: Container, client: TestClient
) -> None:
    o: Org = make_org(container, client, "acme")
    basics = o.achievement("Python basics", [(PY, 2)], 5)
    advanced = o.achievement("Advanced Python", [(PY, 4)], 10)
    o.achievement("Python bootcamp", [(PY, 4)], 40)
    cert = o.achievement("Data programme", [(SPARK, 3)])
    r = o.post(
        "/api/v1/pathways",
        {
            "name": "Data programme",
            "kind": "pathway",
            "achievement_id": cert,
            "requirement": {"all_of": [{"earn": basics}, {"earn": advanced}]},
            "prerequisites": {advanced: [basics]},
        },
    )
    assert r.status_code == 201, r.text
    needs = {advanced: {basics}, cert: {basics, advanced}}
    role = o.role("Data developer", [(PY, 4), (SPARK, 3)])
    o.user("alice")
    o.user("bob")
    o.give("bob", basics)

    path = o.ok(f"/api/v1/people/{o.users['alice']}/career-path", role=role, alternatives=3)
    steps = [s["achievement_id"] for s in path["plan"]["steps"]]
    assert steps == [basics, advanced, cert]
    assert path["plan"]["total_effort_hours"] == pytest.approx(15)
    assert path["plan"]["steps"][2]["effort_hours"] == 0
    assert path["plan"]["steps"][2]["effort_estimated"] is False
    assert path["unreachable"] == []
    for plan in [path["plan"], *path["alternatives"]]:
        assert _in_order(plan, needs, set()), plan

    path = o.ok(f"/api/v1/people/{o.users['bob']}/career-path", role=role)
    assert [s["achievement_id"] for s in path["plan"]["steps"]] == [advanced, cert]
    for plan in [path["plan"], *path["alternatives"]]:
        assert _in_order(plan, needs, {basics}), plan

    gap = o.ok(f"/api/v1/people/{o.users['alice']}/gaps", role=role)
    spark = next(s for s in gap["skills"] if s["skill_uri"] == SPARK)
    option = spark["options"][0]
    assert option["achievement_id"] == cert
    assert "Python basics" in option["requires"] and "Advanced Python" in option["requires"]
