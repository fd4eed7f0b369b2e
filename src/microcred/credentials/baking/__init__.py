"""Baked badges (Open Badges 3.0 §5.3): a credential carried inside its badge image, PNG or
SVG; bake, extract, and the default badge drawn when an issuer has no image of its own."""

from __future__ import annotations

from dataclasses import dataclass

from microcred.credentials.baking.badge import badge_formats, credential_badge, issuer_image
from microcred.credentials.baking.default_badge import default_badge
from microcred.credentials.baking.formats import BadgeFormat, BadImage, decode_data_uri
from microcred.credentials.baking.png import (
    bake_png,
    check_png,
    extract_png,
    has_credential,
    is_png,
)
from microcred.credentials.baking.svg import bake_svg, check_svg, extract_svg, looks_like_svg

__all__ = [
    "BadImage",
    "BadgeFormat",
    "BakedCredential",
    "badge_formats",
    "bake",
    "bake_png",
    "bake_svg",
    "check_image",
    "check_png",
    "check_svg",
    "credential_badge",
    "decode_data_uri",
    "default_badge",
    "detect",
    "extract",
    "extract_png",
    "extract_svg",
    "issuer_image",
]


@dataclass(frozen=True, slots=True)
class BakedCredential:
    """A credential found in a badge image: its text (JSON or a compact VC-JWT) and the format
    of the image it came from."""

    text: str
    format: BadgeFormat

    @property
    def source(self) -> str:
        """Where it came from, in words ("a baked PNG badge")."""
        return f"a baked {self.format.value.upper()} badge"


def detect(data: bytes) -> BadgeFormat | None:
    """The image format of ``data`` by its first bytes (PNG signature, or XML with ``<svg``)."""
    if is_png(data):
        return BadgeFormat.PNG
    if looks_like_svg(data):
        return BadgeFormat.SVG
    return None


def extract(data: bytes) -> BakedCredential:
    """The credential baked into a PNG or SVG badge; refuses other bytes."""
    kind = detect(data)
    if kind is BadgeFormat.PNG:
        return BakedCredential(extract_png(data), kind)
    if kind is BadgeFormat.SVG:
        return BakedCredential(extract_svg(data), kind)
    raise BadImage("That file is neither a PNG nor an SVG badge.")


def bake(image: bytes, credential: str, *, jwt: bool = False) -> tuple[bytes, BadgeFormat]:
    """``credential`` (JSON text, or a compact VC-JWT with ``jwt=True``) baked into ``image``,
    a PNG or SVG; with the format of the result."""
    kind = detect(image)
    if kind is BadgeFormat.PNG:
        return bake_png(image, credential), kind
    if kind is BadgeFormat.SVG:
        return bake_svg(image, credential, jwt=jwt), kind
    raise BadImage("A badge image must be a PNG or an SVG.")


def check_image(data: bytes) -> BadgeFormat:
    """The format of an issuer's badge image, refusing what is not a well-formed PNG or a
    self-contained, script-free SVG, and an image that already carries a credential."""
    kind = detect(data)
    if kind is BadgeFormat.PNG:
        if has_credential(check_png(data)):
            raise BadImage("That PNG already carries a credential; upload the plain image.")
    elif kind is BadgeFormat.SVG:
        check_svg(data)
    else:
        raise BadImage("A badge image must be a PNG or an SVG.")
    return kind
