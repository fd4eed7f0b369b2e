"""The two badge image formats and the ``data:`` URIs an issuer's image is stored as."""

from __future__ import annotations

import base64
import binascii
import enum

from microcred.errors import InvalidInput


class BadImage(InvalidInput):
    """Bytes that are not a usable badge image: not PNG or SVG, malformed, truncated, damaged,
    hostile (scripts, entities, outside references) or ambiguous (two credentials)."""


class BadgeFormat(enum.StrEnum):
    """The two image formats a badge can be baked into."""

    PNG = "png"
    SVG = "svg"

    @property
    def media_type(self) -> str:
        """The format's media type."""
        return "image/png" if self is BadgeFormat.PNG else "image/svg+xml"


def decode_data_uri(uri: str) -> tuple[str, bytes] | None:
    """The media type and bytes of a base64 ``data:`` URI, or None when ``uri`` is not one."""
    if not uri.startswith("data:"):
        return None
    header, sep, payload = uri[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    try:
        return header[: -len(";base64")].lower(), base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
