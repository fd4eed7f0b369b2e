"""C2SP tlog-checkpoint: a log's signed tree head as a signed note.

The note text is the origin line, the tree size (decimal, no leading zeroes), the base64 root
hash, then optional non-empty extension lines::

    example.com/behind-the-sofa
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from microcred.errors import InvalidInput
from microcred.transparency.merkle import HASH_SIZE, MAX_TREE_SIZE
from microcred.transparency.note import (
    MAX_NOTE_BYTES,
    MalformedNote,
    Note,
    NoteSigner,
    NoteVerifier,
    VerifiedNote,
    b64decode_strict,
    b64encode,
    check_note_text,
    parse_note,
    sign_note,
    verify_note,
)

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
_CONTROL = re.compile(r"[\x00-\x1f]")


class MalformedCheckpoint(MalformedNote):
    """The note text is not a well-formed checkpoint."""

    code = "malformed_checkpoint"


def parse_decimal(text: str, what: str, *, limit: int = MAX_TREE_SIZE) -> int:
    """An ASCII decimal with no leading zeroes, at most ``limit``, or `InvalidInput`."""
    if not _DECIMAL.fullmatch(text) or int(text) > limit:
        raise InvalidInput(
            f"The {what} {text[:24]!r} is not a decimal number without leading zeroes "
            f"(at most {limit})."
        )
    return int(text)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: origin, size, root hash and opaque extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or _CONTROL.search(self.origin):
            raise MalformedCheckpoint("A checkpoint origin is one non-empty line.")
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise MalformedCheckpoint(f"The tree size {self.size} is out of range.")
        if len(self.root_hash) != HASH_SIZE:
            raise MalformedCheckpoint(f"The root hash has {len(self.root_hash)} bytes, not 32.")
        for line in self.extensions:
            if not line or _CONTROL.search(line):
                raise MalformedCheckpoint("Checkpoint extension lines are non-empty single lines.")

    @property
    def text(self) -> str:
        """The note text of this checkpoint."""
        lines = [self.origin, str(self.size), b64encode(self.root_hash), *self.extensions]
        return check_note_text("\n".join(lines) + "\n")

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text (not the signatures: see `open_checkpoint`)."""
        if not text.endswith("\n"):
            raise MalformedCheckpoint("A checkpoint text ends with a newline.")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedCheckpoint(
                "A checkpoint has at least three lines: origin, tree size, root hash."
            )
        origin, size, root_hash, *extensions = lines
        try:
            parsed_size = parse_decimal(size, "tree size")
        except InvalidInput as exc:
            raise MalformedCheckpoint(exc.message) from None
        root = b64decode_strict(root_hash, "root hash")
        return cls(origin, parsed_size, root, tuple(extensions))

    def sign(self, signers: Sequence[NoteSigner]) -> Note:
        """The checkpoint as a note signed by ``signers`` (the log's key comes first)."""
        return sign_note(self.text, signers)


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose note verified against the given keys."""

    checkpoint: Checkpoint
    note: VerifiedNote


def open_checkpoint(
    data: bytes | str | Note,
    verifiers: Iterable[NoteVerifier],
    *,
    origin: str | None = None,
    max_bytes: int = MAX_NOTE_BYTES,
) -> SignedCheckpoint:
    """Parse a signed checkpoint, check its origin (when given) and verify its signatures.

    Raises `MalformedNote`/`MalformedCheckpoint` for bad syntax, `InvalidInput` for another
    origin, and `UnverifiedNote` when no known key signed it.
    """
    note = data if isinstance(data, Note) else parse_note(data, max_bytes=max_bytes)
    checkpoint = Checkpoint.parse(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise InvalidInput(
            f"The checkpoint is for the log {checkpoint.origin!r}, expected {origin!r}."
        )
    return SignedCheckpoint(checkpoint, verify_note(note, verifiers))
