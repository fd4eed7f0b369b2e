"""C2SP tlog-cosignature, Ed25519 flavour (``cosignature/v1``, signature type 0x04).

A witness cosigns a checkpoint by signing::

    cosignature/v1
    time <POSIX seconds>
    <the checkpoint note text>

and publishing the note signature ``— <witness name> base64(key ID || u64 time || sig)``. The
ML-DSA-44 flavour (type 0x06) is not implemented: the standard library and ``cryptography``
have no ML-DSA yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from microcred.crypto.keys import Ed25519PublicKeyBytes
from microcred.errors import InvalidInput
from microcred.transparency.note import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Ed25519NoteVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    MalformedNote,
    NoteSignature,
    NoteVerifier,
    check_note_text,
    parse_vkey,
)

#: The largest timestamp a cosignature may carry.
MAX_TIMESTAMP = (1 << 63) - 1
_HEADER = b"cosignature/v1\ntime "


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 v1 cosignature signs."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise InvalidInput(f"The cosignature timestamp {timestamp} is out of range.")
    return _HEADER + str(timestamp).encode() + b"\n" + checkpoint_text.encode()


def cosignature_timestamp(signature: NoteSignature | bytes) -> int:
    """The timestamp of a v1 cosignature (the first 8 bytes after the key ID)."""
    raw = signature.signature if isinstance(signature, NoteSignature) else signature
    if len(raw) != 72:
        raise MalformedNote(f"A v1 cosignature has 72 bytes after the key ID, not {len(raw)}.")
    return int.from_bytes(raw[:8], "big")


@dataclass(frozen=True, slots=True)
class CosignatureVerifier(Ed25519Verifier):
    """A witness's public key: checks its ``cosignature/v1`` signatures (a `NoteVerifier`)."""

    SIG_TYPE: ClassVar[int] = SIG_COSIGNATURE_V1
    KIND: ClassVar[str] = "Ed25519 cosignatures"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this witness's cosignature of the checkpoint ``text``."""
        if len(signature) != 72:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        message = _HEADER + str(timestamp).encode() + b"\n" + text
        return self.public.verify(signature[8:], message)


@dataclass(frozen=True, slots=True, repr=False)
class CosignatureSigner(Ed25519Signer):
    """A witness's private key under its name (signature type 0x04)."""

    SIG_TYPE: ClassVar[int] = SIG_COSIGNATURE_V1

    @property
    def verifier(self) -> CosignatureVerifier:
        """The matching verifier."""
        return CosignatureVerifier(self.name, self.key.public)

    def cosign(self, checkpoint_text: str, timestamp: int) -> NoteSignature:
        """The cosignature line of ``checkpoint_text`` at ``timestamp`` (POSIX seconds, > 0)."""
        check_note_text(checkpoint_text)
        if timestamp <= 0:
            raise InvalidInput("A cosignature timestamp must be positive.")
        message = cosigned_message(checkpoint_text, timestamp)
        signature = timestamp.to_bytes(8, "big") + self.key.sign(message)
        return NoteSignature(self.name, self.key_id, signature)


def verifier_from_vkey(vkey: str) -> NoteVerifier:
    """A verifier for an Ed25519 note key (type 0x01) or an Ed25519 cosigner key (type 0x04)."""
    key = parse_vkey(vkey)
    if key.sig_type == SIG_ED25519:
        return Ed25519NoteVerifier(key.name, Ed25519PublicKeyBytes(key.public))
    if key.sig_type == SIG_COSIGNATURE_V1:
        return CosignatureVerifier(key.name, Ed25519PublicKeyBytes(key.public))
    raise MalformedNote(
        f"The key {key.name!r} has signature type 0x{key.sig_type:02x}; microcred supports "
        "0x01 (Ed25519 notes) and 0x04 (Ed25519 cosignatures)."
    )
