"""A proof whose ``verificationMethod`` is a bare ``did:key`` DID (no ``#fragment``), as the
1EdTech validator accepts: it resolves to the DID's one key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from microcred.credentials.proofs import data_integrity
from microcred.credentials.resolver import KeyResolver
from microcred.credentials.verify import CheckStatus, Verifier
from microcred.crypto.did import did_key
from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import CryptoError

OB_SECRET = (
    "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx"
)
OB_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def _unsigned(vectors: Path, issuer: str) -> dict[str, Any]:
    signed = json.loads((vectors / "ob_v3p0/signed-credential.json").read_text(encoding="utf-8"))
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    unsigned["issuer"] = {**unsigned["issuer"], "id": issuer}
    return unsigned


def _pair() -> Ed25519KeyPair:
    return Ed25519KeyPair.from_multikey(
        {"publicKeyMultibase": OB_PUBLIC, "secretKeyMultibase": OB_SECRET}
    )


def test_bare_did_key_resolves_to_its_key() -> None:
    key = KeyResolver().resolve(f"did:key:{OB_PUBLIC}")
    assert key.method_id == f"did:key:{OB_PUBLIC}"
    assert key.public is not None and key.public.multibase == OB_PUBLIC
    assert key.controller == f"did:key:{OB_PUBLIC}"
    assert "assertionMethod" in key.purposes


def test_credential_signed_with_a_bare_did_key_verifies(vectors: Path) -> None:
    issuer = did_key(_pair().public)
    assert issuer == f"did:key:{OB_PUBLIC}"
    signed = data_integrity.sign(_unsigned(vectors, issuer), _pair(), verification_method=issuer)
    assert signed["proof"]["verificationMethod"] == issuer  # no fragment
    report = Verifier().verify(signed)
    assert report.get("proof").status is CheckStatus.PASSED, report.get("proof").message
    assert report.get("issuer").status is CheckStatus.PASSED, report.get("issuer").message
    tampered = copy.deepcopy(signed)
    tampered["validFrom"] = "2030-01-01T00:00:00Z"
    assert Verifier().verify(tampered).get("proof").status is CheckStatus.FAILED


def test_bare_did_key_of_another_key_fails(vectors: Path) -> None:
    other = did_key(Ed25519KeyPair.generate().public)
    signed = data_integrity.sign(_unsigned(vectors, other), _pair(), verification_method=other)
    report = Verifier().verify(signed)
    assert report.get("proof").status is CheckStatus.FAILED


@pytest.mark.parametrize(
    "bad",
    [
        "did:key:z6Mk",  # too short
        "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hw0",  # not base58 ('0')
        "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",  # secp256k1, not Ed25519
        "did:key:",
    ],
)
def test_malformed_bare_did_key_is_a_clear_failure(vectors: Path, bad: str) -> None:
    with pytest.raises(CryptoError):
        KeyResolver().resolve(bad)
    signed = data_integrity.sign(
        _unsigned(vectors, f"did:key:{OB_PUBLIC}"), _pair(), verification_method=bad
    )
    report = Verifier().verify(signed)
    proof = report.get("proof")
    assert proof.status is CheckStatus.FAILED
    assert "did:key" in proof.message, proof.message
    assert not report.verified
