"""The DCC Learner Credential Wallet flow against the real server: a wallet built from the DCC's
own npm libraries (tests/e2e/dcc/wallet.mjs) parses the request deep link, runs the VC-API
exchange with a did:key it makes, and the credential it receives passes the DCC verifier; a
replayed link is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dcc_verifier import DCC_DIR, ensure_installed, ob_schema_resources, run_dcc_verifier
from procs import Api, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Api, dict, str]]:
    ensure_installed()
    server, base, _ = start_server(tmp_path_factory.mktemp("wallet"))
    try:
        api = Api(base)
        admin = api.register("lcw", "LCW Academy")
        learner = api.add_user(admin, "lea@lcw.test", "learner")
        achievement = api.http.post(
            "/api/v1/achievements",
            headers=admin,
            json={"name": "Wallet basics", "description": "Keeps keys.", "criteria": "Do it."},
        ).json()
        issued = api.http.post(
            "/api/v1/credentials",
            headers=admin,
            json={"achievement_id": achievement["id"], "recipient": {"email": "lea@lcw.test"}},
        )
        assert issued.status_code == 201, issued.text
        yield base, api, learner, issued.json()["id"]
    finally:
        server.stop()


def _wallet(link: str, suite: str, seed: str = "11" * 32) -> dict:
    node = shutil.which("node") or "node"
    job = {"link": link, "seed_hex": seed, "suite": suite}
    done = subprocess.run(
        [node, str(DCC_DIR / "wallet.mjs")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=DCC_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "eddsa-rdfc-2022"])
def test_the_dcc_wallet_receives_a_bound_credential_that_the_dcc_verifier_passes(
    world: tuple[str, Api, dict, str], suite: str
) -> None:
    base, api, learner, credential_id = world
    made = api.http.post(
        f"/api/v1/me/credentials/{credential_id}/wallet-exchanges", headers=learner
    )
    assert made.status_code == 201, made.text
    link = made.json()["wallet_link"]
    assert link.startswith("https://lcw.app/request.html?request=")
    out = _wallet(link, suite, seed="22" * 32 if suite == "eddsa-rdfc-2022" else "11" * 32)
    assert out["status"] == 200, out
    assert out["request"]["domain"] == base
    credential = out["response"]["verifiablePresentation"]["verifiableCredential"][0]
    assert credential["credentialSubject"]["id"] == out["did"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    status_url = credential["credentialStatus"]["statusListCredential"]
    resources = ob_schema_resources() | {status_url: httpx.get(status_url).json()}
    (result,) = run_dcc_verifier([credential], resources)
    assert result.verified, result.raw
    assert result.checks["valid_signature"] == "passed"

    again = _wallet(link, suite)  # the same link replayed
    assert again["status"] == 409, again
    assert "already used" in json.dumps(again["response"])


def test_a_vp_over_the_wrong_domain_is_refused_and_leaves_the_link_unused(
    world: tuple[str, Api, dict, str],
) -> None:
    _, api, learner, credential_id = world
    made = api.http.post(
        f"/api/v1/me/credentials/{credential_id}/wallet-exchanges", headers=learner
    ).json()
    node = shutil.which("node") or "node"
    bad = subprocess.run(
        [node, str(DCC_DIR / "wallet.mjs")],
        input=json.dumps(
            {"link": made["wallet_link"], "seed_hex": "33" * 32, "domain": "https://evil.test"}
        ),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=DCC_DIR,
        check=False,
    )
    answer = json.loads(bad.stdout)
    assert answer["status"] == 400, answer
    assert "domain" in json.dumps(answer["response"])
    good = _wallet(made["wallet_link"], "Ed25519Signature2020", seed="33" * 32)
    assert good["status"] == 200, good
    assert Path(DCC_DIR).is_dir()
