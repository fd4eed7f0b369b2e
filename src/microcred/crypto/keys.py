"""Signing keys: Ed25519 (credentials, notes) and RSA (VC-JWT RS256), as Multikey and JWK."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from microcred.crypto.multibase import (
    ED25519_PRIV,
    ED25519_PUB,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    strip_multicodec,
)
from microcred.errors import CryptoError


@dataclass(frozen=True, slots=True)
class Ed25519PublicKeyBytes:
    """A raw 32-byte Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise CryptoError("An Ed25519 public key has 32 bytes.")

    @property
    def multibase(self) -> str:
        """``z6Mk…``: base58btc of the multicodec ed25519-pub key."""
        return multibase_encode(ED25519_PUB + self.raw)

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519PublicKeyBytes:
        """Parse a ``publicKeyMultibase`` value."""
        return cls(strip_multicodec(multibase_decode(value), ED25519_PUB, "Ed25519 public key"))

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is valid for ``message``."""
        if len(signature) != 64:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        """The public key as an OKP JWK."""
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self.raw)}


@dataclass(frozen=True, slots=True)
class Ed25519KeyPair:
    """An Ed25519 key pair held as its 32-byte seed."""

    seed: bytes

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise CryptoError("An Ed25519 private key (seed) has 32 bytes.")

    def __repr__(self) -> str:  # never print the seed
        return f"Ed25519KeyPair(public={self.public.multibase})"

    @classmethod
    def generate(cls) -> Ed25519KeyPair:
        """A new random key pair."""
        key = Ed25519PrivateKey.generate()
        return cls(key.private_bytes_raw())

    @property
    def public(self) -> Ed25519PublicKeyBytes:
        """The public half."""
        key = Ed25519PrivateKey.from_private_bytes(self.seed)
        return Ed25519PublicKeyBytes(key.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    @property
    def secret_multibase(self) -> str:
        """``secretKeyMultibase`` (multicodec ed25519-priv of the seed)."""
        return multibase_encode(ED25519_PRIV + self.seed)

    @classmethod
    def from_multikey(cls, data: Mapping[str, Any]) -> Ed25519KeyPair:
        """Load a Multikey pair (``publicKeyMultibase`` with ``secretKeyMultibase`` or
        ``privateKeyMultibase``), as in the W3C vc-di-eddsa ``keyPair.json``.

        The secret may be the 32-byte seed or the 64-byte seed‖public form; the public key,
        when given, must match.
        """
        secret = data.get("secretKeyMultibase") or data.get("privateKeyMultibase")
        if not isinstance(secret, str):
            raise CryptoError(
                "The key file has no secretKeyMultibase or privateKeyMultibase.",
                hint="Give a Multikey pair as in the W3C vc-di-eddsa keyPair.json.",
            )
        raw = strip_multicodec(multibase_decode(secret), ED25519_PRIV, "Ed25519 secret key")
        if len(raw) == 64:
            raw = raw[:32]
        pair = cls(raw)
        public = data.get("publicKeyMultibase")
        if public is not None and public != pair.public.multibase:
            raise CryptoError("The key file's public key does not belong to its secret key.")
        return pair

    def to_multikey(self) -> dict[str, str]:
        """The pair as a Multikey JSON object (secret included: handle with care)."""
        return {
            "type": "Multikey",
            "publicKeyMultibase": self.public.multibase,
            "secretKeyMultibase": self.secret_multibase,
        }


@dataclass(frozen=True, slots=True)
class RsaKeyPair:
    """An RSA key pair (PKCS#8 DER private key) for VC-JWT RS256."""

    private_der: bytes

    def __repr__(self) -> str:
        return "RsaKeyPair(…)"

    @classmethod
    def generate(cls, bits: int = 2048) -> RsaKeyPair:
        """A new RSA key (2048 bits by default, as RS256 requires at least that)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(der)

    def _key(self) -> rsa.RSAPrivateKey:
        key = serialization.load_der_private_key(self.private_der, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CryptoError("The stored key is not an RSA key.")
        return key

    def sign(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 with SHA-256 (JWS RS256)."""
        return self._key().sign(message, padding.PKCS1v15(), hashes.SHA256())

    def public_jwk(self) -> dict[str, str]:
        """The public key as an RSA JWK."""
        numbers = self._key().public_key().public_numbers()
        return {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}


def _int_b64(value: int) -> str:
    return b64url_encode(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def rsa_verify_jwk(jwk: Mapping[str, Any], signature: bytes, message: bytes) -> bool:
    """Verify an RS256 signature with an RSA public JWK."""
    try:
        n = int.from_bytes(b64url_decode(str(jwk["n"])), "big")
        e = int.from_bytes(b64url_decode(str(jwk["e"])), "big")
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, ValueError, CryptoError) as exc:
        raise CryptoError("The RSA public key (JWK) is malformed.") from exc
    if key.key_size < 2048:
        raise CryptoError("RSA keys shorter than 2048 bits are refused.")
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def ed25519_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKeyBytes:
    """An Ed25519 public key from an OKP JWK."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise CryptoError("The JWK is not an Ed25519 (OKP) public key.")
    return Ed25519PublicKeyBytes(b64url_decode(jwk["x"]))
