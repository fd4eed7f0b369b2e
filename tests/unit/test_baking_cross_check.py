"""Baked PNGs against a second implementation: pypng (pure Python, its own chunk reader and
writer) writes the issuer's image, reads every chunk of microcred's bake with its own CRC checks,
finds the one uncompressed ``openbadgecredential`` iTXt chunk just before IEND, and decodes the
same pixels as before baking."""

from __future__ import annotations

import io
import json

import png as pypng

from microcred.credentials import baking

ROWS = [[(x * 37 + y * 11) % 256 for x in range(3 * 9)] for y in range(7)]


def _pypng_image() -> bytes:
    out = io.BytesIO()
    pypng.Writer(9, 7, greyscale=False, bitdepth=8).write(out, ROWS)
    return out.getvalue()


def test_pypng_reads_microcreds_bake() -> None:
    image = _pypng_image()
    text = json.dumps({"name": "Teamwork ✓", "note": "]]>"}, ensure_ascii=False)
    baked = baking.bake_png(image, text)

    chunks = list(pypng.Reader(bytes=baked).chunks())  # raises on any bad CRC
    kinds = [kind for kind, _ in chunks]
    assert kinds[-2:] == [b"iTXt", b"IEND"] and kinds.count(b"iTXt") == 1
    data = chunks[-2][1]
    keyword, rest = data.split(b"\x00", 1)
    assert keyword == b"openbadgecredential"
    assert rest[0] == 0 and rest[1] == 0  # not compressed, method 0
    language, translated, value = rest[2:].split(b"\x00", 2)
    assert language == b"" and translated == b"" and value.decode("utf-8") == text

    width, height, rows, _info = pypng.Reader(bytes=baked).read()
    assert (width, height) == (9, 7)
    assert [list(r) for r in rows] == ROWS  # the picture is untouched
    assert baking.extract(baked).text == text


def test_an_itxt_chunk_written_by_pypng_is_extracted() -> None:
    """A chunk assembled by pypng's writer (not ours) with the layout OB 3.0 gives."""
    chunks = list(pypng.Reader(bytes=_pypng_image()).chunks())
    itxt = b"openbadgecredential\x00\x00\x00\x00\x00" + b'{"independent": true}'
    out = io.BytesIO()
    pypng.write_chunks(out, [*chunks[:-1], (b"iTXt", itxt), chunks[-1]])
    assert baking.extract(out.getvalue()).text == '{"independent": true}'
