"""``microcred vc verify`` on baked badges as a user runs it: a signed credential baked into a
PNG and an SVG verifies, says where it came from, a tampered bake fails, and hostile images exit
non-zero with a clear message and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.e2e.test_cli import run
from tests.unit.test_baking import XXE, _two_chunks, tiny_png
from tests.vectors import VECTORS

from microcred.credentials import baking


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A credential signed by ``vc sign`` with the W3C vector's key as a did:key issuer."""
    tmp = tmp_path_factory.mktemp("signed")
    pair = json.loads((VECTORS / "vc-di-eddsa/keyPair.json").read_text())
    key = tmp / "key.json"
    key.write_text(json.dumps(pair))
    unsigned = json.loads((VECTORS / "vc-di-eddsa/unsigned.json").read_text())
    unsigned["issuer"] = "did:key:" + pair["publicKeyMultibase"]
    src = tmp / "cred.json"
    src.write_text(json.dumps(unsigned))
    out = tmp / "signed.json"
    r = run("vc", "sign", "--key", str(key), "--out", str(out), str(src))
    assert r.returncode == 0, r.stderr
    return out.read_text()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_a_baked_badge_verifies(tmp_path: Path, signed: str, kind: str) -> None:
    image = tiny_png() if kind == "png" else baking.default_badge("Teamwork", None, "Example")
    badge = tmp_path / f"badge.{kind}"
    badge.write_bytes(baking.bake(image, signed)[0])
    r = run("vc", "verify", "--offline", str(badge))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"(extracted from a baked {kind.upper()} badge): VERIFIED" in r.stdout
    r = run("vc", "verify", "--offline", "--json", str(badge))
    line = json.loads(r.stdout)
    assert line["verified"] is True and line["extracted_from"] == f"a baked {kind.upper()} badge"

    forged = json.loads(signed)
    forged["credentialSubject"]["alumniOf"] = "Forged University"
    badge.write_bytes(baking.bake(image, json.dumps(forged))[0])
    r = run("vc", "verify", "--offline", str(badge))
    assert r.returncode == 1 and "NOT VERIFIED" in r.stdout, r.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (_two_chunks(), "more than one openbadgecredential chunk"),
        (tiny_png()[:-3], "truncated"),
        (tiny_png(), "carries no credential"),
        (XXE, "DTD or entities"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_000_001, "larger than"),
    ],
)
def test_hostile_badges_fail_cleanly(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "badge.png"
    bad.write_bytes(content)
    r = run("vc", "verify", "--offline", str(bad))
    assert r.returncode == 1, r.stdout + r.stderr
    assert message in r.stdout and "Traceback" not in r.stdout + r.stderr
