"""Multibase (base58btc ``z``, base64url ``u``) and the multicodec prefixes microcred uses.

References: draft-multiformats-multibase, the multicodec table, and the
W3C Controlled Identifiers ``Multikey`` encoding.
"""

from __future__ import annotations

import base64

from microcred.errors import CryptoError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}

#: multicodec varint prefixes
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
X25519_PUB = b"\xec\x01"

#: refuse absurdly long encodings before doing quadratic base58 work
_MAX_ENCODED = 4096


def b58encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet)."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    out = []
    while num:
        num, rem = divmod(num, 58)
        out.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); raise `CryptoError` on a bad character."""
    if len(text) > _MAX_ENCODED:
        raise CryptoError("The base58 value is too long.")
    num = 0
    for ch in text:
        try:
            num = num * 58 + _B58_INDEX[ch]
        except KeyError:
            raise CryptoError(f"{ch!r} is not a base58 character.") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; raise `CryptoError` when malformed."""
    if any(
        c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=" for c in text
    ):
        raise CryptoError("The value is not base64url.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise CryptoError("The value is not base64url.") from exc


def multibase_encode(data: bytes, base: str = "z") -> str:
    """Encode with a multibase prefix: ``z`` base58btc or ``u`` base64url."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise CryptoError(f"Multibase {base!r} is not supported.")


def multibase_decode(text: str) -> bytes:
    """Decode a ``z`` (base58btc) or ``u`` (base64url) multibase string."""
    if not isinstance(text, str) or not text:
        raise CryptoError("A multibase value must be a non-empty string.")
    if text[0] == "z":
        return b58decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise CryptoError(f"Multibase prefix {text[0]!r} is not supported (expected 'z' or 'u').")


def strip_multicodec(data: bytes, prefix: bytes, what: str) -> bytes:
    """Return ``data`` without its multicodec ``prefix``; raise when the prefix differs."""
    if not data.startswith(prefix):
        raise CryptoError(f"The {what} does not carry the expected multicodec prefix.")
    return data[len(prefix) :]
