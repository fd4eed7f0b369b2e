"""Skills intelligence over the real HTTP server (``microcred serve``): an employer defines a role,
issues credentials, takes an applicant's credential from another organisation, ranks both, and sees
a revocation take effect at once; ``microcred skills`` is mounted in the main CLI."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tests.e2e.procs import Proc, free_port, run_cli

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"
PY = "https://skills.example.org/python"
SQL = "https://skills.example.org/sql"


def _register(http: httpx.Client, slug: str) -> dict[str, str]:
    r = http.post(
        "/api/v1/organisations",
        json={
            "slug": slug,
            "name": slug.title(),
            "admin_email": f"admin@{slug}.test",
            "admin_password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    r = http.post(
        "/api/v1/auth/token",
        json={"organisation": slug, "email": f"admin@{slug}.test", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _achievement(http: httpx.Client, auth: dict[str, str], name: str, skill: str) -> str:
    body = {
        "name": name,
        "description": name,
        "criteria": "Show the work.",
        "alignments": [{"target_name": name, "target_url": skill, "level": 3}],
        "effort_hours": 6,
    }
    r = http.post("/api/v1/achievements", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _issue(http: httpx.Client, auth: dict[str, str], achievement: str, email: str) -> dict:
    body = {"achievement_id": achievement, "recipient": {"email": email}}
    r = http.post("/api/v1/credentials", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_employer_ranks_staff_and_applicants_over_http(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MICROCRED_PUBLIC_BASE_URL": base,
        "MICROCRED_KEK_SECRETS": "e2e-skills-kek-0123456789",
        "MICROCRED_LEDGER_INTERVAL_MS": "50",
    }
    assert run_cli("db", "upgrade", env=env).returncode == 0
    server = Proc(["serve", "--port", str(port)], env, tmp_path / "server.log", f"{base}/healthz")
    server.start()
    try:
        http = httpx.Client(base_url=base, timeout=60)
        school = _register(http, "school")
        ann_credential = _issue(
            http, school, _achievement(http, school, "Python", PY), "ann@example.org"
        )["credential"]

        hire = _register(http, "hire")
        r = http.post(
            "/api/v1/users",
            json={"email": "alice@hire.test", "name": "Alice", "role": "learner"},
            headers=hire,
        )
        assert r.status_code == 201, r.text
        alice = r.json()["id"]
        own = _issue(http, hire, _achievement(http, hire, "SQL", SQL), "alice@hire.test")
        role = http.post(
            "/api/v1/roles",
            json={
                "name": "Data developer",
                "requirements": [{"skill_uri": PY, "level": 3}, {"skill_uri": SQL, "level": 3}],
            },
            headers=hire,
        )
        assert role.status_code == 201, role.text
        role_id = role.json()["id"]
        ann = http.post(
            "/api/v1/applicants", json={"name": "Ann", "email": "ann@example.org"}, headers=hire
        ).json()["id"]
        presented = http.post(
            f"/api/v1/applicants/{ann}/credentials",
            json={"credential": ann_credential},
            headers=hire,
        )
        assert presented.status_code == 201 and presented.json()["verified"], presented.text

        page = http.get(f"/api/v1/roles/{role_id}/candidates", headers=hire).json()
        assert {(x["person_id"], x["kind"], x["readiness"]) for x in page["results"]} == {
            (alice, "employee", 0.5),
            (ann, "applicant", 0.5),
        }
        gap = http.get(f"/api/v1/people/{alice}/gaps", params={"role": role_id}, headers=hire)
        assert gap.status_code == 200
        assert {s["skill_uri"]: s["status"] for s in gap.json()["skills"]} == {
            PY: "missing",
            SQL: "met",
        }

        r = http.post(
            f"/api/v1/credentials/{own['id']}/status",
            json={"action": "revoke", "reason": "issued in error"},
            headers=hire,
        )
        assert r.status_code == 200
        page = http.get(f"/api/v1/roles/{role_id}/candidates", headers=hire).json()
        assert [x["person_id"] for x in page["results"]] == [ann]
    finally:
        server.stop()

    r = run_cli("skills", "match", "Python programming", "--top", "1", "--json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["results"][0]["label"] == "Python (computer programming)"
