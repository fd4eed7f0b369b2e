"""OpenID4VCI issuance on real SQLite and PostgreSQL, over HTTP (the app in-process): the
metadata, the token, nonce and credential endpoints with every refusal named as OpenID4VCI 1.0
names it, offers single use and per organisation, and nothing used up by a refused request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.unit.test_oid4vci_proofs import P256, jwt

from conftest import FrozenClock
from microcred.bootstrap import Container
from microcred.crypto import Ed25519KeyPair, did_key
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Role
from microcred.ports.oid4vci import Oid4vciOfferState
from microcred.services.credentials import AchievementInput, IssueRequest
from microcred.services.delivery.oid4vci_proofs import did_jwk
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PASSWORD = "a long enough password"


@dataclass
class Org:
    slug: str
    admin: Any
    learner: Any
    achievement: str

    @property
    def issuer(self) -> str:
        return f"https://issuer.test/orgs/{self.slug}/oid4vci"


def _org(c: Container, slug: str) -> Org:
    _, admin_user = c.identity.create_organisation(
        slug=slug, name=f"{slug} Ltd", admin_email=f"admin@{slug}.test", admin_password=PASSWORD
    )
    admin = principal_of(admin_user)
    learner = principal_of(
        c.identity.add_user(admin, email="lea@example.org", name="Lea", role=Role.LEARNER)
    )
    aid = c.achievements.create(
        admin,
        AchievementInput(name="Forklift", description="Drives.", criteria_narrative="Pass."),
    ).id
    return Org(slug, admin, learner, aid)


def _credential(c: Container, org: Org) -> str:
    request = IssueRequest(org.achievement, Recipient(email="lea@example.org"))
    return c.issuance.issue(org.admin, request).id


@pytest.fixture
def http(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def acme(container: Container) -> Org:
    return _org(container, "acme")


def _token(http: TestClient, org: Org, code: str, **extra: str) -> Any:
    form = {"grant_type": PRE, "pre-authorized_code": code, **extra}
    return http.post(f"/orgs/{org.slug}/oid4vci/token", data=form)


def _nonce(http: TestClient, org: Org) -> str:
    r = http.post(f"/orgs/{org.slug}/oid4vci/nonce")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    return str(r.json()["c_nonce"])


def _proof(org: Org, nonce: str | None, key: Any = None, **claims: Any) -> tuple[str, str]:
    """A key proof and the holder DID it names."""
    key = key or Ed25519KeyPair.generate()
    if isinstance(key, P256):
        header, did = {"alg": "ES256", "jwk": key.jwk}, did_jwk(key.jwk)
    else:
        header, did = {"alg": "EdDSA", "jwk": key.public.to_jwk()}, did_key(key.public)
    payload = {"aud": org.issuer, "iat": int(FrozenClock().now().timestamp()), **claims}
    if nonce is not None:
        payload["nonce"] = nonce
    return jwt({"typ": "openid4vci-proof+jwt", **header}, payload, key), did


def _ask(http: TestClient, org: Org, token: str | None, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(
        f"/orgs/{org.slug}/oid4vci/credential",
        content=raw,
        headers={**headers, "Content-Type": "application/json"},
    )


def _request(proof: str) -> dict[str, Any]:
    return {"credential_configuration_id": "OpenBadgeCredential", "proofs": {"jwt": [proof]}}


def _refused(r: Any, error: str, status: int = 400) -> None:
    assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert r.json()["error_description"] and r.headers["cache-control"] == "no-store"


def _redeemed(c: Container, org: Org, **offer: Any) -> tuple[str, str]:
    """(credential id, access token) of a fresh offer redeemed without a transaction code."""
    credential_id = _credential(c, org)
    made = c.oid4vci.offers.create(org.learner, credential_id, tx_code=False, **offer)
    code = made.credential_offer["grants"][PRE]["pre-authorized_code"]
    return credential_id, code


def test_metadata_are_at_the_path_inserted_well_known_urls(http: TestClient, acme: Org) -> None:
    meta = http.get("/.well-known/openid-credential-issuer/orgs/acme/oid4vci").json()
    assert meta["credential_issuer"] == acme.issuer
    assert meta["credential_endpoint"] == acme.issuer + "/credential"
    assert meta["nonce_endpoint"] == acme.issuer + "/nonce"
    config = meta["credential_configurations_supported"]["OpenBadgeCredential"]
    assert config["format"] == "ldp_vc"
    assert config["credential_definition"]["type"] == [
        "VerifiableCredential",
        "OpenBadgeCredential",
    ]
    assert config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    auth = http.get("/.well-known/oauth-authorization-server/orgs/acme/oid4vci").json()
    assert auth["issuer"] == acme.issuer and auth["token_endpoint"] == acme.issuer + "/token"
    assert auth["pre-authorized_grant_anonymous_access_supported"] is True
    for url in (
        "/.well-known/openid-credential-issuer/orgs/nobody/oid4vci",
        "/.well-known/oauth-authorization-server/orgs/nobody/oid4vci",
    ):
        assert http.get(url).status_code == 404
    assert http.post("/orgs/nobody/oid4vci/nonce").status_code == 404


def test_the_full_flow_binds_the_credential_and_uses_everything_once(
    container: Container, http: TestClient, acme: Org
) -> None:
    credential_id = _credential(container, acme)
    made = container.oid4vci.offers.create(acme.learner, credential_id)
    assert made.tx_code is not None and len(made.tx_code) == 6 and made.tx_code.isdigit()
    code = made.credential_offer["grants"][PRE]["pre-authorized_code"]
    assert http.get(f"/orgs/acme/oid4vci/offers/{code}").json() == made.credential_offer
    r = _token(http, acme, code, tx_code=made.tx_code, resource=acme.issuer)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store", r.text
    token = r.json()["access_token"]
    assert r.json()["token_type"] == "Bearer" and r.json()["expires_in"] == 300
    assert http.get(f"/orgs/acme/oid4vci/offers/{code}").status_code == 404  # used: gone
    nonce = _nonce(http, acme)
    proof, did = _proof(acme, nonce, P256())
    r = _ask(http, acme, token, _request(proof))
    assert r.status_code == 200, r.text
    document = r.json()["credentials"][0]["credential"]
    assert document["credentialSubject"]["id"] == did and did.startswith("did:jwk:")
    checks = {c.check: c.status.value for c in container.verification.verify(document).checks}
    assert checks["proof"] == "passed" and checks["status"] == "passed"
    with container.uow() as uow:
        scope = uow.tenant(acme.learner.organisation_id)
        copies = scope.credentials.bound_copies(credential_id)
        assert [x.recipient_did for x in copies] == [did]
        offer = scope.oid4vci.offer_by_code(_hash(code))
        assert offer is not None and offer.state is Oid4vciOfferState.ISSUED
        assert offer.holder_did == did and offer.bound_credential_id == copies[0].id
        # only hashes are stored
        assert (
            code not in repr(offer) and token not in repr(offer) and made.tx_code not in repr(offer)
        )
    # the same code, token and nonce again
    _refused(_token(http, acme, code, tx_code=made.tx_code), "invalid_grant")
    _refused(_ask(http, acme, token, _request(proof)), "invalid_token", 401)
    other_id, other_code = _redeemed(container, acme)
    other_token = _token(http, acme, other_code).json()["access_token"]
    _refused(_ask(http, acme, other_token, _request(proof)), "invalid_nonce")


def _hash(code: str) -> str:
    from microcred.crypto import hash_token

    return hash_token(code)


def test_token_requests_are_refused_with_the_names_the_spec_gives(
    container: Container, http: TestClient, acme: Org, clock: FrozenClock
) -> None:
    credential_id = _credential(container, acme)
    made = container.oid4vci.offers.create(acme.learner, credential_id)
    code = made.credential_offer["grants"][PRE]["pre-authorized_code"]
    url = "/orgs/acme/oid4vci/token"
    _refused(http.post(url, data={"pre-authorized_code": code}), "invalid_request")
    _refused(
        http.post(url, data={"grant_type": "authorization_code", "code": "x"}),
        "unsupported_grant_type",
    )
    _refused(http.post(url, data={"grant_type": PRE}), "invalid_request")
    _refused(
        http.post(url, json={"grant_type": PRE, "pre-authorized_code": code}), "invalid_request"
    )
    _refused(
        http.post(
            url,
            content=b"grant_type=" + PRE.encode() + b"&grant_type=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "invalid_request",
    )
    _refused(_token(http, acme, "x" * 5000), "invalid_request")
    _refused(_token(http, acme, "never-issued"), "invalid_grant")
    _refused(_token(http, acme, code), "invalid_request")  # the tx_code is missing
    _refused(_token(http, acme, code, tx_code="9" * 100), "invalid_request")
    _refused(
        _token(http, acme, code, tx_code=made.tx_code, resource="https://x.test"), "invalid_target"
    )
    without = container.oid4vci.offers.create(acme.learner, credential_id, tx_code=False)
    free_code = without.credential_offer["grants"][PRE]["pre-authorized_code"]
    _refused(_token(http, acme, free_code, tx_code="123456"), "invalid_request")
    # another organisation's endpoint does not know acme's code
    _org(container, "globex")
    _refused(
        _token(http, Org("globex", None, None, ""), code, tx_code=made.tx_code), "invalid_grant"
    )
    # wrong codes: the fifth burns the offer for good
    wrong = f"{(int(made.tx_code or '0') + 1) % 1_000_000:06d}"
    for _ in range(5):
        _refused(_token(http, acme, code, tx_code=wrong), "invalid_grant")
    _refused(_token(http, acme, code, tx_code=made.tx_code), "invalid_grant")
    # an expired code
    clock.advance(minutes=16)
    _refused(_token(http, acme, free_code), "invalid_grant")


def test_credential_requests_are_refused_and_leave_the_offer_usable(
    container: Container, http: TestClient, acme: Org, clock: FrozenClock
) -> None:
    credential_id, code = _redeemed(container, acme)
    token = _token(http, acme, code).json()["access_token"]
    nonce = _nonce(http, acme)
    good, _ = _proof(acme, nonce)
    r = _ask(http, acme, None, _request(good))
    _refused(r, "invalid_token", 401)
    assert r.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    _refused(_ask(http, acme, "not-a-token", _request(good)), "invalid_token", 401)
    # malformed JSON is stopped by the app-wide body guard before the endpoint (422) ...
    r = _ask(http, acme, token, b"{not json")
    assert (r.status_code, r.json()["error"]) == (422, "invalid_input"), r.text
    # ... or, sent as another type, refused by the endpoint itself
    r = http.post(
        "/orgs/acme/oid4vci/credential",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    _refused(r, "invalid_credential_request")
    _refused(_ask(http, acme, token, [1, 2]), "invalid_credential_request")
    _refused(_ask(http, acme, token, {"proofs": {"jwt": [good]}}), "invalid_credential_request")
    _refused(
        _ask(http, acme, token, _request(good) | {"credential_configuration_id": "Diploma"}),
        "unknown_credential_configuration",
    )
    _refused(
        _ask(http, acme, token, {"credential_identifier": "x", "proofs": {"jwt": [good]}}),
        "unknown_credential_identifier",
    )
    no_proof = {"credential_configuration_id": "OpenBadgeCredential"}
    _refused(_ask(http, acme, token, no_proof), "invalid_proof")
    _refused(_ask(http, acme, token, no_proof | {"proofs": {"ldp_vp": [{}]}}), "invalid_proof")
    _refused(
        _ask(http, acme, token, no_proof | {"proofs": {"jwt": [good, good]}}),
        "invalid_credential_request",
    )
    _refused(
        _ask(http, acme, token, _request(good) | {"proof": {"proof_type": "jwt", "jwt": good}}),
        "invalid_credential_request",
    )
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    _refused(_ask(http, acme, token, _request(tampered)), "invalid_proof")
    _refused(
        _ask(http, acme, token, _request(_proof(acme, nonce, aud="https://x.test")[0])),
        "invalid_proof",
    )
    _refused(_ask(http, acme, token, _request(_proof(acme, None)[0])), "invalid_nonce")
    _refused(_ask(http, acme, token, _request(_proof(acme, "made-up")[0])), "invalid_nonce")
    # the credential is revoked meanwhile: denied, and nothing is used up
    container.credentials.change_status(acme.admin, credential_id, StatusAction.REVOKE, "oops")
    _refused(_ask(http, acme, token, _request(good)), "credential_request_denied")
    with container.uow() as uow:
        scope = uow.tenant(acme.admin.organisation_id)
        assert scope.credentials.bound_copies(credential_id) == []
        offer = scope.oid4vci.offer_by_code(_hash(code))
        assert offer is not None and offer.state is Oid4vciOfferState.REDEEMED
    # the nonce was not used up: another offer's token takes it (a draft-15 style single
    # 'proof' is accepted too)
    _, fresh = _redeemed(container, acme)
    fresh_token = _token(http, acme, fresh).json()["access_token"]
    r = _ask(
        http,
        acme,
        fresh_token,
        {
            "credential_configuration_id": "OpenBadgeCredential",
            "proof": {"proof_type": "jwt", "jwt": good},
        },
    )
    assert r.status_code == 200, r.text
    # an expired token and an expired nonce
    _, code2 = _redeemed(container, acme)
    token2 = _token(http, acme, code2).json()["access_token"]
    stale = _nonce(http, acme)
    clock.advance(seconds=301)
    _refused(_ask(http, acme, token2, _request(_proof(acme, stale)[0])), "invalid_token", 401)
    _, code3 = _redeemed(container, acme)
    token3 = _token(http, acme, code3).json()["access_token"]
    proof, _ = _proof(acme, stale, iat=int(clock.now().timestamp()))
    _refused(_ask(http, acme, token3, _request(proof)), "invalid_nonce")


def test_an_access_token_works_only_at_its_own_organisation(
    container: Container, http: TestClient, acme: Org
) -> None:
    globex = _org(container, "globex")
    _, code = _redeemed(container, acme)
    token = _token(http, acme, code).json()["access_token"]
    proof, _ = _proof(globex, _nonce(http, globex))
    _refused(_ask(http, globex, token, _request(proof)), "invalid_token", 401)
    # acme's nonce is not globex's either
    _, gcode = _redeemed(container, globex)
    gtoken = _token(http, globex, gcode).json()["access_token"]
    proof, _ = _proof(globex, _nonce(http, acme))
    _refused(_ask(http, globex, gtoken, _request(proof)), "invalid_nonce")


def test_who_may_make_an_offer_and_of_what(
    container: Container, http: TestClient, acme: Org
) -> None:
    credential_id = _credential(container, acme)
    staff = http.post(
        "/api/v1/auth/token",
        json={"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD},
    ).json()["token"]
    url = f"/api/v1/credentials/{credential_id}/oid4vci-offer"
    assert http.post(url, json={}).status_code == 401
    r = http.post(url, json={"lifetime_seconds": 60}, headers={"Authorization": f"Bearer {staff}"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["offer_by_reference"].startswith("openid-credential-offer://?credential_offer_uri=")
    assert body["offer_by_value"].startswith("openid-credential-offer://?credential_offer=")
    for bad in ({"lifetime_seconds": 0}, {"tx_code": "yes please"}, {"extra": 1}):
        r = http.post(url, json=bad, headers={"Authorization": f"Bearer {staff}"})
        assert r.status_code == 422, r.text
    # another learner of acme may not offer Lea's credential; globex cannot see it at all
    other = principal_of(
        container.identity.add_user(
            acme.admin, email="max@example.org", name="Max", role=Role.LEARNER
        )
    )
    from microcred.errors import InvalidInput, NotFound, PermissionDenied

    with pytest.raises(PermissionDenied):
        container.oid4vci.offers.create(other, credential_id)
    globex = _org(container, "globex")
    with pytest.raises(NotFound):
        container.oid4vci.offers.create(globex.admin, credential_id)
    container.credentials.change_status(acme.admin, credential_id, StatusAction.REVOKE, "oops")
    with pytest.raises(InvalidInput):
        container.oid4vci.offers.create(acme.learner, credential_id)
    assert http.get("/orgs/acme/oid4vci/offers/" + "x" * 300).status_code == 404
    assert http.get("/orgs/globex/oid4vci/offers/unknown").status_code == 404


def test_the_oid4vci_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "oid4vci" in repr(d)] == []
        tables = {"oid4vci_offers", "oid4vci_nonces"}
        command.downgrade(migrate.alembic_config(database_url), "0010delivery")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_learner_page_makes_an_offer_with_a_qr_code(container: Container, acme: Org) -> None:
    from tests.integration.web_forms import signed_in

    credential_id = _credential(container, acme)
    admin_web, csrf = signed_in(create_app(container), "acme", "admin@acme.test", PASSWORD)
    page = admin_web.get("/learn")
    assert page.status_code == 200
    r = admin_web.post(f"/learn/credentials/{credential_id}/oid4vci", data={"csrf": csrf})
    # staff may send the credential: the page shows the link, a QR code and the code to type
    assert r.status_code == 200, r.text[:500]
    assert 'id="oid4vci-qr" src="data:image/svg+xml' in r.text
    assert "openid-credential-offer://?credential_offer_uri=" in r.text
    assert 'id="oid4vci-tx-code"' in r.text
    refused = admin_web.post(f"/learn/credentials/{credential_id}/oid4vci", data={"csrf": "x"})
    assert refused.status_code == 403
