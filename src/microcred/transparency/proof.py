"""C2SP tlog-proof: the offline proof a credential carries that its entry is in the log.

::

    c2sp.org/tlog-proof@v1
    extra <base64, optional, unauthenticated>
    index 73894
    <inclusion proof hashes, base64, one per line>

    <the cosigned checkpoint, verbatim>

Verifying needs the leaf hash (from the credential: see `microcred.transparency.entry`) and a
`Policy` (which log key, which witnesses, which quorum).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microcred.errors import InvalidInput, MicrocredError, PayloadTooLarge, VerificationError
from microcred.transparency.checkpoint import Checkpoint, parse_decimal
from microcred.transparency.entry import MAX_ENTRY_BYTES
from microcred.transparency.merkle import HASH_SIZE, MAX_PROOF_HASHES, verify_inclusion
from microcred.transparency.note import (
    MAX_NOTE_BYTES,
    MalformedNote,
    Note,
    b64decode_strict,
    b64encode,
    parse_note,
)
from microcred.transparency.policy import FinalCheckpoint, Policy

#: The first line of a tlog proof.
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
#: The most extra data accepted (opaque and unauthenticated; room for any log entry).
MAX_EXTRA_BYTES = MAX_ENTRY_BYTES
#: The largest proof accepted: a maximal note, the extra line and 63 proof hashes.
MAX_PROOF_BYTES = MAX_NOTE_BYTES + (MAX_EXTRA_BYTES * 4 // 3 + 16) + 64 * 45 + 64


class MalformedProof(InvalidInput):
    """The text is not a well-formed tlog proof."""

    code = "malformed_tlog_proof"


@dataclass(frozen=True, slots=True)
class TlogProof:
    """Index, inclusion path and the cosigned checkpoint note (plus optional extra data)."""

    index: int
    inclusion: tuple[bytes, ...]
    note: Note
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if self.index < 0:
            raise MalformedProof("The index is not negative.")
        if len(self.inclusion) > MAX_PROOF_HASHES:
            raise MalformedProof(f"An inclusion proof has at most {MAX_PROOF_HASHES} hashes.")
        if any(len(h) != HASH_SIZE for h in self.inclusion):
            raise MalformedProof("Inclusion proof hashes have 32 bytes.")
        if self.extra is not None and not 0 < len(self.extra) <= MAX_EXTRA_BYTES:
            raise MalformedProof(f"The extra data has 1..{MAX_EXTRA_BYTES} bytes.")

    @property
    def checkpoint(self) -> Checkpoint:
        """The checkpoint (unverified: see `verify`)."""
        return Checkpoint.parse(self.note.text)

    def format(self) -> str:
        """The proof as text (write it to a ``.tlog-proof`` file)."""
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {b64encode(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [b64encode(h) for h in self.inclusion]
        return "\n".join(lines) + "\n\n" + self.note.format()

    @classmethod
    def parse(cls, data: bytes | str) -> TlogProof:
        """Parse a tlog proof strictly; the checkpoint is parsed, not verified."""
        raw = data.encode() if isinstance(data, str) else data
        if len(raw) > MAX_PROOF_BYTES:
            raise PayloadTooLarge(f"The proof is {len(raw)} bytes; at most {MAX_PROOF_BYTES}.")
        head_end = raw.find(b"\n\n")
        if head_end < 0:
            raise MalformedProof("A tlog proof has an empty line before its checkpoint.")
        try:
            lines = raw[:head_end].decode("ascii").split("\n")
        except UnicodeDecodeError:
            raise MalformedProof("The proof lines are ASCII.") from None
        if lines[0] != PROOF_HEADER:
            raise MalformedProof(f"A tlog proof starts with '{PROOF_HEADER}'.")
        pos = 1
        extra = None
        try:
            if pos < len(lines) and lines[pos].startswith("extra "):
                extra = b64decode_strict(lines[pos][6:], "extra data")
                pos += 1
            if pos >= len(lines) or not lines[pos].startswith("index "):
                raise MalformedProof("The proof needs an 'index <n>' line.")
            index = parse_decimal(lines[pos][6:], "index")
            hashes = lines[pos + 1 :]
            if len(hashes) > MAX_PROOF_HASHES:
                raise MalformedProof(f"An inclusion proof has at most {MAX_PROOF_HASHES} hashes.")
            inclusion = tuple(b64decode_strict(h, "inclusion proof hash") for h in hashes)
            note = parse_note(raw[head_end + 2 :])
            Checkpoint.parse(note.text)
        except MalformedProof:
            raise
        except MalformedNote as exc:
            raise MalformedProof(exc.message) from None
        except InvalidInput as exc:
            raise MalformedProof(exc.message) from None
        return cls(index, inclusion, note, extra)

    def verify(
        self, leaf_hash: bytes, policy: Policy, *, now: int | None = None
    ) -> FinalCheckpoint:
        """Check log signature, witness quorum and inclusion of ``leaf_hash``; raise if any fails.

        Returns the final checkpoint (with the witnesses that cosigned it).
        """
        final = policy.check(self.note, now=now)
        cp = final.checkpoint
        try:
            verify_inclusion(leaf_hash, self.index, cp.size, self.inclusion, cp.root_hash)
        except VerificationError as exc:
            raise VerificationError(
                f"The entry is not proven to be in the log at index {self.index}: {exc.message}"
            ) from None
        return final


def build_proof(
    index: int, inclusion: Sequence[bytes], note: Note, extra: bytes | None = None
) -> TlogProof:
    """A tlog proof from its parts (the inclusion proof must be for ``note``'s tree size)."""
    try:
        Checkpoint.parse(note.text)
    except MicrocredError as exc:
        raise MalformedProof(f"The note is not a checkpoint: {exc.message}") from None
    return TlogProof(index, tuple(inclusion), note, extra)
