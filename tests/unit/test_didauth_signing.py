"""A DIDAuth presentation signed with ``challenge`` and ``domain`` (data_integrity.sign): both
are signed proof options, so changing either breaks the proof; ``holder_of`` accepts the
genuine one and names the holder."""

from __future__ import annotations

import copy

import pytest

from microcred.credentials import resolver
from microcred.credentials.proofs import data_integrity
from microcred.crypto import Ed25519KeyPair, did_key
from microcred.errors import VerificationError
from microcred.services.delivery.exchange_didauth import holder_of

KEY = Ed25519KeyPair(bytes(range(32)))
DID = did_key(KEY.public)


def _signed() -> dict:
    return data_integrity.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": "VerifiablePresentation",
            "holder": DID,
        },
        KEY,
        verification_method=f"{DID}#{DID.removeprefix('did:key:')}",
        proof_purpose="authentication",
        challenge="c-123",
        domain="https://issuer.test",
    )


def test_challenge_and_domain_are_signed() -> None:
    vp = _signed()
    assert vp["proof"]["challenge"] == "c-123" and vp["proof"]["domain"] == "https://issuer.test"
    keys = resolver.KeyResolver()
    (ok,) = data_integrity.verify(vp, keys, expected_purpose="authentication")
    assert ok.valid, ok.reason
    for field, value in (("challenge", "c-124"), ("domain", "https://evil.test")):
        changed = copy.deepcopy(vp)
        changed["proof"][field] = value
        (bad,) = data_integrity.verify(changed, keys, expected_purpose="authentication")
        assert not bad.valid, field


def test_holder_of_accepts_the_genuine_presentation_only() -> None:
    vp = _signed()
    assert (
        holder_of(vp, challenge="c-123", domain="https://issuer.test", require_domain=True) == DID
    )
    with pytest.raises(VerificationError, match="challenge"):
        holder_of(vp, challenge="c-999", domain="https://issuer.test", require_domain=True)
    with pytest.raises(VerificationError, match="domain"):
        holder_of(vp, challenge="c-123", domain="https://other.test", require_domain=True)
