"""Keys, encodings, DID documents, canonicalisation and signing primitives. Bytes in, bytes out."""

from microcred.crypto.did import (
    PublishedKey,
    did_key,
    did_key_document,
    did_key_verification_method,
    did_web_document,
    did_web_from_url,
    did_web_to_url,
    public_key_from_did_key,
)
from microcred.crypto.keys import (
    Ed25519KeyPair,
    Ed25519PublicKeyBytes,
    RsaKeyPair,
    ed25519_from_jwk,
    rsa_verify_jwk,
)
from microcred.crypto.multibase import (
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
)
from microcred.crypto.passwords import hash_password, hash_token, new_token, verify_password
from microcred.crypto.rdfc import EncodedQuad, Quad
from microcred.crypto.sealing import Sealer

__all__ = [
    "Ed25519KeyPair",
    "Ed25519PublicKeyBytes",
    "EncodedQuad",
    "PublishedKey",
    "Quad",
    "RsaKeyPair",
    "Sealer",
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "did_key",
    "did_key_document",
    "did_key_verification_method",
    "did_web_document",
    "did_web_from_url",
    "did_web_to_url",
    "ed25519_from_jwk",
    "hash_password",
    "hash_token",
    "multibase_decode",
    "multibase_encode",
    "new_token",
    "public_key_from_did_key",
    "rsa_verify_jwk",
    "verify_password",
]
