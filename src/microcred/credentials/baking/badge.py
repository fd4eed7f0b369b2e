"""A signed credential's own badge: its achievement's image (a PNG or SVG ``data:`` URI) with the
credential baked in, or the default badge when the issuer gave no usable image. A PNG badge is
possible only from an issuer's PNG (microcred does not rasterise SVG); an SVG always is, wrapping
an issuer's PNG when that is the image."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from microcred.credentials.baking import png, svg
from microcred.credentials.baking.default_badge import default_badge, kind_words
from microcred.credentials.baking.formats import BadgeFormat, BadImage, decode_data_uri
from microcred.errors import NotFound


def _text(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) and value.strip() else fallback


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return achievement if isinstance(achievement, dict) else {}


def issuer_image(document: dict[str, Any]) -> tuple[BadgeFormat, bytes] | None:
    """The achievement's image in the credential when it is a PNG or SVG ``data:`` URI that
    passes the checks an upload gets; None otherwise (a URL, JPEG, WebP, or unsafe image)."""
    image = _achievement(document).get("image")
    uri = image.get("id") if isinstance(image, dict) else image
    decoded = decode_data_uri(uri) if isinstance(uri, str) else None
    if decoded is None:
        return None
    media_type, data = decoded
    try:
        if media_type == "image/png" and png.is_png(data):
            png.check_png(data)
            return BadgeFormat.PNG, data
        if media_type == "image/svg+xml":
            svg.check_svg(data)
            return BadgeFormat.SVG, data
    except BadImage:
        return None
    return None


def badge_formats(document: dict[str, Any]) -> list[BadgeFormat]:
    """The formats the credential's badge can be offered in: SVG always, PNG when the
    achievement's image is a PNG ``data:`` URI. Cheap (the image is not decoded): a PNG that
    then fails its checks is refused on download."""
    image = _achievement(document).get("image")
    uri = image.get("id") if isinstance(image, dict) else image
    if isinstance(uri, str) and uri[:22].lower() == "data:image/png;base64,":
        return [BadgeFormat.PNG, BadgeFormat.SVG]
    return [BadgeFormat.SVG]


def _png_in_svg(data: bytes) -> bytes:
    width, height = struct.unpack(">II", data[16:24])  # IHDR, checked already
    href = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><image width="{width}" height="{height}" '
        f'href="{href}"/></svg>\n'
    ).encode("ascii")


def _default(document: dict[str, Any]) -> bytes:
    achievement = _achievement(document)
    alignments = achievement.get("alignment")
    first = alignments[0] if isinstance(alignments, list) and alignments else None
    skill = first.get("targetName") if isinstance(first, dict) else None
    issuer = document.get("issuer")
    organisation = issuer.get("name") if isinstance(issuer, dict) else None
    kind = achievement.get("achievementType")
    return default_badge(
        _text(achievement.get("name"), "Micro-credential"),
        skill if isinstance(skill, str) and skill.strip() else None,
        _text(organisation, ""),
        kind_words(kind if isinstance(kind, str) else None),
    )


def credential_badge(
    document: dict[str, Any], fmt: BadgeFormat, *, jwt: str | None = None
) -> bytes:
    """The badge of a signed credential in ``fmt`` with the credential baked in: the VC-JWT
    when ``jwt`` is given, else the JSON document. Raises NotFound for a PNG when the issuer's
    image is not a PNG."""
    text = jwt if jwt is not None else json.dumps(document, ensure_ascii=False)
    image = issuer_image(document)
    if fmt is BadgeFormat.PNG:
        if image is None or image[0] is not BadgeFormat.PNG:
            raise NotFound("This badge has no usable PNG image; download it as SVG instead.")
        return png.bake_png(image[1], text)
    if image is None:
        picture = _default(document)
    elif image[0] is BadgeFormat.PNG:
        picture = _png_in_svg(image[1])
    else:
        picture = image[1]  # issuer_image has checked it
    # the default badge and the PNG wrapper are drawn here from escaped text
    return svg.bake_svg(picture, text, jwt=jwt is not None, checked=True)
