"""Encrypting secrets at rest: AES-256-GCM under a key-encryption key (KEK).

A sealed blob is ``b"mc1" || kek_id(8) || nonce(12) || ciphertext+tag``; the associated data
binds it to its owner (e.g. the organisation and key id), so a blob copied to another row fails.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from microcred.errors import CryptoError

_MAGIC = b"mc1"


class Sealer:
    """Seals and opens secrets with keys derived from one or more KEK secrets.

    The first secret seals; all of them open, so a KEK can be rotated by adding a new one in
    front and re-sealing.
    """

    def __init__(self, secrets: list[str]) -> None:
        if not secrets or any(len(s) < 16 for s in secrets):
            raise CryptoError("A key-encryption secret must have at least 16 characters.")
        self._keys = [(self._kek_id(s), self._derive(s)) for s in secrets]

    @staticmethod
    def _derive(secret: str) -> bytes:
        return HKDF(SHA256(), 32, salt=b"microcred-kek-v1", info=b"seal").derive(secret.encode())

    @staticmethod
    def _kek_id(secret: str) -> bytes:
        return hashlib.sha256(b"microcred-kek-id" + secret.encode()).digest()[:8]

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        """Encrypt ``plaintext`` bound to ``associated`` data."""
        kek_id, key = self._keys[0]
        nonce = os.urandom(12)
        return _MAGIC + kek_id + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)

    def open(self, blob: bytes, associated: bytes) -> bytes:
        """Decrypt a sealed blob; raise `CryptoError` if it was altered or the KEK is unknown."""
        if len(blob) < 3 + 8 + 12 + 16 or not blob.startswith(_MAGIC):
            raise CryptoError("The sealed secret is malformed.")
        kek_id, nonce, body = blob[3:11], blob[11:23], blob[23:]
        for known_id, key in self._keys:
            if hmac.compare_digest(known_id, kek_id):
                try:
                    return AESGCM(key).decrypt(nonce, body, associated)
                except InvalidTag:
                    raise CryptoError(
                        "The sealed secret was altered or is bound elsewhere."
                    ) from None
        raise CryptoError(
            "The secret was sealed with a key-encryption key this server does not have.",
            hint="Add the old KEK to MICROCRED_KEK_SECRETS after the new one.",
        )

    def needs_reseal(self, blob: bytes) -> bool:
        """True when ``blob`` was sealed with an older KEK than the current one."""
        return blob[3:11] != self._keys[0][0]
