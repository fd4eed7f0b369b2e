"""The DCC verifier harness itself works, independently of microcred's issuer.

Credentials here are signed by ``tests/e2e/dcc/sign_fixture.mjs`` with the DCC / Digital
Bazaar libraries that verifier-core uses, then verified through ``run_dcc_verifier``:
a valid one passes, a revoked one is reported revoked, a tampered one fails, the 1EdTech
OB 3.0 vector is checked, and any URL outside the offline map is refused and reported.

These tests need Node >= 20 and npm; without them they FAIL (they never skip), so CI
cannot pass silently on a machine without Node.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from dcc_verifier import (
    OB_ACHIEVEMENT_SCHEMA_URL,
    DccHarnessError,
    DccNetworkViolationError,
    DccResult,
    dcc_available,
    ensure_installed,
    missing_tools,
    ob_schema_resources,
    run_dcc_verifier,
    sign_fixture,
)
from tests.vectors import VECTORS

pytestmark = pytest.mark.e2e

SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
OTHER_SEED_HEX = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
STATUS_URL = "https://status.example.org/lists/revocation/1"
UNMAPPED_STATUS_URL = "https://status.example.org/lists/never-served"
VALID_INDEX = 7
REVOKED_INDEX = 42

VECTOR_ISSUER = "https://example.edu/issuers/565049"
VECTOR_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def ob_credential(
    *,
    index: int,
    status_url: str = STATUS_URL,
    types: tuple[str, ...] = ("VerifiableCredential", "OpenBadgeCredential"),
    valid_from: str = "2024-01-01T00:00:00Z",
    valid_until: str | None = None,
) -> dict[str, Any]:
    """An unsigned OB 3.0 credential shaped like microcred's (issuer.id set by the signer)."""
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:6f1c3a52-0d0b-4c53-9a57-0000000000{index:02d}",
        "type": list(types),
        "issuer": {"id": "set-by-signer", "type": ["Profile"], "name": "Harness Training Org"},
        "validFrom": valid_from,
        "name": "Safe Forklift Operation",
        "credentialSubject": {
            "id": "did:example:learner-1",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://training.example.org/achievements/forklift",
                "type": ["Achievement"],
                "name": "Safe Forklift Operation",
                "description": "Operates a counterbalance forklift safely.",
                "criteria": {"narrative": "Passed the practical assessment."},
            },
        },
        "credentialStatus": {
            "id": f"{status_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_url,
        },
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    return credential


@pytest.fixture(scope="module")
def dcc() -> None:
    """Node, npm and the pinned verifier must be there: fail (never skip) otherwise."""
    reason = missing_tools()
    if reason is not None:
        pytest.fail(
            f"The DCC verifier e2e harness needs Node >= 20 and npm: {reason}. "
            "Install them (e.g. apt-get install nodejs npm) and run "
            "`npm ci --prefix tests/e2e/dcc`.",
            pytrace=False,
        )
    try:
        ensure_installed()
    except DccHarnessError as exc:
        pytest.fail(f"The DCC verifier could not be installed: {exc}", pytrace=False)


@pytest.fixture(scope="module")
def signed(dcc: None) -> dict[str, Any]:
    return sign_fixture(
        {
            "seed_hex": SEED_HEX,
            "created": "2024-01-01T00:00:00Z",
            "credentials": [
                ob_credential(index=VALID_INDEX),
                ob_credential(index=REVOKED_INDEX),
                ob_credential(index=3, status_url=UNMAPPED_STATUS_URL),
                ob_credential(index=8, types=("VerifiableCredential", "AchievementCredential")),
                ob_credential(index=9, valid_until="2024-06-01T00:00:00Z"),
                ob_credential(index=10, valid_from="2099-01-01T00:00:00Z"),
            ],
            "status_lists": [
                {"id": STATUS_URL, "statusPurpose": "revocation", "set": [REVOKED_INDEX]},
                # same list with VALID_INDEX set too: its encodedList is spliced into the
                # first one to make a status list edited after signing
                {"id": STATUS_URL, "set": [VALID_INDEX, REVOKED_INDEX]},
            ],
        }
    )


@pytest.fixture(scope="module")
def resources(signed: dict[str, Any]) -> dict[str, Any]:
    return {STATUS_URL: signed["status_lists"][0], **ob_schema_resources()}


@pytest.fixture(scope="module")
def tampered(signed: dict[str, Any]) -> dict[str, Any]:
    credential: dict[str, Any] = copy.deepcopy(signed["credentials"][0])
    credential["credentialSubject"]["achievement"]["name"] = "Nuclear Reactor Operation"
    return credential


@pytest.fixture(scope="module")
def batch(
    signed: dict[str, Any], resources: dict[str, Any], tampered: dict[str, Any]
) -> list[DccResult]:
    """valid, revoked, tampered, AchievementCredential-typed, expired, a credential with a
    term its contexts do not define and a not-yet-valid one, in one run (one Node process)."""
    valid, revoked, _, achievement_typed, expired, not_yet_valid = signed["credentials"]
    undefined_term = copy.deepcopy(valid)
    undefined_term["skillLevel"] = "expert"  # defined by no context in @context
    return run_dcc_verifier(
        [valid, revoked, tampered, achievement_typed, expired, undefined_term, not_yet_valid],
        resources,
    )


def test_fixture_signer_uses_a_did_key(signed: dict[str, Any]) -> None:
    did = signed["did"]
    assert did.startswith("did:key:z6Mk")
    assert signed["verificationMethod"] == f"{did}#{did.removeprefix('did:key:')}"
    credential = signed["credentials"][0]
    assert credential["issuer"]["id"] == did
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["verificationMethod"] == signed["verificationMethod"]


def test_valid_credential_passes(batch: list[DccResult]) -> None:
    valid = batch[0]
    assert valid.verified, valid.errors
    assert valid.revoked is False
    assert not valid.fatal
    assert valid.errors == []
    assert valid.checks["valid_signature"] == "passed"
    assert valid.checks["revocation_status"] == "passed"
    assert valid.checks["expiration"] == "passed"
    # advisory only: no issuer registry is reachable offline
    assert valid.checks["registered_issuer"] == "failed"
    # verifier-core guessed the OB 3.0 schema from the type and fetched it through the map
    assert valid.checks["schema"] == "passed"
    assert valid.served_urls == [STATUS_URL, OB_ACHIEVEMENT_SCHEMA_URL]
    assert valid.refused_urls == []
    assert "log" in valid.raw


def test_revoked_credential_is_reported_revoked(batch: list[DccResult]) -> None:
    revoked = batch[1]
    assert not revoked.verified
    assert revoked.revoked is True
    assert revoked.checks["valid_signature"] == "passed"
    assert revoked.checks["revocation_status"] == "failed"
    assert STATUS_URL in revoked.served_urls


def test_tampered_credential_fails(batch: list[DccResult]) -> None:
    tampered = batch[2]
    assert not tampered.verified
    assert tampered.fatal
    assert tampered.revoked is None  # a fatal answer carries no status check
    assert tampered.error_names == ["invalid_signature"]
    assert tampered.checks == {}
    assert tampered.served_urls == []  # the status list is not even fetched
    assert tampered.raw["errors"][0]["name"] == "invalid_signature"
    # verifier-core drops the reason; the harness's diagnosis keeps it
    assert any("Invalid signature" in line for line in tampered.diagnosis)


def test_achievement_credential_type_skips_the_schema_check(batch: list[DccResult]) -> None:
    """verifier-core guesses a schema only for type OpenBadgeCredential."""
    result = batch[3]
    assert result.verified, result.errors
    assert result.checks["schema"] == "skipped"
    assert result.served_urls == [STATUS_URL]


def test_expired_credential_fails_expiration(batch: list[DccResult]) -> None:
    result = batch[4]
    assert not result.verified
    assert result.checks["valid_signature"] == "passed"
    assert result.checks["expiration"] == "failed"


def test_undefined_term_is_rejected(batch: list[DccResult]) -> None:
    """DESIGN §3: JSON-LD safe mode, so a term no context defines fails verification."""
    result = batch[5]
    assert not result.verified
    assert result.fatal
    assert result.error_names == ["jsonld.ValidationError"]


def test_not_yet_valid_credential_fails(batch: list[DccResult]) -> None:
    """verifier-core leaves this error unclassified: no valid_signature entry in its log."""
    result = batch[6]
    assert not result.verified
    assert "valid_signature" not in result.checks
    assert any('is before "validFrom"' in error["message"] for error in result.errors)


def test_status_list_with_broken_signature_is_an_error(
    signed: dict[str, Any], resources: dict[str, Any]
) -> None:
    """Bits edited after signing (index 7 set too): the status list's proof fails."""
    status_list = copy.deepcopy(signed["status_lists"][0])
    edited = signed["status_lists"][1]["credentialSubject"]["encodedList"]
    assert edited != status_list["credentialSubject"]["encodedList"]
    status_list["credentialSubject"]["encodedList"] = edited
    [result] = run_dcc_verifier([signed["credentials"][0]], {**resources, STATUS_URL: status_list})
    assert not result.verified
    assert result.revoked is None
    assert result.checks["revocation_status"] == "error"
    assert "status_list_signature_error" in result.error_names


def test_issuer_must_be_the_key_controller(dcc: None, resources: dict[str, Any]) -> None:
    """DESIGN §3: the verifier fails a credential whose issuer.id is not the key's controller."""
    other = sign_fixture({"seed_hex": OTHER_SEED_HEX, "credentials": []})["did"]
    credential = ob_credential(index=VALID_INDEX)
    credential["issuer"]["id"] = other
    mismatched = sign_fixture(
        {"seed_hex": SEED_HEX, "keep_issuer": True, "credentials": [credential]}
    )["credentials"][0]
    assert mismatched["issuer"]["id"] != mismatched["proof"]["verificationMethod"].split("#")[0]
    [result] = run_dcc_verifier([mismatched], resources)
    assert not result.verified
    assert result.error_names == ["invalid_signature"]
    assert any(
        "issuer must match the verification method controller" in line for line in result.diagnosis
    )


def load_vector() -> dict[str, Any]:
    path = VECTORS / "ob_v3p0" / "signed-credential.json"
    vector: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return vector


def test_1edtech_vector_needs_its_issuer_key_from_the_web(dcc: None) -> None:
    """The vector's key is https://example.edu/issuers/565049#z6Mk…, not a DID.

    verifier-core fetches that URL; offline it is refused, so the run is a network
    violation and the credential fails with `invalid_signature`.
    """
    vector = load_vector()
    with pytest.raises(DccNetworkViolationError) as caught:
        run_dcc_verifier([vector], ob_schema_resources())
    assert caught.value.refused_urls == [f"{VECTOR_ISSUER}#{VECTOR_KEY}"]
    [result] = caught.value.results
    assert not result.verified
    assert result.error_names == ["invalid_signature"]
    assert result.refused_urls == [f"{VECTOR_ISSUER}#{VECTOR_KEY}"]


def test_1edtech_vector_verifies_when_its_key_documents_are_served(dcc: None) -> None:
    """Serving the Multikey at the key URL and the controller document at the issuer URL
    makes the 1EdTech OB 3.0 vector verify (so its signature and our pipeline agree)."""
    key_id = f"{VECTOR_ISSUER}#{VECTOR_KEY}"
    key = {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": key_id,
        "type": "Multikey",
        "controller": VECTOR_ISSUER,
        "publicKeyMultibase": VECTOR_KEY,
    }
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": VECTOR_ISSUER,
        "verificationMethod": [{k: v for k, v in key.items() if k != "@context"}],
        "assertionMethod": [key_id],
    }
    [result] = run_dcc_verifier(
        [load_vector()], {key_id: key, VECTOR_ISSUER: controller, **ob_schema_resources()}
    )
    assert result.verified, (result.errors, result.diagnosis)
    assert result.checks["valid_signature"] == "passed"
    assert result.checks["schema"] == "passed"
    assert result.revoked is None  # the vector has no credentialStatus
    assert result.served_urls[:2] == [key_id, VECTOR_ISSUER]


def test_1edtech_vector_controller_document_alone_is_not_enough(dcc: None) -> None:
    """A web server would answer the key URL with the controller document (fragments are
    not sent); the DCC stack then fails: it expects the key document itself."""
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": VECTOR_ISSUER,
        "verificationMethod": [
            {
                "id": f"{VECTOR_ISSUER}#{VECTOR_KEY}",
                "type": "Multikey",
                "controller": VECTOR_ISSUER,
                "publicKeyMultibase": VECTOR_KEY,
            }
        ],
        "assertionMethod": [f"{VECTOR_ISSUER}#{VECTOR_KEY}"],
    }
    [result] = run_dcc_verifier(
        [load_vector()], {VECTOR_ISSUER: controller, **ob_schema_resources()}
    )
    assert not result.verified
    assert result.error_names == ["invalid_signature"]
    assert any("publicKeyMultibase" in line for line in result.diagnosis)


def test_url_outside_the_map_is_refused_and_reported(
    signed: dict[str, Any], resources: dict[str, Any]
) -> None:
    credential = signed["credentials"][2]  # its status list URL is not in the map
    with pytest.raises(DccNetworkViolationError) as caught:
        run_dcc_verifier([credential], resources)
    assert caught.value.refused_urls == [UNMAPPED_STATUS_URL]
    assert UNMAPPED_STATUS_URL in str(caught.value)
    [result] = caught.value.results
    assert result.refused_urls == [UNMAPPED_STATUS_URL]
    assert not result.verified
    assert result.revoked is None
    assert result.checks["revocation_status"] == "error"
    assert "status_list_not_found" in result.error_names


def test_missing_node_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    assert missing_tools() == "`node` is not on PATH"
    assert not dcc_available()
    with pytest.raises(DccHarnessError, match="node"):
        ensure_installed()
