"""OpenID4VCI key proofs (1.0 final, appendix F.1), pure: good proofs with Ed25519 and P-256
keys named by ``jwk`` or a DID ``kid`` give the holder DID; every malformed, hostile or
mis-addressed proof is refused as ``invalid_proof``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from microcred.crypto import Ed25519KeyPair, did_key
from microcred.services.delivery import Oid4vciError, verify_key_proof
from microcred.services.delivery.oid4vci_proofs import did_jwk

AUD = "https://issuer.test/orgs/acme/oid4vci"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
AGE = timedelta(minutes=5)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(value: Any) -> str:
    return b64(json.dumps(value).encode())


class P256:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big")),
        }

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(self.key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def jwt(header: dict[str, Any], payload: dict[str, Any], signer: Any) -> str:
    signing_input = f"{_part(header)}.{_part(payload)}"
    return f"{signing_input}.{b64(signer.sign(signing_input.encode()))}"


def good_payload(**extra: Any) -> dict[str, Any]:
    return {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **extra}


def check(token: object) -> Any:
    return verify_key_proof(token, audience=AUD, now=NOW, max_age=AGE)


def refused(token: object) -> str:
    with pytest.raises(Oid4vciError) as caught:
        check(token)
    assert caught.value.code == "invalid_proof"
    return caught.value.message


def test_an_ed25519_jwk_proof_gives_the_did_key() -> None:
    pair = Ed25519KeyPair.generate()
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": pair.public.to_jwk()}
    proof = check(jwt(header, good_payload(), pair))
    assert proof.holder_did == did_key(pair.public) and proof.nonce == "n-1"


def test_a_did_key_kid_proof_gives_that_did() -> None:
    pair = Ed25519KeyPair.generate()
    did = did_key(pair.public)
    kid = f"{did}#{did.removeprefix('did:key:')}"
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": kid}
    assert check(jwt(header, good_payload(), pair)).holder_did == did


def test_a_p256_proof_gives_the_did_jwk_by_jwk_and_by_kid() -> None:
    key = P256()
    by_jwk = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.jwk}
    holder = check(jwt(by_jwk, good_payload(), key)).holder_did
    assert holder == did_jwk(key.jwk)
    # did:jwk is the base64url of the key's canonical JSON (sorted members, no spaces)
    assert json.loads(base64.urlsafe_b64decode(holder[8:] + "==")) == key.jwk
    by_kid = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": holder + "#0"}
    assert check(jwt(by_kid, good_payload(), key)).holder_did == holder


def test_a_proof_without_a_nonce_is_left_to_the_caller() -> None:
    pair = Ed25519KeyPair.generate()
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": pair.public.to_jwk()}
    payload = good_payload()
    del payload["nonce"]
    assert check(jwt(header, payload, pair)).nonce is None


@pytest.mark.parametrize(
    "token",
    [None, 42, "", "a.b", "a.b.c.d", "x" * 9000, "!!.??.**", f"{_part([1])}.{_part({})}.AA"],
)
def test_what_is_not_a_compact_jwt_is_refused(token: object) -> None:
    refused(token)


def _variants(pair: Ed25519KeyPair) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    jwk = pair.public.to_jwk()
    base = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": jwk}
    did = did_key(pair.public)
    now = int(NOW.timestamp())
    return [
        (base | {"typ": "JWT"}, good_payload()),
        (base | {"alg": "none"}, good_payload()),
        (base | {"alg": "HS256"}, good_payload()),
        (base | {"alg": "ES256"}, good_payload()),  # an Ed25519 key with ES256
        (base | {"kid": did + "#x"}, good_payload()),  # both jwk and kid
        ({k: v for k, v in base.items() if k != "jwk"}, good_payload()),  # no key at all
        (base | {"jwk": jwk | {"d": "c2VjcmV0"}}, good_payload()),  # a private key
        (base | {"jwk": "not an object"}, good_payload()),
        (base | {"x5c": ["MIIB"]}, good_payload()),
        (
            {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": "did:web:evil.test"},
            good_payload(),
        ),
        ({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": "did:key:z6Mkbad"}, good_payload()),
        ({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": did + "#other"}, good_payload()),
        (base, good_payload(aud="https://elsewhere.test")),
        (base, good_payload(aud=[AUD, "https://elsewhere.test"])),
        (base, good_payload(iat=now + 3600)),
        (base, good_payload(iat=now - 3600)),
        (base, good_payload(iat="yesterday")),
        (base, good_payload(iat=True)),
        (base, good_payload(nonce=12345)),
    ]


def test_each_bad_header_or_claim_is_refused_as_invalid_proof() -> None:
    pair = Ed25519KeyPair.generate()
    for header, payload in _variants(pair):
        refused(jwt(header, payload, pair))


def test_a_wrong_signature_is_refused() -> None:
    pair, other = Ed25519KeyPair.generate(), Ed25519KeyPair.generate()
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": pair.public.to_jwk()}
    assert "signature" in refused(jwt(header, good_payload(), other))
    # a valid proof whose payload is swapped afterwards
    head, _, sig = jwt(header, good_payload(), pair).split(".")
    refused(f"{head}.{_part(good_payload(nonce='n-2'))}.{sig}")
    key = P256()
    es = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.jwk}
    refused(jwt(es, good_payload(), P256()))
    refused(jwt(es | {"jwk": key.jwk | {"x": "AAAA"}}, good_payload(), key))  # off the curve
