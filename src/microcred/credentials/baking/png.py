"""Baked PNG badges (Open Badges 3.0 §5.3.1): the credential in one uncompressed ``iTXt`` chunk
with the keyword ``openbadgecredential``, placed before ``IEND``.

Chunks are read and written by hand (length, type, data, CRC-32 over type and data): the format
is small and exact, and every chunk's CRC is checked, so a truncated or altered file is refused
rather than half-read."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from microcred.credentials.baking.formats import BadImage
from microcred.errors import PayloadTooLarge

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
#: the Open Badges 2.0 keyword, recognised only to say what the file is
OB2_KEYWORD = b"openbadges"
#: the largest PNG read or written here (an issuer's image is at most 350 KB)
MAX_PNG_BYTES = 2_000_000
#: the most chunks a badge may have (real badges have a handful)
MAX_CHUNKS = 4096
_MAX_CHUNK = 2**31 - 1  # the PNG specification's limit on a chunk's length


@dataclass(frozen=True, slots=True)
class Chunk:
    """One PNG chunk: its four-letter type and its data (the CRC is checked on reading)."""

    type: bytes
    data: bytes

    def encode(self) -> bytes:
        """The chunk as it is written: length, type, data, CRC-32 of type and data."""
        crc = zlib.crc32(self.type + self.data) & 0xFFFFFFFF
        return struct.pack(">I", len(self.data)) + self.type + self.data + struct.pack(">I", crc)


def is_png(data: bytes) -> bool:
    """True when the bytes start with the PNG signature."""
    return data[:8] == SIGNATURE


def chunks(data: bytes) -> Iterator[Chunk]:
    """The chunks of a PNG, from ``IHDR`` to ``IEND``, each CRC checked; refuses anything that
    is not a whole, well-formed PNG datastream."""
    if len(data) > MAX_PNG_BYTES:
        raise PayloadTooLarge(f"That PNG is larger than {MAX_PNG_BYTES:,} bytes.")
    if not is_png(data):
        raise BadImage("That file is not a PNG image.")
    offset, count = len(SIGNATURE), 0
    while True:
        if offset + 8 > len(data):
            raise BadImage("That PNG is truncated: it ends before its IEND chunk.")
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if length > _MAX_CHUNK or not kind.isalpha():
            raise BadImage("That PNG is malformed: a chunk header is not valid.")
        end = offset + 8 + length
        if end + 4 > len(data):
            raise BadImage("That PNG is truncated: its last chunk is cut short.")
        body = data[offset + 8 : end]
        (crc,) = struct.unpack(">I", data[end : end + 4])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            name = kind.decode("ascii")
            raise BadImage(f"That PNG is damaged: the CRC of its {name} chunk is wrong.")
        if count == 0 and kind != b"IHDR":
            raise BadImage("That PNG is malformed: it does not start with IHDR.")
        count += 1
        if count > MAX_CHUNKS:
            raise BadImage(f"That PNG has more than {MAX_CHUNKS} chunks.")
        yield Chunk(kind, body)
        offset = end + 4
        if kind == b"IEND":
            if offset != len(data):
                raise BadImage("That PNG is malformed: it has data after its IEND chunk.")
            return


def _keyword(chunk: Chunk) -> bytes | None:
    if chunk.type not in (b"iTXt", b"tEXt", b"zTXt"):
        return None
    return chunk.data.split(b"\x00", 1)[0]


def _credential_text(chunk: Chunk) -> str:
    """The text of an ``openbadgecredential`` iTXt chunk (keyword, NUL, compression flag,
    compression method, language tag, NUL, translated keyword, NUL, text)."""
    if chunk.type != b"iTXt":
        raise BadImage(
            "That PNG's credential is not in an iTXt chunk, as Open Badges 3.0 requires."
        )
    rest = chunk.data[len(KEYWORD) + 1 :]
    if len(rest) < 2:
        raise BadImage("That PNG's credential chunk is malformed.")
    if rest[0] != 0:
        raise BadImage(
            "That PNG's credential chunk is compressed; Open Badges 3.0 requires it uncompressed."
        )
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) != 3:
        raise BadImage("That PNG's credential chunk is malformed.")
    try:
        text = parts[2].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadImage("That PNG's credential chunk is not UTF-8 text.") from exc
    if not text.strip():
        raise BadImage("That PNG's credential chunk is empty.")
    return text.strip()


def extract_png(data: bytes) -> str:
    """The credential baked into a PNG (JSON text or a compact VC-JWT). Refuses a PNG with no
    credential chunk or with more than one, a truncated or damaged PNG, and oversized input."""
    found = [c for c in chunks(data) if _keyword(c) == KEYWORD]
    if len(found) > 1:
        raise BadImage(
            "That PNG has more than one openbadgecredential chunk; Open Badges 3.0 allows "
            "exactly one, so it cannot tell which credential the badge carries."
        )
    if not found:
        if any(_keyword(c) == OB2_KEYWORD for c in chunks(data)):
            raise BadImage(
                "That PNG is an Open Badges 2.0 badge; microcred verifies Open Badges 3.0 "
                "credentials (keyword openbadgecredential)."
            )
        raise BadImage("That PNG carries no credential (no openbadgecredential chunk).")
    return _credential_text(found[0])


def check_png(data: bytes) -> list[Chunk]:
    """The chunks of a well-formed PNG with at least one image data chunk (an issuer's image
    before baking), refusing anything else."""
    parts = list(chunks(data))
    if not any(c.type == b"IDAT" for c in parts):
        raise BadImage("That PNG has no image data.")
    return parts


def has_credential(parts: list[Chunk]) -> bool:
    """True when the chunks carry a baked credential (OB 3.0, or an OB 2.0 assertion)."""
    return any(_keyword(c) in (KEYWORD, OB2_KEYWORD) for c in parts)


def bake_png(image: bytes, credential: str) -> bytes:
    """The PNG with ``credential`` (JSON text or a compact VC-JWT) in one uncompressed
    ``openbadgecredential`` iTXt chunk just before ``IEND``; a credential already baked into
    the image is replaced, so the result always carries exactly one."""
    if not credential.strip():
        raise BadImage("There is no credential to bake.")
    text = credential.encode("utf-8")
    if len(image) + len(text) > MAX_PNG_BYTES:
        raise PayloadTooLarge(f"The baked PNG would be larger than {MAX_PNG_BYTES:,} bytes.")
    kept = [c for c in check_png(image) if _keyword(c) not in (KEYWORD, OB2_KEYWORD)]
    # keyword, NUL, compression flag 0, method 0, empty language tag, NUL, empty translated
    # keyword, NUL, then the text (OB 3.0 §5.3.1)
    itxt = Chunk(b"iTXt", KEYWORD + b"\x00\x00\x00" + b"\x00" + b"\x00" + text)
    out = [SIGNATURE]
    out += [c.encode() for c in kept[:-1]]
    out += [itxt.encode(), kept[-1].encode()]
    return b"".join(out)
