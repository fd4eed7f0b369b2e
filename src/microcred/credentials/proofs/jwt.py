"""VC-JWT as Open Badges 3.0 §8.2 describes it: the credential's members form the JWT claims
set, with ``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` mirroring the credential.

Algorithms: ``EdDSA`` (Ed25519) and ``RS256`` (RSASSA-PKCS1-v1_5, at least 2048 bits).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.credentials.parsing import load_json
from microcred.credentials.resolver import KeyResolver, ResolvedKey
from microcred.crypto.keys import Ed25519KeyPair, RsaKeyPair, ed25519_from_jwk, rsa_verify_jwk
from microcred.crypto.multibase import b64url_decode, b64url_encode
from microcred.errors import CryptoError, InvalidInput, MicrocredError, PayloadTooLarge

ALGORITHMS = frozenset({"EdDSA", "RS256"})
MAX_JWT_BYTES = 1_000_000


def _epoch(timestamp: str) -> int:
    try:
        return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())
    except ValueError as exc:
        raise InvalidInput(f"{timestamp!r} is not a valid date-time.") from exc


def claims_for(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The JWT claims set for a credential (the credential plus registered claims)."""
    claims = {k: v for k, v in credential.items() if k != "proof"}
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str):
        raise InvalidInput("The credential has no issuer id.")
    claims["iss"] = issuer_id
    if isinstance(credential.get("id"), str):
        claims["jti"] = credential["id"]
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if isinstance(credential.get("validFrom"), str):
        claims["nbf"] = _epoch(credential["validFrom"])
    if isinstance(credential.get("validUntil"), str):
        claims["exp"] = _epoch(credential["validUntil"])
    return claims


def sign(credential: Mapping[str, Any], key: Ed25519KeyPair | RsaKeyPair, *, kid: str) -> str:
    """A compact JWS over the credential's claims."""
    alg = "EdDSA" if isinstance(key, Ed25519KeyPair) else "RS256"
    header = {"alg": alg, "typ": "JWT", "kid": kid}
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url_encode(
            json.dumps(claims_for(credential), separators=(",", ":"), ensure_ascii=False).encode()
        )
    )
    return signing_input + "." + b64url_encode(key.sign(signing_input.encode("ascii")))


@dataclass(frozen=True, slots=True)
class JwtResult:
    """The outcome of checking a VC-JWT."""

    valid: bool
    reason: str
    credential: dict[str, Any] | None = None
    algorithm: str | None = None
    method_id: str | None = None
    key: ResolvedKey | None = None


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split and parse a compact JWS without checking it (header, claims)."""
    if not isinstance(token, str) or len(token) > MAX_JWT_BYTES:
        raise InvalidInput("The JWT is not text or is too large.")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise InvalidInput("A VC-JWT has three dot-separated parts.")
    try:
        header = load_json(b64url_decode(parts[0]), max_bytes=MAX_JWT_BYTES, what="JWT header")
        claims = load_json(b64url_decode(parts[1]), max_bytes=MAX_JWT_BYTES, what="JWT payload")
    except PayloadTooLarge:
        raise
    except (InvalidInput, CryptoError) as exc:
        raise InvalidInput("The JWT header or payload is not base64url JSON.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidInput("The JWT header and payload must be JSON objects.")
    return header, claims


def verify(token: str, resolver: KeyResolver) -> JwtResult:
    """Verify a VC-JWT's signature and that its registered claims agree with the credential."""
    try:
        header, claims = decode_unverified(token)
    except MicrocredError as exc:
        return JwtResult(False, exc.explain())
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return JwtResult(False, f"The JWT algorithm {alg!r} is not accepted (EdDSA or RS256).")
    if "crit" in header:
        return JwtResult(False, "The JWT has critical header parameters microcred does not know.")
    signing_input, _, sig_part = token.strip().rpartition(".")
    try:
        signature = b64url_decode(sig_part)
    except CryptoError:
        return JwtResult(False, "The JWT signature is not base64url.")
    credential = {
        k: v
        for k, v in claims.items()
        if k not in {"iss", "jti", "sub", "nbf", "exp", "iat", "aud"}
    }
    mismatch = _claims_mismatch(claims, credential)
    if mismatch:
        return JwtResult(False, mismatch, credential, str(alg))
    kid = header.get("kid")
    resolved: ResolvedKey | None = None
    try:
        if isinstance(kid, str):
            resolved = resolver.resolve(kid)
            jwk = resolved.jwk
        elif isinstance(header.get("jwk"), Mapping):
            jwk = header["jwk"]
        else:
            return JwtResult(False, "The JWT names no key (kid or jwk).", credential, str(alg))
        if alg == "EdDSA":
            public = (
                resolved.public if resolved and resolved.public else ed25519_from_jwk(jwk or {})
            )
            ok = public.verify(signature, signing_input.encode("ascii"))
        else:
            if jwk is None or jwk.get("kty") != "RSA":
                return JwtResult(False, "RS256 needs an RSA public key (JWK).", credential, "RS256")
            ok = rsa_verify_jwk(jwk, signature, signing_input.encode("ascii"))
    except MicrocredError as exc:
        return JwtResult(False, exc.explain(), credential, str(alg))
    if not ok:
        return JwtResult(
            False,
            "The JWT signature does not match: the credential was changed after it was signed.",
            credential,
            str(alg),
        )
    method = resolved.method_id if resolved else "the key in the JWT header"
    return JwtResult(
        True,
        f"JWT signed with {alg} by {method}.",
        credential,
        str(alg),
        resolved.method_id if resolved else None,
        resolved,
    )


def _claims_mismatch(claims: Mapping[str, Any], credential: Mapping[str, Any]) -> str | None:
    try:
        expected = claims_for(credential)
    except MicrocredError as exc:
        return exc.explain()
    for name in ("iss", "jti", "sub", "nbf", "exp"):
        if name in claims and name in expected and claims[name] != expected[name]:
            return f"The JWT claim {name!r} disagrees with the credential."
    if "iss" not in claims:
        return "The JWT has no 'iss' claim."
    return None
