"""Role profiles from scratch, from an ESCO occupation and drafted from a job description; skill
matching and alignment suggestions; the 0005 schema. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from tests.integration.skills_world import DOCKER, PY, SQL, Org, make_org

from microcred.adapters.db import migrate
from microcred.adapters.db.tables import Base
from microcred.bootstrap import Container
from microcred.skills.taxonomy_loader import load_taxonomy
from microcred.web.api.app import create_app

ESCO_PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
MY_TABLES = {
    "role_profiles",
    "role_requirements",
    "user_teams",
    "user_dids",
    "declared_skills",
    "applicants",
    "applicant_credentials",
    "talent_state",
}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def acme(container: Container, client: TestClient) -> Org:
    return make_org(container, client, "acme")


def test_roles_from_scratch_are_read_replaced_and_deleted(acme: Org) -> None:
    body = {
        "name": "Data engineer",
        "description": "Builds pipelines.",
        "headcount": 4,
        "requirements": [
            {"skill_uri": SQL, "level": 3, "label": "SQL"},
            {"skill_uri": PY, "level": 4, "weight": 2},
            {"skill_uri": DOCKER, "level": 2, "weight": 0.5, "essential": False},
        ],
    }
    r = acme.post("/api/v1/roles", body)
    assert r.status_code == 201, r.text
    role = r.json()
    assert [q["skill_uri"] for q in role["requirements"]] == sorted([SQL, PY, DOCKER])
    assert acme.ok(f"/api/v1/roles/{role['id']}") == role
    assert acme.post("/api/v1/roles", body).status_code == 409  # same name

    acme.user("alice")
    acme.place("alice", "data", role["id"])
    other = acme.role("Analyst", [(SQL, 2)])
    page = acme.ok("/api/v1/roles", limit=1)
    assert page["total"] == 2 and [x["name"] for x in page["items"]] == ["Analyst"]

    replaced = acme.put(
        f"/api/v1/roles/{role['id']}",
        {"name": "Data engineer II", "requirements": [{"skill_uri": PY, "level": 5}]},
    )
    assert replaced.status_code == 200, replaced.text
    assert [(q["skill_uri"], q["level"]) for q in replaced.json()["requirements"]] == [(PY, 5)]
    assert replaced.json()["headcount"] == 1
    clash = acme.put(
        f"/api/v1/roles/{other}", {"name": "Data engineer II", "requirements": [{"skill_uri": SQL}]}
    )
    assert clash.status_code == 409

    assert acme.delete(f"/api/v1/roles/{role['id']}").status_code == 204
    assert acme.get(f"/api/v1/roles/{role['id']}").status_code == 404
    alice = acme.ok(f"/api/v1/people/{acme.users['alice']}")
    assert (alice["team"], alice["current_role_id"]) == ("data", None)
    assert acme.delete(f"/api/v1/roles/{role['id']}").status_code == 404


def test_roles_seeded_from_esco_and_drafted_from_a_job_description(acme: Org) -> None:
    esco = load_taxonomy()
    found = acme.post("/api/v1/skills/occupations/match", {"title": "software developer"})
    assert found.status_code == 200, found.text
    uri = found.json()[0]["uri"]
    profile = acme.ok("/api/v1/skills/occupations", uri=uri)
    links = esco.skills_of(uri)
    assert len(profile["skills"]) == len(links)

    r = acme.post("/api/v1/roles", {"occupation_uri": uri, "headcount": 2})
    assert r.status_code == 201, r.text
    seeded = r.json()
    assert seeded["name"] == esco.occupation(uri).label and seeded["source_occupation"] == uri
    essential = {k.skill_uri for k in links if k.relation.value == "essential"}
    assert len(seeded["requirements"]) == len({k.skill_uri for k in links})
    for q in seeded["requirements"]:
        want = (3, 1.0, True) if q["skill_uri"] in essential else (2, 0.5, False)
        assert (q["level"], q["weight"], q["essential"]) == want
        assert q["label"] == esco.skill(q["skill_uri"]).label
    lean = acme.post(
        "/api/v1/roles", {"occupation_uri": uri, "name": "Lean", "include_optional": False}
    )
    assert {q["skill_uri"] for q in lean.json()["requirements"]} == essential

    ad = "We hire a backend developer: Python, SQL databases, REST APIs and code reviews."
    draft = acme.post("/api/v1/roles/draft", {"job_description": ad, "skills": 5})
    assert draft.status_code == 200, draft.text
    proposal = draft.json()
    assert proposal["occupations"] and 1 <= len(proposal["requirements"]) <= 10
    reqs = [
        {k: q[k] for k in ("skill_uri", "level", "weight", "essential", "label")}
        for q in proposal["requirements"]
    ]
    saved = acme.post("/api/v1/roles", {"name": "Backend developer", "requirements": reqs})
    assert saved.status_code == 201, saved.text

    typo = ESCO_PYTHON[:-4] + "0000"
    r = acme.post("/api/v1/roles", {"name": "X", "requirements": [{"skill_uri": typo}]})
    assert r.status_code == 404 and "no skill" in r.json()["message"]
    r = acme.post("/api/v1/roles", {"occupation_uri": "http://data.europa.eu/esco/occupation/nope"})
    assert r.status_code == 404


def test_skill_matching_and_alignment_suggestions(acme: Org) -> None:
    r = acme.post("/api/v1/skills/match", {"text": "Python programming", "top_k": 3})
    assert r.status_code == 200 and r.json()[0]["uri"] == ESCO_PYTHON
    assert set(r.json()[0]) == {"uri", "label", "score"}
    aid = acme.achievement("Data pipelines in Python", [(ESCO_PYTHON, 3)], 6)
    r = acme.post("/api/v1/skills/suggest-alignments", {"achievement_id": aid, "top_k": 5})
    assert r.status_code == 200, r.text
    suggested = r.json()
    assert 1 <= len(suggested) <= 5 and ESCO_PYTHON not in {s["target_url"] for s in suggested}
    assert suggested[0]["target_framework"].startswith("ESCO")
    by_text = acme.post("/api/v1/skills/suggest-alignments", {"text": "bake sourdough bread"})
    assert by_text.status_code == 200 and by_text.json()
    both = acme.post("/api/v1/skills/suggest-alignments", {"achievement_id": aid, "text": "x"})
    assert both.status_code == 422


def test_the_schema_is_exactly_the_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        mine = [d for d in diffs if any(t in repr(d) for t in MY_TABLES)]
        assert mine == []
        assert set(inspect(engine).get_table_names()) >= MY_TABLES
        command.downgrade(migrate.alembic_config(database_url), "0003")
        assert not MY_TABLES & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert set(inspect(engine).get_table_names()) >= MY_TABLES
    finally:
        engine.dispose()
