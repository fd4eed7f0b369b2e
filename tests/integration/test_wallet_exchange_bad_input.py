"""The DCC wallet's VC-API exchange against bad input (real SQLite and PostgreSQL): malformed
and oversized DIDAuth presentations, a wrong challenge or domain, a forged or foreign
signature, a holder DID that does not resolve, a replayed and an expired exchange. Each is
refused with a clear error (JSON over HTTP, never a 500) and leaves the link usable, which a
correctly signed presentation then proves. The presentations are signed here with microcred's
own Data Integrity code (eddsa-rdfc-2022, purpose authentication); the DCC's libraries sign
them in tests/e2e/test_dcc_wallet.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import FrozenClock
from microcred.bootstrap import Container
from microcred.credentials.proofs import data_integrity
from microcred.crypto import Ed25519KeyPair, did_key
from microcred.domain.credential import Recipient
from microcred.errors import Conflict, InvalidInput, VerificationError
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.delivery import MAX_EXCHANGE_BODY
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

VC_V2 = "https://www.w3.org/ns/credentials/v2"
WALLET = Ed25519KeyPair(bytes(range(32)))
OTHER = Ed25519KeyPair(bytes(range(1, 33)))


class Link:
    """One open exchange: its organisation, token, challenge and the server's domain."""

    def __init__(self, c: Container) -> None:
        _, admin = c.identity.create_organisation(
            slug="acme",
            name="Acme",
            admin_email="admin@acme.test",
            admin_password="a long enough password",
        )
        p = principal_of(admin)
        aid = c.achievements.create(
            p, AchievementInput(name="Safety", description="Safe.", criteria_narrative="Pass.")
        ).id
        issued = c.issuance.issue(p, IssueRequest(aid, Recipient(email="admin@acme.test")))
        made = c.wallet_exchanges.create(p, issued.id)
        self.c = c
        self.principal = p
        self.credential_id = issued.id
        self.org = p.organisation_id
        self.token = made.exchange_url.rsplit("/", 1)[1]
        self.path = f"/api/v1/exchanges/{self.org}/{self.token}"
        self.challenge = made.exchange.challenge
        self.domain = c.wallet_exchanges.domain

    def send(self, body: object) -> dict[str, Any]:
        return self.c.wallet_exchanges.participate(self.org, self.token, body)


@pytest.fixture
def link(container: Container) -> Link:
    return Link(container)


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client


def didauth(
    link: Link,
    *,
    key: Ed25519KeyPair = WALLET,
    holder: str | None = None,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """A DIDAuth presentation signed by ``key`` (eddsa-rdfc-2022, purpose authentication)."""
    signer = did_key(key.public)
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder or signer}
    return data_integrity.sign(
        unsigned,
        key,
        verification_method=f"{signer}#{signer.removeprefix('did:key:')}",
        proof_purpose="authentication",
        challenge=link.challenge if challenge is None else challenge,
        domain=link.domain if domain is None else domain,
    )


def _still_open(link: Link) -> None:
    """The link still works: a correct presentation gets the credential bound to the wallet."""
    answer = link.send({"verifiablePresentation": didauth(link)})
    credential = answer["verifiablePresentation"]["verifiableCredential"][0]
    assert credential["credentialSubject"]["id"] == did_key(WALLET.public)
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def _vp(link: Link) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "type": ["VerifiablePresentation"],
        "holder": did_key(WALLET.public),
    }


MALFORMED: dict[str, Any] = {
    "not an object": ["a", "list"],
    "a string presentation": {"verifiablePresentation": "eyJhbGciOi..."},
    "a list presentation": {"verifiablePresentation": [1, 2]},
    "no VerifiablePresentation type": {"verifiablePresentation": {"type": "Credential"}},
    "no holder": {"verifiablePresentation": {"type": ["VerifiablePresentation"]}},
    "an empty holder object": {
        "verifiablePresentation": {"type": "VerifiablePresentation", "holder": {}}
    },
    "a did:web holder": {
        "verifiablePresentation": {"type": "VerifiablePresentation", "holder": "did:web:evil.test"}
    },
    "a DID URL holder": {
        "verifiablePresentation": {
            "type": "VerifiablePresentation",
            "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#key-1",
        }
    },
    "an overlong holder": {
        "verifiablePresentation": {
            "type": "VerifiablePresentation",
            "holder": "did:key:z6Mk" + "a" * 300,
        }
    },
    "credentials inside": {
        "verifiablePresentation": {
            "type": "VerifiablePresentation",
            "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "verifiableCredential": [{"id": "urn:x"}],
        }
    },
    "neither start nor presentation": {"hello": "world"},
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_presentations_are_invalid_input(link: Link, case: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        link.send(MALFORMED[case])
    assert caught.value.message.endswith(".")


def test_wrong_signatures_challenges_and_domains_are_refused_and_use_nothing(link: Link) -> None:
    refusals: list[tuple[Any, str]] = [
        (didauth(link, challenge="guessed-challenge"), "challenge"),
        (didauth(link, domain="https://evil.test"), "domain"),
        (didauth(link, key=OTHER, holder=did_key(WALLET.public)), "other than its holder"),
    ]
    tampered = didauth(link)
    tampered["proof"]["created"] = "2020-01-01T00:00:00Z"
    refusals.append((tampered, "does not verify"))
    two = didauth(link)
    two["proof"] = [two["proof"], two["proof"]]
    refusals.append((two, "exactly one proof"))
    no_domain = didauth(link)
    del no_domain["proof"]["domain"]
    refusals.append((no_domain, "domain"))  # a wrapped presentation must name the domain
    bad_value = didauth(link)
    bad_value["proof"]["proofValue"] = "z" + "1" * 88
    refusals.append((bad_value, "does not verify"))
    for presentation, words in refusals:
        with pytest.raises(VerificationError) as caught:
            link.send({"verifiablePresentation": presentation})
        assert words in caught.value.message, (words, caught.value.message)
    _still_open(link)


def test_a_holder_did_that_does_not_resolve_is_refused(link: Link) -> None:
    for holder in (
        "did:key:z6MkNOTBASE58l0OI",  # not base58btc
        "did:key:z6Mk" + "1" * 44,  # base58, but not an Ed25519 multikey
    ):
        vp = _vp(link) | {"holder": holder}
        vp["proof"] = didauth(link)["proof"] | {
            "verificationMethod": f"{holder}#{holder.removeprefix('did:key:')}"
        }
        with pytest.raises(VerificationError) as caught:
            link.send({"verifiablePresentation": vp})
        assert "does not verify" in caught.value.message
    _still_open(link)


def test_replayed_and_expired_exchanges_are_conflicts(
    container: Container, link: Link, clock: FrozenClock
) -> None:
    assert link.send({})["verifiablePresentationRequest"]["challenge"] == link.challenge
    _still_open(link)
    with pytest.raises(Conflict, match="already used"):
        link.send({"verifiablePresentation": didauth(link)})
    with pytest.raises(Conflict, match="already used"):
        link.send({})
    fresh = container.wallet_exchanges.create(link.principal, link.credential_id)
    token = fresh.exchange_url.rsplit("/", 1)[1]
    clock.current += timedelta(seconds=container.settings.wallet_exchange_ttl_seconds + 1)
    with pytest.raises(Conflict, match="expired"):
        container.wallet_exchanges.participate(link.org, token, {})


def test_over_http_every_refusal_is_a_clear_json_error(link: Link, http: TestClient) -> None:
    def post(content: bytes | str, status: int) -> dict[str, Any]:
        r = http.post(link.path, content=content, headers={"Content-Type": "application/json"})
        assert r.status_code == status, (r.status_code, r.text[:300])
        body = r.json()
        assert body["error"] and body["message"], body
        return dict(body)

    post(json.dumps("x" * MAX_EXCHANGE_BODY), 413)
    post(b"x" * (MAX_EXCHANGE_BODY + 1), 422)  # not JSON: the app's body guard says so first
    huge = {"verifiablePresentation": _vp(link) | {"padding": "x" * MAX_EXCHANGE_BODY}}
    post(json.dumps(huge), 413)
    post(b"{not json", 422)
    post(b"\xff\xfe\x00", 422)
    post("[" * 5000 + "]" * 5000, 413)  # nests too deep
    post(json.dumps([1, 2, 3]), 422)
    post(json.dumps({"verifiablePresentation": {"type": "VerifiablePresentation"}}), 422)
    post(json.dumps({"verifiablePresentation": didauth(link, domain="https://evil.test")}), 400)
    r = http.post(f"/api/v1/exchanges/{link.org}/{'A' * 43}", json={})
    assert r.status_code == 404 and r.json()["error"]
    r = http.post(f"/api/v1/exchanges/{link.org}/short", json={})
    assert r.status_code == 404
    ok = http.post(link.path, json={"verifiablePresentation": didauth(link)})
    assert ok.status_code == 200, ok.text
    assert ok.headers["cache-control"] == "no-store"
    post(json.dumps({"verifiablePresentation": didauth(link)}), 409)  # replayed
