"""One OpenID4VCI 1.0 issuance round trip per credential, as a wallet drives it: the holder makes
an offer (pre-authorized code + tx_code), the wallet redeems the code at the Token Endpoint,
asks the Nonce Endpoint for a ``c_nonce``, signs an EdDSA key proof over it and fetches the
credential (re-issued to its did:key, signed eddsa-rdfc-2022, logged) from the Credential
Endpoint. Measured on a fresh, migrated SQLite database, twice: through the services (what the
endpoints call) and through the HTTP API in process (FastAPI over ASGI, no network).
Used by ``bench/delivery.py``."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from error_pages import PASSWORD, fresh_container  # bench/ is the script's directory
from microcred.bootstrap import Container
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.credential import Recipient
from microcred.domain.identity import Principal, Role
from microcred.services.credentials import AchievementInput, IssueRequest
from microcred.services.delivery.oid4vci_offers import PRE_AUTHORIZED_GRANT
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

SLUG = "bench"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_proof(pair: Ed25519KeyPair, audience: str, nonce: str) -> str:
    """An ``openid4vci-proof+jwt`` (EdDSA, key as ``jwk``) over ``nonce``."""
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": pair.public.to_jwk()}
    payload = {"aud": audience, "iat": int(time.time()), "nonce": nonce}
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    return head + "." + _b64(pair.sign(head.encode()))


def _world(c: Container) -> tuple[Principal, str]:
    _, admin = c.identity.create_organisation(
        slug=SLUG, name="Bench", admin_email="admin@bench.test", admin_password=PASSWORD
    )
    p = principal_of(admin)
    lea = c.identity.add_user(
        p, email="lea@bench.test", name="Lea", role=Role.LEARNER, password=PASSWORD
    )
    achievement = c.achievements.create(
        p, AchievementInput(name="Bench", description="D.", criteria_narrative="C.")
    )
    issued = c.issuance.issue(p, IssueRequest(achievement.id, Recipient(email="lea@bench.test")))
    return principal_of(lea), issued.id


def service_round_trip(c: Container, holder: Principal, credential_id: str) -> Callable[[], Any]:
    """offer → token → nonce → proof → credential through the services."""
    issuer = c.oid4vci.issuer
    audience = issuer.issuer(SLUG)
    pair = Ed25519KeyPair.generate()

    def once() -> Any:
        offer = c.oid4vci.offers.create(holder, credential_id)
        code = offer.credential_offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
        token = issuer.token(SLUG, form | {"tx_code": offer.tx_code or ""})
        nonce = issuer.nonce(SLUG)["c_nonce"]
        request = {
            "credential_configuration_id": "OpenBadgeCredential",
            "proofs": {"jwt": [key_proof(pair, audience, nonce)]},
        }
        issued = issuer.credential(SLUG, token["access_token"], request)
        assert issued["credentials"][0]["credential"]["credentialSubject"]["id"]
        return issued

    return once


def http_round_trip(http: TestClient, learner: dict[str, str], credential_id: str) -> Any:
    """The same round trip over the HTTP API (the holder's offer, then the wallet's calls)."""
    pair = Ed25519KeyPair.generate()

    def once() -> Any:
        made = http.post(
            f"/api/v1/credentials/{credential_id}/oid4vci-offer", json={}, headers=learner
        ).json()
        issuer = made["credential_offer"]["credential_issuer"]
        path = issuer.removeprefix("https://issuer.test")
        code = made["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        token = http.post(
            f"{path}/token",
            data={
                "grant_type": PRE_AUTHORIZED_GRANT,
                "pre-authorized_code": code,
                "tx_code": made["tx_code"],
            },
        ).json()
        nonce = http.post(f"{path}/nonce").json()["c_nonce"]
        r = http.post(
            f"{path}/credential",
            json={
                "credential_configuration_id": "OpenBadgeCredential",
                "proofs": {"jwt": [key_proof(pair, issuer, nonce)]},
            },
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        assert r.status_code == 200, r.text
        return r

    return once


def measure(sample: Callable[[Callable[[], object], float], list[float]], seconds: float) -> Any:
    """Seconds per round trip (services, HTTP) from ``sample``."""
    with fresh_container() as c:
        holder, credential_id = _world(c)
        token = c.identity.create_token(holder, "bench").token
        learner = {"Authorization": f"Bearer {token}"}
        services = sample(service_round_trip(c, holder, credential_id), seconds)
        with TestClient(create_app(c), base_url="https://issuer.test") as http:
            over_http = sample(http_round_trip(http, learner, credential_id), seconds)
    return {
        "OpenID4VCI round trip (services)": services,
        "OpenID4VCI round trip (HTTP, in process)": over_http,
    }
