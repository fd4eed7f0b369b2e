"""Baked badges (OB 3.0 §5.3): PNG and SVG bake → extract → verify on the 1EdTech signed
credential, the exact layout the specification asks for, a tampered bake failing, and every
hostile image refused with a clear message."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring

from microcred.credentials import baking
from microcred.credentials.baking import png, svg
from microcred.credentials.verify import Verifier
from microcred.errors import InvalidInput, PayloadTooLarge

OB_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"  # the 1EdTech example key
ISSUER = "https://example.edu/issuers/565049"
CONTROLLER = {
    "id": ISSUER,
    "verificationMethod": [
        {
            "id": f"{ISSUER}#{OB_PUBLIC}",
            "type": "Multikey",
            "controller": ISSUER,
            "publicKeyMultibase": OB_PUBLIC,
        }
    ],
    "assertionMethod": [f"{ISSUER}#{OB_PUBLIC}"],
}
PLAIN_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- not the root: <svg> -->\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-x="a > b">'
    b'<rect width="10" height="10" fill="#2749b8"/></svg>\n'
)


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A real 8-bit RGB PNG, drawn here (no image library)."""
    rows = b"".join(b"\x00" + b"\x27\x49\xb8" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        png.SIGNATURE
        + png.Chunk(b"IHDR", ihdr).encode()
        + png.Chunk(b"IDAT", zlib.compress(rows)).encode()
        + png.Chunk(b"IEND", b"").encode()
    )


@pytest.fixture
def signed(vectors: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (vectors / "ob_v3p0/signed-credential.json").read_text(encoding="utf-8")
    )
    return document


def _verify(text: str) -> bool:
    return Verifier(documents={ISSUER: CONTROLLER}).verify(json.loads(text)).verified


def test_png_round_trip_verifies_and_follows_the_spec(signed: dict[str, Any]) -> None:
    text = json.dumps(signed)
    baked = baking.bake_png(tiny_png(), text)
    parts = list(png.chunks(baked))
    assert [c.type for c in parts] == [b"IHDR", b"IDAT", b"iTXt", b"IEND"]  # before IEND
    itxt = parts[2].data
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword
    assert itxt.startswith(b"openbadgecredential\x00\x00\x00\x00\x00")
    assert itxt.endswith(text.encode())
    found = baking.extract(baked)
    assert found.format is baking.BadgeFormat.PNG and found.source == "a baked PNG badge"
    assert found.text == text and _verify(found.text)
    # baking again replaces the credential: still exactly one chunk
    again = baking.bake_png(baked, json.dumps({"other": 1}))
    assert [c.type for c in png.chunks(again)].count(b"iTXt") == 1
    assert baking.extract(again).text == '{"other": 1}'


def test_svg_round_trip_verifies_and_follows_the_spec(signed: dict[str, Any]) -> None:
    text = json.dumps(signed)
    baked = baking.bake_svg(PLAIN_SVG, text)
    root = fromstring(baked)
    first = root[0]
    assert first.tag == "{https://purl.imsglobal.org/ob/v3p0}credential"  # the first child
    assert first.get("verify") is None  # only a VC-JWT goes in "verify"
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in baked
    assert b"<openbadges:credential><![CDATA[{" in baked
    assert b'data-x="a > b"' in baked and baked.endswith(b"</svg>\n")  # the rest kept as it was
    assert baked.startswith(PLAIN_SVG.split(b"<svg xmlns")[0])
    found = baking.extract(baked)
    assert found.format is baking.BadgeFormat.SVG and found.source == "a baked SVG badge"
    assert found.text == text and _verify(found.text)


def test_cdata_end_inside_the_credential_survives_the_svg() -> None:
    text = json.dumps({"description": "a ]]> b ]]]]> c", "é": "ü"}, ensure_ascii=False)
    assert baking.extract(baking.bake_svg(PLAIN_SVG, text)).text == text


def test_svg_jwt_goes_in_the_verify_attribute() -> None:
    baked = baking.bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "aaa.bbb.ccc", jwt=True)
    root = fromstring(baked)
    assert root[0].get("verify") == "aaa.bbb.ccc" and not (root[0].text or "").strip()
    assert baking.extract(baked).text == "aaa.bbb.ccc"


def test_a_tampered_bake_fails_verification(signed: dict[str, Any]) -> None:
    baked = baking.bake_png(tiny_png(), json.dumps(signed))
    found = baking.extract(baked).text
    assert _verify(found)
    forged = json.loads(found)
    forged["credentialSubject"]["achievement"]["name"] = "Forged"
    rebaked = baking.bake_png(tiny_png(), json.dumps(forged))
    assert not _verify(baking.extract(rebaked).text)
    # a byte changed in place breaks the chunk's CRC: refused before any verification
    at = baked.index(b'"Teamwork"') + 1
    flipped = baked[:at] + b"X" + baked[at + 1 :]
    with pytest.raises(InvalidInput, match="CRC of its iTXt chunk is wrong"):
        baking.extract(flipped)
    svg_baked = baking.bake_svg(PLAIN_SVG, json.dumps(signed))
    svg_forged = svg_baked.replace(b'"Teamwork"', b'"Forged"', 1)
    assert svg_forged != svg_baked
    assert not _verify(baking.extract(svg_forged).text)


def _two_chunks() -> bytes:
    one = baking.bake_png(tiny_png(), '{"a": 1}')
    extra = png.Chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + b'{"b": 2}').encode()
    return one[:-12] + extra + one[-12:]


def _compressed() -> bytes:
    base = tiny_png()
    chunk = png.Chunk(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b"{}"))
    return base[:-12] + chunk.encode() + base[-12:]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_two_chunks(), "more than one openbadgecredential chunk"),
        (tiny_png()[:-5], "truncated"),
        (tiny_png()[:20], "truncated"),
        (tiny_png()[:-4] + b"\x00\x00\x00\x00", "CRC of its IEND chunk is wrong"),
        (b"GIF89a" + b"\x00" * 40, "neither a PNG nor an SVG"),
        (b'{"not": "an image"}', "neither a PNG nor an SVG"),
        (tiny_png(), "carries no credential"),
        (_compressed(), "compressed"),
        (tiny_png() + b"junk", "data after its IEND"),
        (png.SIGNATURE + png.Chunk(b"IDAT", b"").encode(), "does not start with IHDR"),
        (
            tiny_png()[:-12]
            + png.Chunk(b"tEXt", b"openbadges\x00https://x.test/a").encode()
            + tiny_png()[-12:],
            "Open Badges 2.0",
        ),
    ],
)
def test_hostile_pngs_are_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        baking.extract(data)


def test_oversized_images_are_refused() -> None:
    big = tiny_png() + b"\x00" * png.MAX_PNG_BYTES
    with pytest.raises(PayloadTooLarge):
        baking.extract(big)
    with pytest.raises(PayloadTooLarge):
        baking.bake_png(tiny_png(), "x" * png.MAX_PNG_BYTES)
    with pytest.raises(PayloadTooLarge):
        baking.extract(b"<svg " + b" " * svg.MAX_SVG_BYTES + b"/>")


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
)
NS = b'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (XXE, "DTD or entities"),
        (LAUGHS, "DTD or entities"),
        (b"<svg " + NS + b"><script>alert(1)</script></svg>", "<script>"),
        (b"<svg " + NS + b' onload="alert(1)"/>', "event handler"),
        (b"<svg " + NS + b'><a href="javascript:alert(1)"><rect/></a></svg>', "javascript:"),
        (b"<svg " + NS + b'><image xlink:href="https://evil.test/x.png"/></svg>', "outside"),
        (b"<svg " + NS + b"><style>@import url(https://x.test/a.css);</style></svg>", "style"),
        (b"<svg " + NS + b'><rect style="fill:url(https://x.test/f)"/></svg>', "style"),
        (b"<svg " + NS + b"><foreignObject><p>hi</p></foreignObject></svg>", "foreignObject"),
        (b"<svg " + NS + b'><rect fill="url(https://x.test/p)"/></svg>', "outside the file"),
        (b"<svg " + NS + b'><a href="java\tscript:alert(1)"><rect/></a></svg>', "javascript:"),
        (
            b'<?xml-stylesheet href="https://x.test/a.css"?><svg ' + NS + b"/>",
            "processing instruction",
        ),
        (
            b"<svg " + NS + b'><a href="#a"><set attributeName="xlink:href" to="https://x.test"/>'
            b"</a></svg>",
            "animates a link",
        ),
        (b"<svg " + NS + b"><rect></svg>", "not well-formed"),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>', "root element"),
        (baking.bake_svg(PLAIN_SVG, "{}"), "already carries a credential"),
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?><svg ' + NS + b"><text>\xe9</text></svg>",
            "not UTF-8",
        ),
    ],
)
def test_hostile_issuer_svgs_are_refused_clearly(image: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        baking.check_image(image)
    with pytest.raises(InvalidInput):
        baking.bake_svg(image, "{}")


def test_safe_references_inside_an_svg_are_kept() -> None:
    image = (
        b"<svg " + NS + b'><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
        b'<use href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>'
    )
    assert baking.check_image(image) is baking.BadgeFormat.SVG


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (XXE, "DTD or entities"),
        (
            baking.bake_svg(PLAIN_SVG, "{}").replace(
                b"</svg>", b"<openbadges:credential>{}</openbadges:credential></svg>"
            ),
            "more than one openbadges:credential",
        ),
        (PLAIN_SVG, "carries no credential"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
            b'<openbadges:assertion verify="https://x.test/a"/></svg>',
            "Open Badges 2.0",
        ),
    ],
)
def test_hostile_baked_svgs_are_refused_clearly(image: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        baking.extract(image)


def test_the_default_badge_is_escaped_deterministic_and_clean() -> None:
    name = 'Incident <script>alert("x")</script> & Response for very long achievement names'
    image = baking.default_badge(name, "manage <incidents>", "ACME & Co")
    assert image == baking.default_badge(name, "manage <incidents>", "ACME & Co")
    assert baking.check_image(image) is baking.BadgeFormat.SVG  # no script survived
    root = fromstring(image)
    words = " ".join(root.itertext())
    assert "<script>" in words and "manage <incidents>" in words and "ACME & Co" in words
    assert root.get("role") == "img" and "#2749b8" in image.decode()
    assert baking.extract(baking.bake_svg(image, '{"a": 1}')).text == '{"a": 1}'


def test_the_seal_names_the_achievement_type() -> None:
    from microcred.credentials.baking.default_badge import kind_words

    assert kind_words("MicroCredential") == kind_words(None) == "Micro-credential"
    assert kind_words("BachelorDegree") == "Bachelor Degree"
    assert kind_words("ext:LearningProgram") == "Learning Program"
    assert b">CERTIFICATE<" in baking.default_badge("N", None, "O", kind_words("Certificate"))


def test_wrap_splits_at_spaces_and_ends_with_an_ellipsis() -> None:
    from microcred.credentials.baking.default_badge import wrap

    assert wrap("Incident Response") == ["Incident Response"]
    assert wrap("a" * 40, width=18)[0] == "a" * 17 + "-"
    lines = wrap("one two three four five six seven eight nine ten eleven twelve", 10, 3)
    assert len(lines) == 3 and lines[-1].endswith("…") and all(len(x) <= 10 for x in lines)


def test_data_uris_decode_or_give_none() -> None:
    assert baking.decode_data_uri("data:image/png;base64,AAEC") == ("image/png", b"\x00\x01\x02")
    assert baking.decode_data_uri("https://x.test/a.png") is None
    assert baking.decode_data_uri("data:image/png;base64,***") is None
    assert baking.decode_data_uri("data:image/svg+xml,<svg/>") is None
