"""Chain anchors of cosigned checkpoints: the digest rule, the records, the port (pure).

An anchor publishes the SHA-256 of one cosigned checkpoint (a C2SP signed note, exact bytes) in
a public blockchain, so anyone can later show the checkpoint existed no later than the block that
carries it. The digest is domain-separated, so it can never be mistaken for an RFC 9162 leaf or
node hash (those start with 0x00 / 0x01) or for the hash of some other document::

    anchor_digest(note) = SHA-256(b"microcred/anchor/checkpoint/v1\\n" || note)
    origin_digest(origin) = SHA-256(b"microcred/anchor/origin/v1\\n" || UTF-8(origin))

This module reads only the checkpoint body (origin, tree size, root hash); checking the note's
signatures and witness quorum belongs to the checkpoint verifier, not here. Adapters that write
anchors to a chain (``microcred.adapters.anchors``) implement `ChainAnchor`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from microcred.domain.verification import Check, CheckStatus
from microcred.errors import InvalidInput, MicrocredError, PayloadTooLarge, VerificationError

CHECKPOINT_DOMAIN = b"microcred/anchor/checkpoint/v1\n"
ORIGIN_DOMAIN = b"microcred/anchor/origin/v1\n"
#: Room for 16 post-quantum cosignatures (~5 kB each, C2SP signed-note) and then some.
MAX_NOTE_BYTES = 256 * 1024
MAX_TREE_SIZE = 2**63 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TX_HASH = re.compile(r"0x[0-9a-f]{64}")


class AnchorError(MicrocredError):
    """An anchor could not be written or read."""

    code = "anchor_error"


class ChainUnavailable(AnchorError):
    """The JSON-RPC endpoint did not answer, or answered with something unusable."""

    code = "chain_unavailable"


class AnchorPending(AnchorError):
    """The anchor transaction was sent but is not mined yet; verify it later by its hash."""

    code = "anchor_pending"

    def __init__(self, message: str, *, tx_hash: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.tx_hash = tx_hash


def anchor_digest(note: bytes) -> bytes:
    """The 32 bytes an anchor publishes for this exact checkpoint note."""
    return hashlib.sha256(CHECKPOINT_DOMAIN + note).digest()


def origin_digest(origin: str) -> bytes:
    """The 32 bytes under which a log's anchors are searchable."""
    return hashlib.sha256(ORIGIN_DOMAIN + origin.encode()).digest()


@dataclass(frozen=True, slots=True)
class Anchor:
    """What one anchor commits to: a log's checkpoint, summarised, and the note's digest."""

    origin: str
    tree_size: int
    root_hash: bytes
    digest: bytes

    @property
    def origin_hash(self) -> bytes:
        """`origin_digest` of the origin: the searchable key of the log."""
        return origin_digest(self.origin)

    @classmethod
    def of(cls, note: bytes, *, origin: str | None = None) -> Anchor:
        """Summarise a signed checkpoint note; refuse it if malformed or of another ``origin``.

        Only the note's shape is checked (C2SP signed-note and tlog-checkpoint), not its
        signatures.
        """
        if len(note) > MAX_NOTE_BYTES:
            raise PayloadTooLarge(f"A checkpoint note is at most {MAX_NOTE_BYTES} bytes.")
        try:
            text = note.decode()
        except UnicodeDecodeError:
            raise InvalidInput("The checkpoint note is not UTF-8.") from None
        if _CONTROL.search(text):
            raise InvalidInput("The checkpoint note contains control characters.")
        body, sep, signatures = text.rpartition("\n\n")
        if not sep or not body or not signatures.endswith("\n"):
            raise InvalidInput(
                "The checkpoint is not a signed note.",
                hint="Expected text, a blank line, then signature lines ending in a newline.",
            )
        if not all(line.startswith("\u2014 ") for line in signatures[:-1].split("\n")):
            raise InvalidInput("The checkpoint note has a malformed signature line.")
        lines = body.split("\n")
        if len(lines) < 3 or not all(lines):
            raise InvalidInput("A checkpoint has an origin, a tree size and a root hash line.")
        note_origin, size_line, root_line = lines[:3]
        if origin is not None and note_origin != origin:
            raise InvalidInput(f"The checkpoint is of log {note_origin!r}, not {origin!r}.")
        if not _SIZE.fullmatch(size_line) or int(size_line) > MAX_TREE_SIZE:
            raise InvalidInput(f"The checkpoint's tree size {size_line[:40]!r} is malformed.")
        try:
            root = base64.b64decode(root_line, validate=True)
        except binascii.Error:
            root = b""
        if len(root) != 32:
            raise InvalidInput("The checkpoint's root hash is not 32 bytes in base64.")
        return cls(note_origin, int(size_line), root, anchor_digest(note))


@dataclass(frozen=True, slots=True)
class AnchorReceipt:
    """Where an anchor was written: keep it to verify the anchor later (JSON-ready)."""

    anchor: Anchor
    chain_id: int
    contract: str
    tx_hash: str
    sender: str
    block_number: int
    block_hash: str
    block_timestamp: int
    gas_used: int
    effective_gas_price: int

    @property
    def fee_wei(self) -> int:
        """What the anchor cost, in wei."""
        return self.gas_used * self.effective_gas_price

    def to_json(self) -> dict[str, Any]:
        """A flat JSON object; bytes as lowercase hex."""
        data = asdict(self)
        data["anchor"] = {
            "origin": self.anchor.origin,
            "tree_size": self.anchor.tree_size,
            "root_hash": self.anchor.root_hash.hex(),
            "digest": self.anchor.digest.hex(),
        }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnchorReceipt:
        """The inverse of `to_json`; refuse anything malformed."""
        try:
            a = data["anchor"]
            anchor = Anchor(
                str(a["origin"]),
                int(a["tree_size"]),
                bytes.fromhex(a["root_hash"]),
                bytes.fromhex(a["digest"]),
            )
            receipt = cls(
                anchor,
                int(data["chain_id"]),
                str(data["contract"]),
                normalise_tx_hash(str(data["tx_hash"])),
                str(data["sender"]),
                int(data["block_number"]),
                str(data["block_hash"]),
                int(data["block_timestamp"]),
                int(data["gas_used"]),
                int(data["effective_gas_price"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"Malformed anchor receipt: {exc}.") from None
        if len(anchor.root_hash) != 32 or len(anchor.digest) != 32:
            raise InvalidInput("Malformed anchor receipt: hashes must be 32 bytes.")
        return receipt


def normalise_tx_hash(tx_hash: str) -> str:
    """``0x`` and 64 lowercase hex digits, or `InvalidInput`."""
    value = tx_hash.strip().lower()
    value = value if value.startswith("0x") else "0x" + value
    if not _TX_HASH.fullmatch(value):
        raise InvalidInput(f"{tx_hash[:80]!r} is not a transaction hash (32 bytes in hex).")
    return value


@dataclass(slots=True)
class AnchorVerification:
    """Every check run on one anchor, and what the chain said about it."""

    tx_hash: str
    checks: list[Check] = field(default_factory=list)
    block_number: int | None = None
    block_timestamp: int | None = None
    confirmations: int = 0

    @property
    def verified(self) -> bool:
        """True when at least one check ran and none failed."""
        return bool(self.checks) and all(c.status is not CheckStatus.FAILED for c in self.checks)

    def get(self, name: str) -> Check | None:
        """The check called ``name``, if it ran."""
        return next((c for c in self.checks if c.check == name), None)

    def add(self, name: str, ok: bool | None, message: str) -> bool:
        """Record a check: passed (True), failed (False), skipped (None); ``ok is True``."""
        status = {True: CheckStatus.PASSED, False: CheckStatus.FAILED, None: CheckStatus.SKIPPED}
        self.checks.append(Check(name, status[ok], message))
        return ok is True

    def raise_for_failure(self) -> None:
        """Raise `VerificationError` naming the first failed check, if any."""
        for check in self.checks:
            if check.status is CheckStatus.FAILED:
                raise VerificationError(f"Anchor {self.tx_hash}: {check.check}: {check.message}")
        if not self.checks:
            raise VerificationError(f"Anchor {self.tx_hash}: nothing was checked.")

    def to_json(self) -> dict[str, Any]:
        """``{"verified": …, "tx_hash": …, "checks": [...], ...}``."""
        return {
            "verified": self.verified,
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
            "block_timestamp": self.block_timestamp,
            "confirmations": self.confirmations,
            "checks": [c.to_json() for c in self.checks],
        }


class ChainAnchor(Protocol):
    """Writes checkpoint anchors to a chain and verifies them there."""

    def anchor_checkpoint(self, note: bytes) -> AnchorReceipt:
        """Publish `anchor_digest` of ``note``; return once mined (`AnchorPending` if not yet)."""
        ...

    def verify_anchor(self, anchor: AnchorReceipt | str, note: bytes) -> AnchorVerification:
        """Check that the transaction (a receipt or its hash) anchors exactly ``note``."""
        ...
