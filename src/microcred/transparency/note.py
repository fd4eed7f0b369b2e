"""C2SP signed-note: text signed by one or more keys, with Ed25519 note keys.

A note is ``text`` (ending in a newline), a blank line, then signature lines
``— <key name> base64(key ID || signature)``. Keys are named, and identified by their name plus
a 32-bit key ID derived from the name, the signature type and the public key. Verifier keys
(*vkeys*) are ``<name>+<hex key ID>+base64(type || public key)``; signer keys (*skeys*) are
``PRIVATE+KEY+<name>+<hex key ID>+base64(type || seed)`` as Go's ``sumdb/note`` writes them.

Verification follows the spec: signatures from unknown keys (name *and* ID must match) are
ignored; a failing signature from a known key rejects the whole note; a note with no verified
signature from a known key is rejected.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import ClassVar, Protocol, Self

from microcred.crypto.keys import Ed25519KeyPair, Ed25519PublicKeyBytes
from microcred.errors import CryptoError, InvalidInput, PayloadTooLarge, VerificationError

#: Signature type byte of plain Ed25519 note signatures.
SIG_ED25519 = 0x01
#: Signature type byte of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature).
SIG_COSIGNATURE_V1 = 0x04
#: Largest note accepted by default (room for 16 post-quantum signatures of ~5 kB each).
MAX_NOTE_BYTES = 128 * 1024
#: Most signature lines accepted by default (the spec demands at least 16).
MAX_SIGNATURES = 64

_DASH = "\u2014"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_HEX_ID = re.compile(r"[0-9a-f]{8}")


class MalformedNote(InvalidInput):
    """The bytes are not a well-formed signed note (or verifier/signer key)."""

    code = "malformed_note"


class UnverifiedNote(VerificationError):
    """No signature from a known key verifies, or a known key's signature fails."""

    code = "unverified_note"


class InvalidNoteSignature(UnverifiedNote):
    """A signature line names a known key (name and ID) but does not verify."""

    code = "invalid_note_signature"


def key_id(name: str, sig_type: int, public: bytes) -> int:
    """``SHA-256(name || 0x0A || type || public key)[:4]`` as a big-endian integer."""
    digest = sha256(name.encode() + b"\n" + bytes([sig_type]) + public).digest()
    return int.from_bytes(digest[:4], "big")


def check_key_name(name: str) -> str:
    """Return ``name`` if it is a valid key name (non-empty, no spaces, no ``+``)."""
    if (
        not name
        or "+" in name
        or any(c.isspace() for c in name)
        or _CONTROL.search(name)
        or "\x7f" in name
    ):
        raise MalformedNote(f"{name!r} is not a valid key name (non-empty, no spaces, no '+').")
    return name


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard padded base64 in canonical form, or `MalformedNote`."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedNote(f"The {what} is not valid base64.") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise MalformedNote(f"The {what} is not canonical base64.")
    return raw


def b64encode(raw: bytes) -> str:
    """Standard padded base64 as text."""
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key ID and the signature bytes after the ID."""

    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        """``— <name> base64(key ID || signature)`` with its newline."""
        raw = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_DASH} {self.name} {b64encode(raw)}\n"

    @classmethod
    def parse_line(cls, line: str) -> NoteSignature:
        """Parse one signature line (without its newline)."""
        if not line.startswith(_DASH + " "):
            raise MalformedNote("A signature line must start with an em dash and a space.")
        name, sep, encoded = line[2:].partition(" ")
        if not sep or " " in encoded:
            raise MalformedNote("A signature line is '— <key name> <base64 signature>'.")
        check_key_name(name)
        raw = b64decode_strict(encoded, f"signature of {name!r}")
        if len(raw) < 5:
            raise MalformedNote(f"The signature of {name!r} is too short to hold a key ID.")
        return cls(name, int.from_bytes(raw[:4], "big"), raw[4:])


@dataclass(frozen=True, slots=True)
class Note:
    """A signed note: its text (ending in a newline) and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...] = ()

    def __post_init__(self) -> None:
        check_note_text(self.text)

    def format(self) -> str:
        """The note as text: the text, a blank line, the signature lines."""
        if not self.signatures:
            raise MalformedNote("A signed note needs at least one signature.")
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def encode(self) -> bytes:
        """`format` as UTF-8."""
        return self.format().encode()

    def with_signatures(self, *signatures: NoteSignature) -> Note:
        """A copy with ``signatures`` appended (an identical line is not repeated)."""
        merged = list(self.signatures)
        merged += [s for s in signatures if s not in merged]
        return Note(self.text, tuple(merged))


def check_note_text(text: str) -> str:
    """Return ``text`` if it can be a note text (non-empty, newline-terminated, no controls)."""
    if not text.endswith("\n"):
        raise MalformedNote("A note text must end with a newline.")
    if _CONTROL.search(text):
        raise MalformedNote("A note must not contain control characters other than newline.")
    return text


def parse_note(
    data: bytes | str, *, max_bytes: int = MAX_NOTE_BYTES, max_signatures: int = MAX_SIGNATURES
) -> Note:
    """Parse a signed note strictly (UTF-8, no control characters, limits); verify nothing."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The note is {len(raw)} bytes; at most {max_bytes} are accepted.")
    try:
        text = raw.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise MalformedNote("A note must be valid UTF-8.") from None
    if not text.endswith("\n"):
        raise MalformedNote("A signed note must end with a newline.")
    if _CONTROL.search(text):
        raise MalformedNote("A note must not contain control characters other than newline.")
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedNote("A signed note needs a blank line between its text and signatures.")
    body, block = text[: split + 1], text[split + 2 :]
    lines = block[:-1].split("\n") if block else []
    if not lines:
        raise MalformedNote("A signed note needs at least one signature.")
    if len(lines) > max_signatures:
        raise PayloadTooLarge(
            f"The note has {len(lines)} signatures; at most {max_signatures} are accepted."
        )
    return Note(body, tuple(NoteSignature.parse_line(line) for line in lines))


class NoteVerifier(Protocol):
    """A known public key: its name and key ID, and a check of one signature."""

    @property
    def name(self) -> str:
        """The key name."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID."""
        ...

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True when ``signature`` (without the key ID) is valid for the note ``text``."""
        ...


class NoteSigner(Protocol):
    """A private key that signs note texts."""

    @property
    def name(self) -> str:
        """The key name."""
        ...

    @property
    def key_id(self) -> int:
        """The 32-bit key ID."""
        ...

    def sign(self, text: bytes) -> bytes:
        """The signature (without the key ID) of the note ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A parsed vkey: name, key ID, signature type and raw public key."""

    name: str
    key_id: int
    sig_type: int
    public: bytes

    @property
    def vkey(self) -> str:
        """The ``<name>+<hex id>+<base64(type || key)>`` encoding."""
        material = b64encode(bytes([self.sig_type]) + self.public)
        return f"{self.name}+{self.key_id:08x}+{material}"


def parse_vkey(vkey: str) -> VerifierKey:
    """Parse ``<name>+<hex key ID>+<base64(type || public key)>`` (any signature type).

    For the Ed25519 types (0x01 and 0x04) the key ID must be the one the spec derives.
    """
    name, sep1, rest = vkey.strip().partition("+")
    hex_id, sep2, material = rest.partition("+")
    if not (sep1 and sep2):
        raise MalformedNote("A verifier key is '<name>+<hex key ID>+<base64 key>'.")
    check_key_name(name)
    if not _HEX_ID.fullmatch(hex_id):
        raise MalformedNote(f"The key ID {hex_id!r} is not 8 lowercase hex digits.")
    raw = b64decode_strict(material, "verifier key")
    if len(raw) < 2:
        raise MalformedNote("The verifier key holds no public key.")
    key = VerifierKey(name, int(hex_id, 16), raw[0], raw[1:])
    if key.sig_type in (SIG_ED25519, SIG_COSIGNATURE_V1):
        if len(key.public) != 32:
            raise MalformedNote("An Ed25519 verifier key holds a 32-byte public key.")
        if key_id(name, key.sig_type, key.public) != key.key_id:
            raise MalformedNote(f"The key ID of {name!r} does not match its public key.")
    return key


def parse_skey(skey: str) -> tuple[str, int, Ed25519KeyPair]:
    """``PRIVATE+KEY+<name>+<hex id>+base64(type || seed)`` → (name, type, key pair).

    Only Ed25519 types (0x01 notes, 0x04 cosignatures) are supported; the key ID must match.
    """
    parts = skey.strip().split("+", 4)
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise MalformedNote("A signer key is 'PRIVATE+KEY+<name>+<hex key ID>+<base64>'.")
    name, hex_id, material = parts[2], parts[3], parts[4]
    check_key_name(name)
    if not _HEX_ID.fullmatch(hex_id):
        raise MalformedNote(f"The key ID {hex_id!r} is not 8 lowercase hex digits.")
    raw = b64decode_strict(material, "signer key")
    if len(raw) != 33 or raw[0] not in (SIG_ED25519, SIG_COSIGNATURE_V1):
        raise MalformedNote("The signer key is not an Ed25519 32-byte seed (type 0x01 or 0x04).")
    try:
        pair = Ed25519KeyPair(raw[1:])
    except CryptoError as exc:
        raise MalformedNote(exc.message) from None
    if key_id(name, raw[0], pair.public.raw) != int(hex_id, 16):
        raise MalformedNote(f"The key ID of {name!r} does not match its key.")
    return name, raw[0], pair


def format_skey(name: str, sig_type: int, key: Ed25519KeyPair) -> str:
    """The ``PRIVATE+KEY+…`` encoding of an Ed25519 signer key (secret: handle with care)."""
    material = b64encode(bytes([sig_type]) + key.seed)
    return f"PRIVATE+KEY+{name}+{key_id(name, sig_type, key.public.raw):08x}+{material}"


@dataclass(frozen=True, slots=True)
class Ed25519Verifier:
    """An Ed25519 public key under a key name, for one signature type (``SIG_TYPE``).

    The shared part of `Ed25519NoteVerifier` (0x01) and the cosignature verifier (0x04):
    name, key ID and vkey; each subclass says how a signature of its type is checked.
    """

    #: The signature type byte the key ID and vkey are derived with.
    SIG_TYPE: ClassVar[int] = SIG_ED25519
    #: What the signatures of this type are, in words (for error messages).
    KIND: ClassVar[str] = "Ed25519 note signatures"

    name: str
    public: Ed25519PublicKeyBytes

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_id(self) -> int:
        """``SHA-256(name || 0x0A || type || key)[:4]``."""
        return key_id(self.name, self.SIG_TYPE, self.public.raw)

    @property
    def vkey(self) -> str:
        """This key as a vkey string."""
        return VerifierKey(self.name, self.key_id, self.SIG_TYPE, self.public.raw).vkey

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Load a vkey of this class's signature type."""
        key = parse_vkey(vkey)
        if key.sig_type != cls.SIG_TYPE:
            raise MalformedNote(
                f"The key {key.name!r} has signature type 0x{key.sig_type:02x}, "
                f"not 0x{cls.SIG_TYPE:02x} ({cls.KIND})."
            )
        return cls(key.name, Ed25519PublicKeyBytes(key.public))


@dataclass(frozen=True, slots=True)
class Ed25519NoteVerifier(Ed25519Verifier):
    """An Ed25519 note key (signature type 0x01): checks log signatures on notes."""

    SIG_TYPE: ClassVar[int] = SIG_ED25519

    def verify(self, text: bytes, signature: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature of ``text``."""
        return self.public.verify(signature, text)


@dataclass(frozen=True, slots=True)
class Ed25519Signer:
    """An Ed25519 private key under a key name, for one signature type (``SIG_TYPE``).

    The shared part of `Ed25519NoteSigner` (0x01) and the cosignature signer (0x04): name,
    key ID and skey; each subclass says what it signs and which verifier matches it.
    """

    #: The signature type byte the key ID and skey are derived with.
    SIG_TYPE: ClassVar[int] = SIG_ED25519

    name: str
    key: Ed25519KeyPair

    def __post_init__(self) -> None:
        check_key_name(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.key_id:08x})"

    @classmethod
    def generate(cls, name: str) -> Self:
        """A new random key under ``name``."""
        return cls(name, Ed25519KeyPair.generate())

    @property
    def key_id(self) -> int:
        """``SHA-256(name || 0x0A || type || public key)[:4]``."""
        return key_id(self.name, self.SIG_TYPE, self.key.public.raw)

    @property
    def skey(self) -> str:
        """``PRIVATE+KEY+<name>+<hex id>+base64(type || seed)``: secret, handle with care."""
        return format_skey(self.name, self.SIG_TYPE, self.key)

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """Load a signer key as written by `skey` (or Go's ``note.GenerateKey``)."""
        name, sig_type, key = parse_skey(skey)
        if sig_type != cls.SIG_TYPE:
            raise MalformedNote(
                f"The signer key has type 0x{sig_type:02x}, not 0x{cls.SIG_TYPE:02x}."
            )
        return cls(name, key)


@dataclass(frozen=True, slots=True, repr=False)
class Ed25519NoteSigner(Ed25519Signer):
    """An Ed25519 note signing key (type 0x01) under a key name."""

    SIG_TYPE: ClassVar[int] = SIG_ED25519

    @property
    def verifier(self) -> Ed25519NoteVerifier:
        """The matching verifier."""
        return Ed25519NoteVerifier(self.name, self.key.public)

    def sign(self, text: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``text``."""
        return self.key.sign(text)


def sign_note(text: str | Note, signers: Sequence[NoteSigner]) -> Note:
    """Sign a note text (or add signatures to a note) with each of ``signers``."""
    note = text if isinstance(text, Note) else Note(text)
    message = note.text.encode()
    if not signers:
        raise InvalidInput("Give at least one signer.")
    return note.with_signatures(
        *(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    )


@dataclass(frozen=True, slots=True)
class VerifiedNote:
    """A note whose signatures from known keys all verified (and at least one did)."""

    note: Note
    #: The signatures that verified, each with the verifier that checked it.
    verified: tuple[tuple[NoteVerifier, NoteSignature], ...]

    @property
    def text(self) -> str:
        """The note text."""
        return self.note.text

    def signed_by(self, verifier: NoteVerifier) -> bool:
        """True when a signature by ``verifier`` (same name and key ID) verified."""
        return any(
            v.name == verifier.name and v.key_id == verifier.key_id for v, _ in self.verified
        )


def _index(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, int], NoteVerifier]:
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        slot = (v.name, v.key_id)
        if slot in known and known[slot] != v:
            raise InvalidInput(
                f"Two known keys share the name {v.name!r} and key ID {v.key_id:08x}.",
                hint="Key names and IDs must identify keys uniquely.",
            )
        known[slot] = v
    return known


def verify_note(note: Note, verifiers: Iterable[NoteVerifier]) -> VerifiedNote:
    """Check ``note`` against the known keys, per the signed-note rules (see module docs)."""
    known = _index(verifiers)
    message = note.text.encode()
    verified: list[tuple[NoteVerifier, NoteSignature]] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise InvalidNoteSignature(
                f"The signature by {sig.name!r} (key ID {sig.key_id:08x}) does not verify.",
                hint="The note was altered, or it was signed with another key.",
            )
        verified.append((verifier, sig))
    if not verified:
        names = sorted({v.name for v in known.values()})
        raise UnverifiedNote(
            "The note carries no signature from a known key"
            + (f" (known: {', '.join(names)})." if names else " (no keys are known).")
        )
    return VerifiedNote(note, tuple(verified))


def open_note(
    data: bytes | str,
    verifiers: Iterable[NoteVerifier],
    *,
    max_bytes: int = MAX_NOTE_BYTES,
    max_signatures: int = MAX_SIGNATURES,
) -> VerifiedNote:
    """Parse and verify a signed note in one step (`parse_note` then `verify_note`)."""
    return verify_note(
        parse_note(data, max_bytes=max_bytes, max_signatures=max_signatures), verifiers
    )
