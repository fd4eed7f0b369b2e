"""`microcred demo` on a fresh SQLite database, as `make run` calls it, with a real local witness
beside it: the organisation it seeds has the counts the demo promises (people in teams with
managers, ESCO job roles that exist in the bundled taxonomy, pathways, submissions in every review
state, credentials in every status including expired), the log is cosigned, a second run adds
nothing, and every printed sign-in works through the API. Also: `serve --port` refuses a port
that disagrees with the public base URL derived from MICROCRED_PORT."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.e2e.procs import CLI, free_port, run_cli, wait_for

from microcred.bootstrap import build
from microcred.config import Settings
from microcred.domain.credential import CredentialStatus
from microcred.domain.identity import Principal, Role, permissions_of
from microcred.domain.learning import SubmissionStatus
from microcred.domain.pathway import achievements_in
from microcred.services.skills.taxonomy import Reference
from microcred.skills.skill_matching import default_matcher
from microcred.web.api.app import create_app

KEK = "demo-test-kek-0123456789abcdef"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _counts(settings: Settings) -> dict[str, Any]:
    c = build(settings)
    try:
        with c.uow() as uow:
            org = uow.organisations.by_slug("demo")
            assert org is not None
            scope = uow.tenant(org.id)
            users = list(scope.users.list())
            submissions = [
                s
                for status in SubmissionStatus
                for s in scope.submissions.with_status(status, limit=500)
            ]
            log_size = uow.ledger.latest_checkpoint()
        admin_user = next(u for u in users if u.role is Role.ADMIN)
        admin = Principal(
            admin_user.id, org.id, Role.ADMIN, admin_user.email, permissions_of(Role.ADMIN)
        )
        skills = c.skills
        people, _ = skills.people.list_people(admin, limit=200)
        roles, _ = skills.roles.list(admin, limit=200)
        taxonomy = Reference(default_matcher).taxonomy
        for role in roles:
            assert role.source_occupation and taxonomy.occupation(role.source_occupation)
            for requirement in role.requirements:
                assert taxonomy.has_skill(requirement.skill_id), requirement
        achievements = c.achievements.list(admin, limit=200)
        aligned = [a for a in achievements if a.alignments]
        for a in aligned:
            for alignment in a.alignments:
                assert taxonomy.has_skill(alignment.target_url), alignment.target_url
            assert c.rubrics.trust(admin, a.id)["rubric"]["version"] >= 1
        pathways = c.learning.pathways(admin)
        credentials = c.credentials.list(admin, limit=200)
        now = c.clock.now()
        expired = [x for x in credentials if x.valid_until and x.valid_until < now]
        if expired:
            report = c.verification.verify(expired[0].document)
            assert not report.verified
        teams: dict[str, set[str]] = {}
        by_id = {u.id: u for u in users}
        for view in people:
            if view.placement.team:
                teams.setdefault(view.placement.team, set()).add(by_id[view.user.id].role.value)
        review_states = {
            (s.status.value, s.decision.decided_by if s.decision else None) for s in submissions
        }
        return {
            "users": len(users),
            "placed": sum(1 for v in people if v.placement.team),
            "teams": {t: "employer_viewer" in r for t, r in teams.items()},
            "roles": len(roles),
            "micro_credentials": len(aligned),
            "pathways": sorted((p.name, len(achievements_in(p.requirement))) for p in pathways),
            "submissions": len(submissions),
            "review_states": sorted(review_states, key=str),
            "statuses": sorted(
                {x.status.value for x in credentials} | ({"expired"} if expired else set())
            ),
            "credentials": len(credentials),
            "by_status": {
                s.value: sum(1 for x in credentials if x.status is s) for s in CredentialStatus
            },
            "expired": len(expired),
            "log": log_size[0] if log_size else 0,
        }
    finally:
        c.close()


def test_the_demo_tells_the_whole_story_once(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    base = "http://127.0.0.1:8000"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{var / 'db.sqlite'}",
        "MICROCRED_KEK_SECRETS": KEK,
        "MICROCRED_BLOB_DIR": str(var / "blobs"),
        "MICROCRED_PUBLIC_BASE_URL": base,
    }
    assert run_cli("db", "upgrade", env=env).returncode == 0
    port = free_port()
    spec = run_cli("witness", "local", "--dir", str(var), "--port", str(port), "--spec", env=env)
    assert spec.returncode == 0, spec.stderr
    env["MICROCRED_WITNESSES"] = spec.stdout.strip()
    log = (tmp_path / "witness.log").open("wb")
    witness = subprocess.Popen(
        [*CLI, "witness", "local", "--dir", str(var), "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _listening(port), timeout=60, what="the local witness")
        started = time.monotonic()
        first = run_cli("demo", env=env, timeout=600)
        first_seconds = time.monotonic() - started
        assert first.returncode == 0, first.stderr[-3000:]
        assert "Traceback" not in first.stderr
        out = first.stdout
        assert "created" in out.splitlines()[0]
        assert "Seeding the demo" in first.stderr  # the progress bar (stderr)
        assert "cosigned by the witness" in out, out

        settings = Settings(
            database_url=env["MICROCRED_DATABASE_URL"],
            kek_secrets=[KEK],
            public_base_url=base,
            blob_dir=str(var / "blobs"),
            run_worker=False,
        )
        counts = _counts(settings)
        assert counts["users"] >= 50 and counts["placed"] >= 50
        assert len(counts["teams"]) >= 5 and all(counts["teams"].values()), counts["teams"]
        assert counts["roles"] >= 8
        assert counts["micro_credentials"] >= 8
        assert len(counts["pathways"]) >= 3 and all(n >= 2 for _, n in counts["pathways"])
        states = set(counts["review_states"])
        assert ("passed", "ai") in states  # the AI alone
        assert ("passed", "human") in states and ("not_yet", "human") in states  # a person
        assert ("in_human_review", None) in states  # waiting for a person
        assert {"active", "revoked", "suspended", "expired"} <= set(counts["statuses"])

        again = run_cli("demo", env=env, timeout=600)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "already present" in again.stdout.splitlines()[0]
        assert _counts(settings) == counts  # nothing duplicated, the log did not grow
        print(f"demo seeding: first run {first_seconds:.1f} s; counts {counts}")

        sign_ins = _sign_ins(out)
        assert {role for role, _ in sign_ins} >= {
            "admin",
            "issuer / instructor",
            "reviewer",
            "manager / HR",
            "learner",
        }
        password = next(
            line.split("password ")[1].rstrip("):")
            for line in out.splitlines()
            if "sign in at" in line
        )
        c = build(settings)
        try:
            with TestClient(create_app(c)) as http:
                for _role, email in sign_ins:
                    r = http.post(
                        "/api/v1/auth/token",
                        json={"organisation": "demo", "email": email, "password": password},
                    )
                    assert r.status_code == 201, (email, r.text)
                    me = http.get(
                        "/api/v1/credentials",
                        headers={"Authorization": f"Bearer {r.json()['token']}"},
                    )
                    assert me.status_code in (200, 403), me.text
        finally:
            c.close()
    finally:
        witness.terminate()
        witness.wait(15)
        log.close()


def _sign_ins(out: str) -> list[tuple[str, str]]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "sign in at" in line)
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        *role, email = line.split()
        found.append((" ".join(role), email))
    return found


def test_serve_refuses_a_port_the_public_base_url_does_not_follow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROCRED_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("MICROCRED_PORT", raising=False)
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MICROCRED_KEK_SECRETS": KEK,
    }
    refused = run_cli("serve", "--port", "8123", env=env, timeout=120)
    assert refused.returncode == 2
    assert "--port 8123 does not match the public base URL http://127.0.0.1:8000" in refused.stderr
    assert "MICROCRED_PORT=8123" in refused.stderr and "Traceback" not in refused.stderr
    assert not _listening(8123)
