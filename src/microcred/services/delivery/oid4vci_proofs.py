"""OpenID4VCI key proofs (1.0 final, appendix F.1): a compact JWT of type
``openid4vci-proof+jwt`` whose key, given as a ``jwk`` or as a ``kid`` DID URL, becomes the
holder's DID: ``did:key`` for an Ed25519 key (``EdDSA``), ``did:jwk`` for a P-256 key
(``ES256``). The errors carry the names the specification gives them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from microcred.crypto import (
    b64url_decode,
    b64url_encode,
    did_key,
    ed25519_from_jwk,
    public_key_from_did_key,
)
from microcred.errors import CryptoError, MicrocredError

PROOF_TYPE = "openid4vci-proof+jwt"
#: the proof algorithms accepted (advertised as ``proof_signing_alg_values_supported``)
PROOF_ALGS = ("EdDSA", "ES256")
MAX_PROOF_CHARS = 8192
#: how far a proof's ``iat`` may be ahead of our clock
CLOCK_SKEW = timedelta(seconds=60)


class Oid4vciError(MicrocredError):
    """A request the OpenID4VCI or OAuth 2.0 specifications refuse; ``code`` is the error
    name they give (``invalid_grant``, ``invalid_proof``, ``invalid_nonce`` ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class KeyProof:
    """A verified key proof: the holder's DID and the nonce it carries (checked by the caller)."""

    holder_did: str
    nonce: str | None


def _bad(message: str) -> Oid4vciError:
    return Oid4vciError("invalid_proof", message)


def _segment(text: str, what: str) -> bytes:
    try:
        return b64url_decode(text)
    except (CryptoError, ValueError) as exc:
        raise _bad(f"The proof's {what} is not base64url.") from exc


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _bad(f"The proof's {what} is not JSON.") from exc
    if not isinstance(value, dict):
        raise _bad(f"The proof's {what} is not a JSON object.")
    return value


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """``did:jwk:`` of a public JWK: its required members as canonical (RFC 8785) JSON, which
    for string members is sorted keys without white space."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("crv", "kty", "x")
    public = {m: str(jwk[m]) for m in members if m in jwk}
    text = json.dumps(public, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def _jwk_of_did_jwk(did_url: str) -> dict[str, Any]:
    ident = did_url[len("did:jwk:") :].partition("#")[0]
    return _json_object(_segment(ident, "did:jwk"), "did:jwk key")


def _key_and_did(header: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The public JWK the proof is signed with and the DID it names."""
    jwk, kid = header.get("jwk"), header.get("kid")
    if "x5c" in header or (jwk is not None) == (kid is not None):
        raise _bad("The proof must name its key by exactly one of 'jwk' or 'kid'.")
    if jwk is not None:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise _bad("The proof's 'jwk' must be a public key.")
        if jwk.get("kty") == "OKP":
            try:
                return jwk, did_key(ed25519_from_jwk(jwk))
            except CryptoError as exc:
                raise _bad(f"The proof's key is unusable: {exc.message}") from exc
        return jwk, did_jwk(jwk)
    if not isinstance(kid, str) or len(kid) > 2048:
        raise _bad("The proof's 'kid' must be a DID URL.")
    if kid.startswith("did:key:"):
        try:
            public = public_key_from_did_key(kid)
        except CryptoError as exc:
            raise _bad(f"The proof's key is unusable: {exc.message}") from exc
        return public.to_jwk(), kid.partition("#")[0]
    if kid.startswith("did:jwk:"):
        key = _jwk_of_did_jwk(kid)
        if "d" in key:
            raise _bad("The proof's did:jwk must hold a public key.")
        return key, kid.partition("#")[0]
    raise _bad("The proof's 'kid' must be a did:key or did:jwk URL.")


def _p256_verify(jwk: Mapping[str, Any], signature: bytes, message: bytes) -> bool:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise _bad("An ES256 proof needs a P-256 (EC) key.")
    try:
        x = int.from_bytes(b64url_decode(str(jwk["x"])), "big")
        y = int.from_bytes(b64url_decode(str(jwk["y"])), "big")
        key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    except (KeyError, ValueError, CryptoError) as exc:
        raise _bad("The proof's P-256 key is malformed.") from exc
    if len(signature) != 64:
        return False
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _signature_valid(alg: str, jwk: Mapping[str, Any], signature: bytes, message: bytes) -> bool:
    if alg == "EdDSA":
        try:
            return ed25519_from_jwk(jwk).verify(signature, message)
        except CryptoError as exc:
            raise _bad("An EdDSA proof needs an Ed25519 (OKP) key.") from exc
    return _p256_verify(jwk, signature, message)


def verify_key_proof(jwt: object, *, audience: str, now: datetime, max_age: timedelta) -> KeyProof:
    """Check a ``jwt`` key proof: type, algorithm, key, signature, ``aud`` and ``iat``.

    Raises `Oid4vciError` (``invalid_proof``) on any failure; the nonce is left to the caller.
    """
    if not isinstance(jwt, str) or len(jwt) > MAX_PROOF_CHARS or jwt.count(".") != 2:
        raise _bad("The proof must be a compact JWT.")
    head_b64, body_b64, sig_b64 = jwt.split(".")
    header = _json_object(_segment(head_b64, "header"), "header")
    payload = _json_object(_segment(body_b64, "payload"), "payload")
    signature = _segment(sig_b64, "signature")
    if header.get("typ") != PROOF_TYPE:
        raise _bad(f"The proof's 'typ' must be '{PROOF_TYPE}'.")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise _bad(f"The proof's 'alg' must be one of {', '.join(PROOF_ALGS)}.")
    jwk, holder = _key_and_did(header)
    if not _signature_valid(str(alg), jwk, signature, f"{head_b64}.{body_b64}".encode("ascii")):
        raise _bad("The proof's signature does not verify.")
    if payload.get("aud") != audience:
        raise _bad(f"The proof's 'aud' must be the credential issuer, {audience}.")
    iat = payload.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise _bad("The proof must carry 'iat'.")
    moment = now.timestamp()
    if iat > moment + CLOCK_SKEW.total_seconds() or iat < moment - max_age.total_seconds():
        raise _bad("The proof's 'iat' is too far from now.")
    nonce = payload.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise _bad("The proof's 'nonce' must be a string.")
    return KeyProof(holder_did=holder, nonce=nonce)
