"""``microcred vc keygen`` on the real file system: it writes a Multikey pair readable by its
owner only, refuses to overwrite one without ``--force``, and the pair it writes signs with
``vc sign`` and verifies with ``vc verify --offline`` (the issuer being the printed did:key).
Also: a malformed key file given to ``vc sign`` is refused with a plain message and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microcred.cli.main import app
from microcred.crypto.did import did_key, did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair

CLI = [sys.executable, "-m", "microcred.cli.main"]
runner = CliRunner()

UNSIGNED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:5b7e0c1c-6a4e-4f0e-9d2b-0c6f7f0a1e11",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "", "type": ["Profile"], "name": "A workshop"},
    "validFrom": "2026-01-01T00:00:00Z",
    "name": "Git basics",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "urn:uuid:0d8f4a5e-3b1c-4c59-8a43-2f8e6b1d9c22",
            "type": ["Achievement"],
            "name": "Git basics",
            "description": "Branches, merges, conflicts.",
            "criteria": {"narrative": "Resolve a merge conflict."},
        },
    },
}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_keygen_writes_a_private_pair_whose_did_signs_and_verifies(tmp_path: Path) -> None:
    made = _cli("vc", "keygen", cwd=tmp_path)  # --out defaults to keyPair.json
    assert made.returncode == 0, made.stderr
    key = tmp_path / "keyPair.json"
    assert _mode(key) == 0o600
    stored = json.loads(key.read_text())
    assert stored["type"] == "Multikey" and set(stored) == {
        "type",
        "publicKeyMultibase",
        "secretKeyMultibase",
    }
    pair = Ed25519KeyPair.from_multikey(stored)
    did = made.stdout.strip()
    assert did == did_key(pair.public)  # stdout: the did:key alone, for DID=$(…)
    assert f"verification method: {did_key_verification_method(pair.public)}" in made.stderr
    assert stored["secretKeyMultibase"] not in made.stdout + made.stderr

    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps({**UNSIGNED, "issuer": {**UNSIGNED["issuer"], "id": did}}))
    signed = _cli("vc", "sign", "--key", "keyPair.json", "unsigned.json", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    document = json.loads(signed.stdout)
    assert document["proof"]["verificationMethod"] == did_key_verification_method(pair.public)
    (tmp_path / "signed.json").write_text(signed.stdout)
    verified = _cli("vc", "verify", "--offline", "--json", "signed.json", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["verified"] is True
    checks = {c["check"]: c["status"] for c in report["checks"]}
    assert checks["proof"] == "passed" and checks["issuer"] == "passed"

    # a second key is another did:key, so the first credential does not verify under it
    other = _cli("vc", "keygen", "--out", "other.json", cwd=tmp_path)
    assert other.returncode == 0 and other.stdout.strip() != did
    resigned = _cli("vc", "sign", "--key", "other.json", "unsigned.json", cwd=tmp_path)
    (tmp_path / "wrong.json").write_text(resigned.stdout)
    refused = _cli("vc", "verify", "--offline", "--json", "wrong.json", cwd=tmp_path)
    assert refused.returncode == 1
    assert {c["check"]: c["status"] for c in json.loads(refused.stdout)["checks"]}[
        "issuer"
    ] == "failed"


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    key = tmp_path / "key.json"
    key.write_text("precious\n")
    key.chmod(0o644)
    result = runner.invoke(app, ["vc", "keygen", "--out", str(key)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "already exists" in result.output and "--force" in result.output
    assert key.read_text() == "precious\n"

    # a symlink is not followed to clobber what it points at
    link = tmp_path / "link.json"
    link.symlink_to(key)
    assert runner.invoke(app, ["vc", "keygen", "--out", str(link)]).exit_code == 2
    assert key.read_text() == "precious\n"

    forced = runner.invoke(app, ["vc", "keygen", "--out", str(key), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _mode(key) == 0o600  # replaced whole: the old file's 0644 is gone
    assert Ed25519KeyPair.from_multikey(json.loads(key.read_text()))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_keygen_is_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o277)  # would leave 0400 from a plain open(…, 0o600)
    try:
        assert (
            runner.invoke(app, ["vc", "keygen", "--out", str(tmp_path / "k.json")]).exit_code == 0
        )
        assert (
            runner.invoke(
                app, ["vc", "keygen", "--out", str(tmp_path / "k.json"), "--force"]
            ).exit_code
            == 0
        )
    finally:
        os.umask(old)
    assert _mode(tmp_path / "k.json") == 0o600


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/key.json", "cannot be written: No such file or directory"),
        (".", "already exists"),
        ("-", "wants a file name"),
    ],
)
def test_keygen_names_an_unwritable_place(tmp_path: Path, where: str, message: str) -> None:
    target = where if where == "-" else str(tmp_path / where)
    result = runner.invoke(app, ["vc", "keygen", "--out", target])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert message in result.output and not Path("-").exists()
    forced = runner.invoke(app, ["vc", "keygen", "--out", str(tmp_path), "--force"])
    assert forced.exit_code == 2 and "Is a directory" in forced.output


VALID = Ed25519KeyPair(bytes(range(32))).to_multikey()
OTHER_PUBLIC = Ed25519KeyPair(bytes(32)).public.multibase


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "is not valid JSON"),
        (b"\xff\xfe\x00garbage", "byte-order mark"),
        (b"\x80\x81 not utf-8", "not UTF-8"),
        (b"[1, 2]", "The key file must be a JSON object."),
        (b"{}", "has no secretKeyMultibase or privateKeyMultibase"),
        (json.dumps({"secretKeyMultibase": 5}).encode(), "has no secretKeyMultibase"),
        (json.dumps({"secretKeyMultibase": "z0OIl"}).encode(), "is not a base58 character"),
        (json.dumps({"secretKeyMultibase": "xabc"}).encode(), "is not supported"),
        (json.dumps({"secretKeyMultibase": "z"}).encode(), "expected multicodec prefix"),
        (
            json.dumps({**VALID, "publicKeyMultibase": OTHER_PUBLIC}).encode(),
            "public key does not belong to its secret key",
        ),
    ],
)
def test_vc_sign_refuses_a_malformed_key_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "key.json").write_bytes(content)
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(UNSIGNED))
    result = runner.invoke(app, ["vc", "sign", "--key", str(tmp_path / "key.json"), str(unsigned)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output


def test_vc_sign_with_a_malformed_key_prints_no_traceback_from_the_real_process(
    tmp_path: Path,
) -> None:
    (tmp_path / "key.json").write_text('{"secretKeyMultibase": "z!!"}')
    (tmp_path / "unsigned.json").write_text(json.dumps(UNSIGNED))
    result = _cli("vc", "sign", "--key", "key.json", "unsigned.json", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
