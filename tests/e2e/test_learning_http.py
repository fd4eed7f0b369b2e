"""The learning flow over the real HTTP server and its in-process worker: a learner enrols in a
pathway, submits to two micro-credentials; one passes by AI decision, one goes to the review
queue and a reviewer passes it; both credentials and the pathway credential are issued and
verify (also with the DCC-independent CLI verifier)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from procs import Api, run_cli, start_server, wait_for
from tests.integration.test_learning import GOOD as GOOD_ANSWERS
from tests.integration.test_learning import RUBRIC as RUBRIC_BASE
from tests.integration.test_learning import _graded

pytestmark = pytest.mark.e2e
RUBRIC = RUBRIC_BASE


def test_pathway_over_http(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path, MICROCRED_LEDGER_INTERVAL_MS="50")
    try:
        api = Api(base)
        http = api.http
        admin = api.register("sre", "SRE School")
        learner = api.add_user(admin, "lea@sre.test", "learner")
        reviewer = api.add_user(admin, "rob@sre.test", "reviewer")

        def achievement(name: str, kind: str = "MicroCredential") -> str:
            r = http.post(
                "/api/v1/achievements",
                headers=admin,
                json={
                    "name": name,
                    "description": name,
                    "criteria": f"Earn {name}.",
                    "achievement_type": kind,
                },
            )
            assert r.status_code == 201, r.text
            return str(r.json()["id"])

        a1, a2 = achievement("Incident write-up"), achievement("Runbook")
        whole = achievement("SRE Foundations", "LearningProgram")
        for aid in (a1, a2):
            assert (
                http.put(
                    f"/api/v1/achievements/{aid}/rubric", headers=admin, json=RUBRIC
                ).status_code
                == 200
            )
        r = http.post(
            f"/api/v1/achievements/{a1}/graded", headers=admin, json={"items": _graded(90)}
        )
        assert r.status_code == 201, r.text
        assert (
            http.get(f"/api/v1/achievements/{a1}/trust", headers=admin).json()["ai_decides_alone"]
            is True
        )
        r = http.post(
            "/api/v1/pathways",
            headers=admin,
            json={
                "name": "SRE Foundations",
                "achievement_id": whole,
                "requirement": {"all_of": [{"earn": a1}, {"earn": a2}]},
            },
        )
        pathway = r.json()["id"]
        assert (
            http.post(
                "/api/v1/enrolments", headers=learner, json={"pathway_id": pathway}
            ).status_code
            == 201
        )

        first = http.post(
            "/api/v1/submissions",
            headers=learner,
            json={
                "achievement_id": a1,
                "texts": [GOOD_ANSWERS[1] + " Timeline and root cause attached."],
            },
        ).json()
        second = http.post(
            "/api/v1/submissions/upload",
            headers=learner,
            data={"achievement_id": a2, "text": "Steps: check, restart, page."},
            files={"file": ("runbook.md", b"# Runbook\n1. check\n2. restart\n")},
        )
        assert second.status_code == 201, second.text
        second_id = second.json()["id"]

        def status_of(sid: str) -> str:
            return str(http.get(f"/api/v1/submissions/{sid}", headers=learner).json()["status"])

        wait_for(lambda: status_of(first["id"]) != "submitted", what="the AI review")
        decided = http.get(f"/api/v1/submissions/{first['id']}", headers=learner).json()
        assert decided["status"] == "passed", decided
        wait_for(lambda: status_of(second_id) == "in_human_review", what="human queue")
        queue = http.get("/api/v1/review-queue", headers=reviewer).json()
        assert [s["id"] for s in queue] == [second_id]
        item = http.get(f"/api/v1/review-queue/{second_id}", headers=reviewer).json()
        assert item["rubric"]["criteria"][0]["id"] == "review" and item["why_a_person"]
        assert http.get("/api/v1/review-queue", headers=learner).status_code == 403
        r = http.post(
            f"/api/v1/review-queue/{second_id}/decision",
            headers=reviewer,
            json={"points": {"review": 2}, "feedback": "Clear and safe."},
        )
        assert r.status_code == 200 and r.json()["status"] == "passed", r.text
        progress = http.get("/api/v1/me/progress", headers=learner).json()
        assert progress[0]["completed"] is True and progress[0]["percent"] == 100

        mine = http.get("/api/v1/credentials", headers=learner).json()
        assert {c["achievement_id"] for c in mine} == {a1, a2, whole}
        for cred in mine:
            path = tmp_path / f"{cred['id']}.json"
            path.write_text(json.dumps(cred["credential"]))
            check = run_cli(
                "vc",
                "verify",
                "--json",
                str(path),
                env={
                    "MICROCRED_ALLOW_INSECURE_HTTP": "true",
                    "MICROCRED_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
                },
            )
            assert json.loads(check.stdout)["verified"], check.stdout
    finally:
        server.stop()
