"""The ``microcred`` command as a user runs it: vectors through ``vc sign`` / ``vc verify``,
and the operator commands on a real SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.vectors import VECTORS

CLI = [sys.executable, "-m", "microcred.cli.main"]


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        input=stdin,
        check=False,
    )


@pytest.mark.parametrize(
    ("suite", "unsigned", "expected"),
    [
        ("eddsa-rdfc-2022", "unsigned.json", "eddsa-rdfc-2022/signedDataInt.json"),
        ("eddsa-jcs-2022", "unsigned.json", "eddsa-jcs-2022/signedJCS.json"),
    ],
)
def test_vc_sign_reproduces_w3c_vectors(suite: str, unsigned: str, expected: str) -> None:
    base = VECTORS / "vc-di-eddsa"
    r = run(
        "vc",
        "sign",
        "--key",
        str(base / "keyPair.json"),
        "--suite",
        suite,
        "--created",
        "2023-02-24T23:36:38Z",
        str(base / unsigned),
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads((base / expected).read_text())


def test_vc_sign_names_a_context_it_does_not_have() -> None:
    # the W3C `employ` vector needs https://w3id.org/citizenship/v4rc1, absent offline
    base = VECTORS / "vc-di-eddsa"
    r = run("vc", "sign", "--key", str(base / "keyPair.json"), str(base / "employmentAuth.json"))
    assert r.returncode == 2 and "citizenship/v4rc1" in r.stderr and "Traceback" not in r.stderr


def test_vc_sign_reproduces_ob_vector(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text(
        json.dumps(
            {
                "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
                "secretKeyMultibase": (
                    "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMF"
                    "mze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx"
                ),
            }
        )
    )
    expected = json.loads((VECTORS / "ob_v3p0/signed-credential.json").read_text())
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps({k: v for k, v in expected.items() if k != "proof"}))
    r = run(
        "vc",
        "sign",
        "--key",
        str(key),
        "--created",
        expected["proof"]["created"],
        "--verification-method",
        expected["proof"]["verificationMethod"],
        str(unsigned),
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == expected


def test_vc_verify_json_reports_proof_passed_and_issuer_failed() -> None:
    files = [
        VECTORS / "vc-di-eddsa/eddsa-rdfc-2022/signedDataInt.json",
        VECTORS / "vc-di-eddsa/eddsa-jcs-2022/signedJCS.json",
        VECTORS / "vc-di-eddsa/Ed25519Signature2020/signedEdSig.json",
        VECTORS / "ob_v3p0/signed-credential.json",
    ]
    r = run("vc", "verify", "--offline", "--json", *map(str, files))
    assert r.returncode == 1, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    for line in lines:
        checks = {c["check"]: c for c in line["checks"]}
        assert set(checks["proof"]) == {"check", "status", "message"}
        assert checks["proof"]["status"] == "passed", line
        assert checks["issuer"]["status"] == "failed", line
        assert line["verified"] is False


def test_vc_verify_exit_zero_when_all_pass(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    r = run(
        "vc",
        "sign",
        "--key",
        str(VECTORS / "vc-di-eddsa/keyPair.json"),
        str(tmp_path / "missing.json"),
    )
    assert r.returncode == 2 and "cannot be read" in r.stderr
    pair = json.loads((VECTORS / "vc-di-eddsa/keyPair.json").read_text())
    key.write_text(json.dumps(pair))
    did = "did:key:" + pair["publicKeyMultibase"]
    unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text()) | {"issuer": did}
    src = tmp_path / "cred.json"
    src.write_text(json.dumps(unsigned))
    signed = tmp_path / "signed.json"
    assert run("vc", "sign", "--key", str(key), "--out", str(signed), str(src)).returncode == 0
    jwt_file = tmp_path / "cred.jwt"
    assert (
        run(
            "vc",
            "sign",
            "--key",
            str(key),
            "--suite",
            "vc-jwt-eddsa",
            "--out",
            str(jwt_file),
            str(src),
        ).returncode
        == 0
    )
    r = run("vc", "verify", "--offline", str(signed), str(jwt_file))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("VERIFIED") == 2 and "NOT VERIFIED" not in r.stdout


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[]",
        b"\xff\xfe\x00",
        b"[" * 10_000 + b"]" * 10_000,
        b"a.b.c",
        b"",
    ],
)
def test_vc_verify_bad_files_fail_cleanly(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    r = run("vc", "verify", "--offline", "--json", str(bad))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    line = json.loads(r.stdout)
    assert line["verified"] is False and line["checks"][0]["status"] == "failed"


def test_operator_commands_issue_and_revoke(tmp_path: Path) -> None:
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MICROCRED_PUBLIC_BASE_URL": "https://issuer.test",
    }
    assert run("db", "upgrade", env=env).returncode == 0
    r = run(
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--admin-email",
        "a@acme.test",
        "--admin-password",
        "a long enough password",
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["issuer_id"].startswith("did:key:z6Mk")
    spec = tmp_path / "a.json"
    spec.write_text(
        json.dumps(
            {
                "name": "First Aid",
                "description": "Basic first aid.",
                "criteria": "Pass the practical assessment.",
            }
        )
    )
    r = run("achievement", "create", "--org", "acme", str(spec), env=env)
    assert r.returncode == 0, r.stderr
    achievement_id = json.loads(r.stdout)["id"]
    out = tmp_path / "cred.json"
    r = run(
        "issue",
        "--org",
        "acme",
        "--achievement",
        achievement_id,
        "--email",
        "l@x.test",
        "--out",
        str(out),
        env=env,
    )
    assert r.returncode == 0, r.stderr
    credential_id = r.stdout.strip()
    r = run("revoke", "--org", "acme", credential_id, "--reason", "test", env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "revoked"
    r = run("revoke", "--org", "acme", credential_id, "--reason", "again", env=env)
    assert r.returncode == 2 and "cannot be undone" in r.stderr
    r = run(
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Again",
        "--admin-email",
        "b@acme.test",
        "--admin-password",
        "a long enough password",
        env=env,
    )
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run(
        "issue", "--org", "nobody", "--achievement", achievement_id, "--email", "l@x.test", env=env
    )
    assert r.returncode == 2 and "No organisation" in r.stderr
