"""The real server: a 4,301-digit integer gets a 4xx and no traceback; uploads reach
MICROCRED_MAX_UPLOAD_BYTES past the 1 MB JSON body limit; `microcred serve` announces the
development placeholder key-encryption secret, and a secret file made on first run is not."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from procs import Api, Proc, free_port, run_cli, start_server

pytestmark = pytest.mark.e2e
HUGE = "9" * 4301


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Proc, str]]:
    tmp = tmp_path_factory.mktemp("hardening")
    proc, base, _ = start_server(tmp, MICROCRED_MAX_UPLOAD_BYTES="3000000")
    try:
        yield proc, base
    finally:
        proc.stop()


def test_a_huge_integer_is_a_clear_4xx_without_a_traceback(server: tuple[Proc, str]) -> None:
    proc, base = server
    body = '{"@context": ["https://www.w3.org/ns/credentials/v2"], "n": ' + HUGE + "}"
    with httpx.Client(base_url=base, timeout=30) as http:
        for path, headers in (
            ("/api/v1/verify", {"Content-Type": "application/json"}),
            ("/verify", {"Content-Type": "application/json", "Accept": "text/html"}),
        ):
            r = http.post(path, content=body, headers=headers)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
            assert "4,301 digits" in r.text
        page = http.post("/verify", data={"credential": body}, headers={"Accept": "text/html"})
        assert page.status_code == 422 and "4,301 digits" in page.text
        assert http.get("/healthz").status_code == 200
    log = proc.log.read_text()
    assert "Traceback" not in log and "unexpected error" not in log


def test_uploads_are_limited_by_max_upload_bytes_not_the_json_limit(
    server: tuple[Proc, str],
) -> None:
    _, base = server
    api = Api(base)
    admin = api.register("up", "Uploads")
    learner = api.add_user(admin, "lea@up.test", "learner")
    r = api.http.post(
        "/api/v1/achievements",
        headers=admin,
        json={"name": "Write-up", "description": "d", "criteria": "Write it up."},
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]

    def upload(size: int) -> httpx.Response:
        return api.http.post(
            "/api/v1/submissions/upload",
            headers=learner,
            data={"achievement_id": aid},
            files={"file": ("notes.txt", b"x" * size, "text/plain")},
        )

    accepted = upload(2_500_000)  # over the 1 MB body limit, under MICROCRED_MAX_UPLOAD_BYTES
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["parts"][0]["size"] == 2_500_000
    refused = upload(3_600_000)
    assert refused.status_code == 413, refused.text
    big_json = api.http.post(
        "/api/v1/achievements",
        headers={**admin, "Content-Type": "application/json"},
        content=json.dumps({"name": "x", "description": "y" * 1_500_000, "criteria": "c"}),
    )
    assert big_json.status_code == 413  # other routes keep the 1 MB limit


def _serve(tmp: Path, env: dict[str, str]) -> Proc:
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp / 'var' / 'db.sqlite'}",
        "MICROCRED_BLOB_DIR": str(tmp / "blobs"),
        **env,
    }
    (tmp / "var").mkdir(exist_ok=True)
    migrated = run_cli("db", "upgrade", env=env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    env = {**env, "MICROCRED_PORT": str(port)}  # the public base URL follows it
    proc = Proc(
        ["serve", "--port", str(port)], env, tmp / "serve.log", f"http://127.0.0.1:{port}/healthz"
    )
    proc.start()
    proc.stop()
    return proc


def test_serve_announces_the_placeholder_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROCRED_KEK_SECRETS", raising=False)
    monkeypatch.delenv("MICROCRED_KEK_SECRETS_FILE", raising=False)
    proc = _serve(tmp_path, {})  # no secret configured: the default placeholder
    assert "WARNING: private keys are sealed with the published development placeholder" in (
        proc.log.read_text()
    )


def test_a_first_run_secret_file_is_private_and_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MICROCRED_KEK_SECRETS", raising=False)
    secret = tmp_path / "var" / "kek.secret"
    env = {"MICROCRED_KEK_SECRETS_FILE": str(secret)}
    base = {"MICROCRED_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}", **env}
    (tmp_path / "var").mkdir()
    assert run_cli("db", "upgrade", env=base).returncode == 0
    created = run_cli(
        "org",
        "create",
        "--slug=acme",
        "--name=Acme",
        "--admin-email=admin@acme.test",
        "--admin-password=a long enough password",
        env=base,
    )
    assert created.returncode == 0, created.stderr
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().split()) == 1
    port = free_port()
    proc = Proc(
        ["serve", "--port", str(port)],
        {**base, "MICROCRED_PORT": str(port)},
        tmp_path / "serve.log",
        f"http://127.0.0.1:{port}/healthz",
    ).start()
    proc.stop()
    assert "WARNING" not in proc.log.read_text()
