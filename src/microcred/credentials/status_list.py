"""Bitstring Status List v1.0: the compressed bitstring and its credential.

https://www.w3.org/TR/vc-bitstring-status-list/ — index 0 is the left-most bit; the list is
GZIP-compressed, base64url-encoded without padding and multibase-prefixed with ``u``.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import Any

from microcred.crypto.multibase import multibase_decode, multibase_encode
from microcred.errors import CryptoError, InvalidInput, PayloadTooLarge

MIN_ENTRIES = 131_072
#: largest decompressed list accepted from another issuer (bytes): 16 Mi entries
MAX_LIST_BYTES = 2 * 1024 * 1024
VC_V2 = "https://www.w3.org/ns/credentials/v2"


class Bitstring:
    """A mutable bitstring of fixed length (a multiple of 8 bits)."""

    __slots__ = ("_bits",)

    def __init__(self, size_bits: int = MIN_ENTRIES, data: bytes | None = None) -> None:
        if data is None:
            if size_bits <= 0 or size_bits % 8:
                raise InvalidInput("A status list's size must be a positive multiple of 8.")
            data = bytes(size_bits // 8)
        self._bits = bytearray(data)

    def __len__(self) -> int:
        return len(self._bits) * 8

    def get(self, index: int) -> bool:
        """The bit at ``index`` (0 is the left-most bit)."""
        self._check(index)
        return bool(self._bits[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool) -> None:
        """Set or clear the bit at ``index``."""
        self._check(index)
        if value:
            self._bits[index >> 3] |= 0x80 >> (index & 7)
        else:
            self._bits[index >> 3] &= ~(0x80 >> (index & 7)) & 0xFF

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self):
            raise InvalidInput(f"Status index {index} is outside the list of {len(self)} entries.")

    def to_bytes(self) -> bytes:
        """The raw bitstring."""
        return bytes(self._bits)

    def encode(self) -> str:
        """GZIP + multibase base64url, as ``encodedList`` carries it."""
        return multibase_encode(gzip.compress(self.to_bytes(), mtime=0), "u")

    @classmethod
    def decode(cls, encoded: str, *, max_bytes: int = MAX_LIST_BYTES) -> Bitstring:
        """Parse an ``encodedList``; refuse a decompression bomb or malformed data."""
        if not isinstance(encoded, str) or len(encoded) > 4 * max_bytes:
            raise InvalidInput("The encoded status list is malformed or too large.")
        try:
            raw = multibase_decode(encoded)
        except CryptoError as exc:
            raise InvalidInput("The encoded status list is not multibase base64url.") from exc
        data = _gunzip_limited(raw, max_bytes)
        if not data:
            raise InvalidInput("The status list is empty.")
        return cls(data=data)


def _gunzip_limited(raw: bytes, limit: int) -> bytes:
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = io.BytesIO()
    try:
        chunk = decomp.decompress(raw, limit + 1)
        out.write(chunk)
        if out.tell() > limit or decomp.unconsumed_tail:
            raise PayloadTooLarge("The status list decompresses to more than is allowed.")
    except zlib.error as exc:
        raise InvalidInput("The status list is not valid GZIP data.") from exc
    return out.getvalue()


def status_list_entry(
    list_url: str, index: int, purpose: str, *, entry_id: str | None = None
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for a credential's ``credentialStatus``."""
    return {
        "id": entry_id or f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str | dict[str, Any],
    purpose: str,
    bits: Bitstring,
    valid_from: str,
    valid_until: str | None = None,
    ttl_ms: int | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential``; ``ttl_ms`` is the subject's ``ttl`` (how
    long, in milliseconds, a verifier may rely on a copy before fetching it again)."""
    doc: dict[str, Any] = {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
    }
    if valid_until:
        doc["validUntil"] = valid_until
    if ttl_ms is not None:
        doc["credentialSubject"]["ttl"] = ttl_ms
    return doc
