"""OpenID4VCI 1.0 against an independent wallet: ``@openid4vc/openid4vci`` 0.4.6 (OpenWallet
Foundation's oid4vc-ts, run under Node by ``oid4vci_wallet.receive``) talks to the real server
on loopback. It receives a credential by pre-authorized code (by reference and by value; with
Ed25519 and P-256 keys; key by ``jwk`` and by DID ``kid``), and is refused, with the error
OpenID4VCI 1.0 names, a replayed offer, an expired offer, a wrong ``tx_code``, a proof with a
wrong nonce and a second credential request on one access token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from oid4vci_wallet import ensure_installed, receive
from procs import Api, start_server

pytestmark = pytest.mark.e2e


@dataclass
class World:
    """One server with an organisation, a learner and their credentials."""

    api: Api
    base: str
    admin: dict[str, str]
    learner: dict[str, str]
    achievement: str

    def credential(self) -> str:
        """A new credential issued to the learner."""
        r = self.api.http.post(
            "/api/v1/credentials",
            json={"achievement_id": self.achievement, "recipient": {"email": "lea@example.org"}},
            headers=self.admin,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def offer(self, credential_id: str | None = None, **body: Any) -> dict[str, Any]:
        """The learner's offer of a (new) credential to a wallet."""
        r = self.api.http.post(
            f"/api/v1/credentials/{credential_id or self.credential()}/oid4vci-offer",
            json=body,
            headers=self.learner,
        )
        assert r.status_code == 201, r.text
        assert r.headers["cache-control"] == "no-store"
        return dict(r.json())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    ensure_installed()
    tmp: Path = tmp_path_factory.mktemp("oid4vci")
    server, base, _ = start_server(tmp)
    try:
        api = Api(base)
        admin = api.register("acme", "Acme Training")
        learner = api.add_user(admin, "lea@example.org", "learner")
        r = api.http.post(
            "/api/v1/achievements",
            json={"name": "Forklift safety", "description": "Drives.", "criteria": "Pass."},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        yield World(api, base, admin, learner, r.json()["id"])
    finally:
        server.stop()


def _verified(world: World, credential: dict[str, Any]) -> dict[str, str]:
    r = world.api.http.post("/api/v1/verify", json=credential)
    assert r.status_code == 200, r.text
    return {c["check"]: c["status"] for c in r.json()["checks"]}


@pytest.mark.parametrize(
    ("link", "alg", "key_method"),
    [
        ("offer_by_reference", "EdDSA", "jwk"),
        ("offer_by_value", "ES256", "did"),
        ("offer_by_reference", "EdDSA", "did"),
    ],
)
def test_the_wallet_receives_the_credential_bound_to_its_key(
    world: World, link: str, alg: str, key_method: str
) -> None:
    offer = world.offer()
    got = receive(offer[link], txCode=offer["tx_code"], alg=alg, keyMethod=key_method)
    assert got["ok"], got
    assert got["steps"] == ["offer", "metadata:V1", "token", "nonce", "credential"]
    assert got["tokenType"] == "Bearer" and 0 < got["expiresIn"] <= 300
    credential = got["credential"]
    holder = got["holderDid"]
    assert holder.startswith("did:jwk:" if alg == "ES256" else "did:key:z6Mk")
    assert credential["credentialSubject"]["id"] == holder
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "OpenBadgeCredential" in credential["type"]
    checks = _verified(world, credential)
    assert checks["proof"] == "passed" and checks["status"] == "passed", checks


def test_a_replayed_offer_is_refused_with_invalid_grant(world: World) -> None:
    offer = world.offer()
    assert receive(offer["offer_by_value"], txCode=offer["tx_code"])["ok"]
    again = receive(offer["offer_by_value"], txCode=offer["tx_code"])
    assert not again["ok"] and again["stage"] == "token", again
    assert (again["status"], again["error"]) == (400, "invalid_grant"), again
    # by reference, the used offer is gone
    gone = receive(offer["offer_by_reference"], txCode=offer["tx_code"])
    assert not gone["ok"] and gone["stage"] == "offer" and gone["status"] == 404, gone


def test_an_expired_offer_is_refused_with_invalid_grant(world: World) -> None:
    offer = world.offer(lifetime_seconds=1)
    time.sleep(1.3)
    got = receive(offer["offer_by_value"], txCode=offer["tx_code"])
    assert not got["ok"] and got["stage"] == "token", got
    assert (got["status"], got["error"]) == (400, "invalid_grant"), got


def test_a_wrong_tx_code_is_refused_with_invalid_grant_and_the_right_one_still_works(
    world: World,
) -> None:
    offer = world.offer()
    wrong = f"{(int(offer['tx_code']) + 1) % 1_000_000:06d}"
    got = receive(offer["offer_by_value"], txCode=wrong)
    assert not got["ok"] and got["stage"] == "token", got
    assert (got["status"], got["error"]) == (400, "invalid_grant"), got
    assert receive(offer["offer_by_value"], txCode=offer["tx_code"])["ok"]


def test_a_proof_with_a_wrong_nonce_is_refused_with_invalid_nonce(world: World) -> None:
    offer = world.offer(tx_code=False)
    got = receive(offer["offer_by_value"], nonce="not-a-nonce-we-gave")
    assert not got["ok"] and got["stage"] == "credential", got
    assert got["status"] == 400 and got["body"]["error"] == "invalid_nonce", got


def test_one_access_token_buys_one_credential(world: World) -> None:
    offer = world.offer(tx_code=False)
    assert (
        "tx_code"
        not in offer["credential_offer"]["grants"][
            "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        ]
    )
    got = receive(offer["offer_by_value"], repeat=True)
    assert got["ok"], got
    assert got["repeat"]["ok"] is False and got["repeat"]["status"] == 401, got["repeat"]
    assert got["repeat"]["body"]["error"] == "invalid_token", got["repeat"]
