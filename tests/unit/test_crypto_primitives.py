"""Multibase, keys, did:key / did:web, JCS, sealing and password hashing."""

from __future__ import annotations

import json
import struct

import pytest

from microcred.crypto import jcs
from microcred.crypto.did import (
    did_key,
    did_key_document,
    did_web_from_url,
    did_web_to_url,
    public_key_from_did_key,
)
from microcred.crypto.keys import Ed25519KeyPair, Ed25519PublicKeyBytes, RsaKeyPair, rsa_verify_jwk
from microcred.crypto.multibase import b58decode, b58encode, multibase_decode, multibase_encode
from microcred.crypto.passwords import hash_password, hash_token, new_token, verify_password
from microcred.crypto.sealing import Sealer
from microcred.errors import CryptoError, InvalidInput


def test_base58_round_trip_keeps_leading_zeros() -> None:
    for data in [b"", b"\0", b"\0\0\x01", bytes(range(256))]:
        assert b58decode(b58encode(data)) == data
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"


def test_multibase_rejects_unknown_prefix_and_bad_characters() -> None:
    assert multibase_decode(multibase_encode(b"abc", "u")) == b"abc"
    with pytest.raises(CryptoError):
        multibase_decode("mYWJj")
    with pytest.raises(CryptoError):
        multibase_decode("z0OIl")


def test_w3c_key_pair_loads_and_did_key_round_trips(vectors) -> None:
    pair = Ed25519KeyPair.from_multikey(
        json.loads((vectors / "vc-di-eddsa/keyPair.json").read_text())
    )
    assert pair.public.multibase == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    did = did_key(pair.public)
    assert public_key_from_did_key(did + "#" + pair.public.multibase) == pair.public
    doc = did_key_document(did)
    assert doc["verificationMethod"][0]["controller"] == did
    assert "secret" not in repr(pair) and pair.seed.hex() not in repr(pair)


def test_ob_vector_64_byte_secret_key_loads() -> None:
    pair = Ed25519KeyPair.from_multikey(
        {
            "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
            "secretKeyMultibase": (
                "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMF"
                "mze2gFN9oNXfJjufxSHWVZzsJiUsMHFMcx"
            ),
        }
    )
    assert pair.seed.hex().startswith("6241a409e6707bb6")


def test_mismatched_key_pair_is_refused() -> None:
    other = Ed25519KeyPair.generate()
    with pytest.raises(CryptoError, match="does not belong"):
        Ed25519KeyPair.from_multikey(
            {
                "publicKeyMultibase": other.public.multibase,
                "secretKeyMultibase": Ed25519KeyPair.generate().secret_multibase,
            }
        )


def test_signature_verification_detects_any_change() -> None:
    pair = Ed25519KeyPair.generate()
    sig = pair.sign(b"message")
    assert pair.public.verify(sig, b"message")
    assert not pair.public.verify(sig, b"messagE")
    assert not pair.public.verify(sig[:-1], b"message")
    assert not Ed25519PublicKeyBytes(bytes(32)).verify(sig, b"message")


def test_rsa_rs256_sign_and_verify() -> None:
    key = RsaKeyPair.generate()
    sig = key.sign(b"data")
    assert rsa_verify_jwk(key.public_jwk(), sig, b"data")
    assert not rsa_verify_jwk(key.public_jwk(), sig, b"datA")


def test_did_web_mapping_follows_the_method_spec() -> None:
    assert (
        did_web_to_url("did:web:w3c-ccg.github.io")
        == "https://w3c-ccg.github.io/.well-known/did.json"
    )
    assert (
        did_web_to_url("did:web:w3c-ccg.github.io:user:alice")
        == "https://w3c-ccg.github.io/user/alice/did.json"
    )
    assert (
        did_web_to_url("did:web:example.com%3A3000")
        == "https://example.com:3000/.well-known/did.json"
    )
    assert (
        did_web_from_url("https://example.com:3000", "orgs", "acme")
        == "did:web:example.com%3A3000:orgs:acme"
    )
    for bad in ["did:web:", "did:web:exa/mple.com", "did:key:z6Mk", "did:web:a::b"]:
        with pytest.raises(CryptoError):
            did_web_to_url(bad)


# RFC 8785 Appendix B: IEEE 754 values and their canonical text
@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        ("0000000000000000", "0"),
        ("8000000000000000", "0"),
        ("0000000000000001", "5e-324"),
        ("8000000000000001", "-5e-324"),
        ("7fefffffffffffff", "1.7976931348623157e+308"),
        ("ffefffffffffffff", "-1.7976931348623157e+308"),
        ("4340000000000000", "9007199254740992"),
        ("c340000000000000", "-9007199254740992"),
        ("4430000000000000", "295147905179352830000"),
        ("44b52d02c7e14af5", "9.999999999999997e+22"),
        ("44b52d02c7e14af6", "1e+23"),
        ("44b52d02c7e14af7", "1.0000000000000001e+23"),
        ("444b1ae4d6e2ef4e", "999999999999999700000"),
        ("444b1ae4d6e2ef4f", "999999999999999900000"),
        ("444b1ae4d6e2ef50", "1e+21"),
        ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
        ("3eb0c6f7a0b5ed8d", "0.000001"),
        ("41b3de4355555553", "333333333.3333332"),
        ("41b3de4355555554", "333333333.33333325"),
        ("41b3de4355555555", "333333333.3333333"),
        ("41b3de4355555556", "333333333.3333334"),
        ("41b3de4355555557", "333333333.33333343"),
        ("becbf647612f3696", "-0.0000033333333333333333"),
        ("43143ff3c1cb0959", "1424953923781206.2"),
    ],
)
def test_jcs_numbers_match_rfc8785(bits: str, expected: str) -> None:
    assert jcs.canonicalize(struct.unpack(">d", bytes.fromhex(bits))[0]).decode() == expected


def test_jcs_sorts_by_utf16_and_escapes_minimally() -> None:
    value = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "emoji",
        "\u0080": "ctl",
        "\u00f6": "o",
        "s": 'a\u000fb"\\\n',
    }
    out = jcs.canonicalize(value).decode()
    keys = list(json.loads(out))
    assert keys == ["\r", "1", "s", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert '"a\\u000fb\\"\\\\\\n"' in out


def test_jcs_matches_w3c_vector(vectors) -> None:
    config = json.loads((vectors / "vc-di-eddsa/eddsa-jcs-2022/proofConfigJCS.json").read_text())
    expected = (vectors / "vc-di-eddsa/eddsa-jcs-2022/proofCanonJCS.txt").read_bytes().strip()
    assert jcs.canonicalize(config) == expected


def test_jcs_refuses_nan_and_non_json() -> None:
    for bad in [float("nan"), float("inf"), {1: "x"}, {"a": object()}]:
        with pytest.raises(InvalidInput):
            jcs.canonicalize(bad)


def test_sealing_binds_to_owner_and_supports_kek_rotation() -> None:
    old = Sealer(["old-secret-0123456789"])
    blob = old.seal(b"seed" * 8, b"org-a:key-1")
    assert old.open(blob, b"org-a:key-1") == b"seed" * 8
    assert b"seed" not in blob
    with pytest.raises(CryptoError, match="altered or is bound elsewhere"):
        old.open(blob, b"org-b:key-1")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CryptoError):
        old.open(tampered, b"org-a:key-1")
    rotated = Sealer(["new-secret-0123456789", "old-secret-0123456789"])
    assert rotated.open(blob, b"org-a:key-1") == b"seed" * 8
    assert rotated.needs_reseal(blob)
    with pytest.raises(CryptoError, match="does not have"):
        Sealer(["another-secret-012345"]).open(blob, b"org-a:key-1")
    with pytest.raises(CryptoError):
        Sealer(["short"])


def test_passwords_use_argon2id_and_tokens_are_hashed() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "wrong password!")
    assert not verify_password(None, "correct horse battery")
    with pytest.raises(InvalidInput):
        hash_password("short")
    raw, digest = new_token()
    assert raw.startswith("mc_") and digest == hash_token(raw) and raw not in digest
