"""Baked badges, PDF certificates and OpenID4VCI issuance: PNG and SVG baking and extraction,
certificate rendering (A4, Letter, revoked) and one OpenID4VCI round trip per credential (offer →
token → nonce → key proof → credential; ``bench/oid4vci_roundtrip.py``), p50 / p95 / p99 per
call, beside signing one credential (eddsa-rdfc-2022) measured in the same run on the same
credential.

Images: a small PNG, a ~300 KB issuer PNG (an issuer's upload is at most 350 KB), the default
SVG badge and a ~150 KB issuer SVG; the credential is the realistic OB 3.0 one of
``bench/credentials.py``. "credential_badge" is what ``GET /credentials/<id>/badge.png`` does
after reading the row: decode the data URI, check the image, bake. "certificate" rows are what
``GET /credentials/<id>/certificate.pdf`` does after reading the row (fonts registered once per
process, as in the server).

    python bench/delivery.py [--json] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any

from credentials import credential  # bench/credentials.py, beside this file
from microcred.credentials import baking
from microcred.credentials.baking.png import SIGNATURE, Chunk
from microcred.credentials.certificate import CertificateFields, Paper, render_certificate
from microcred.credentials.proofs import data_integrity
from microcred.crypto.did import did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair
from oid4vci_roundtrip import measure as oid4vci_round_trips


def png_image(width: int, height: int, seed: int = 7) -> bytes:
    """An RGB PNG of noise (barely compressible, so its size follows its pixels)."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        SIGNATURE
        + Chunk(b"IHDR", ihdr).encode()
        + Chunk(b"IDAT", zlib.compress(rows, 6)).encode()
        + Chunk(b"IEND", b"").encode()
    )


def svg_image(paths: int) -> bytes:
    """An SVG of many small paths, like an exported illustration."""
    rng = random.Random(3)
    body = "".join(
        f'<path d="M{rng.randint(0, 400)} {rng.randint(0, 400)} l{rng.randint(-9, 9)} '
        f'{rng.randint(-9, 9)} h5 v5 z" fill="#{rng.randrange(1 << 24):06x}"/>'
        for _ in range(paths)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400">' + body + "</svg>"
    ).encode()


def samples(fn: Callable[[], object], seconds: float) -> list[float]:
    """Seconds per call, one sample per call, for ~``seconds`` (at least 20 calls)."""
    fn()
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(out) < 20:
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run(seconds: float) -> dict[str, Any]:
    pair = Ed25519KeyPair(bytes(range(32)))
    vm = did_key_verification_method(pair.public)
    doc = credential(pair)
    signed = data_integrity.sign(doc, pair, verification_method=vm)
    text = json.dumps(signed, ensure_ascii=False)
    small_png, big_png = png_image(64, 64), png_image(320, 300)
    default_svg = baking.default_badge("Cloud Security Fundamentals", "skill 0", "Bench Academy")
    big_svg = svg_image(3000)
    baked = {
        "small PNG": baking.bake_png(small_png, text),
        "300 KB PNG": baking.bake_png(big_png, text),
        "default SVG": baking.bake_svg(default_svg, text),
        "150 KB SVG": baking.bake_svg(big_svg, text),
    }
    for image in baked.values():
        assert baking.extract(image).text == text
    with_image = json.loads(text)
    with_image["credentialSubject"]["achievement"]["image"] = {
        "id": "data:image/png;base64," + base64.b64encode(big_png).decode(),
        "type": "Image",
    }
    cases: dict[str, Callable[[], object]] = {
        "sign one credential (baseline)": lambda: data_integrity.sign(
            doc, pair, verification_method=vm
        ),
        "bake small PNG": lambda: baking.bake_png(small_png, text),
        "bake 300 KB PNG": lambda: baking.bake_png(big_png, text),
        "bake default SVG": lambda: baking.bake_svg(default_svg, text),
        "bake 150 KB SVG": lambda: baking.bake_svg(big_svg, text),
        "draw default SVG": lambda: baking.default_badge("Cloud Security", "skill 0", "Bench"),
        "credential_badge 300 KB PNG": lambda: baking.credential_badge(
            with_image, baking.BadgeFormat.PNG
        ),
        "credential_badge default SVG": lambda: baking.credential_badge(
            signed, baking.BadgeFormat.SVG
        ),
    }
    for name, image in baked.items():
        cases[f"extract {name}"] = lambda image=image: baking.extract(image)
    url = "https://issuer.example/credentials/urn:uuid:0b7f6a52-5d1e-4a3c-9d43-2f1f0f6f9e11"
    plain, revoked = CertificateFields(url), CertificateFields(url, "Zoë Ågren", "revoked")
    certificates = {
        "certificate A4": lambda: render_certificate(signed, plain, Paper.A4),
        "certificate Letter": lambda: render_certificate(signed, plain, Paper.LETTER),
        "certificate A4 named, revoked": lambda: render_certificate(signed, revoked),
    }
    cases.update(certificates)
    timed = {name: samples(fn, seconds) for name, fn in cases.items()}
    timed.update(oid4vci_round_trips(samples, seconds))
    rows = {}
    for name, times in timed.items():
        cut = statistics.quantiles(times, n=100)
        rows[name] = {
            "p50_ms": statistics.median(times) * 1000,
            "p95_ms": cut[94] * 1000,
            "p99_ms": cut[98] * 1000,
            "calls": len(times),
        }
    return {
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "credential_bytes": len(text.encode()),
        "image_bytes": {
            "small PNG": len(small_png),
            "300 KB PNG": len(big_png),
            "default SVG": len(default_svg),
            "150 KB SVG": len(big_svg),
        },
        "certificate_bytes": len(render_certificate(signed, plain)),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    result = run(args.seconds)
    if args.json:
        print(json.dumps(result))
        return
    sizes = ", ".join(f"{k} {v / 1000:.0f} KB" for k, v in result["image_bytes"].items())
    print(
        f"credential {result['credential_bytes'] / 1000:.1f} KB; images: {sizes}; "
        f"certificate PDF {result['certificate_bytes'] / 1000:.1f} KB\n"
    )
    base = result["rows"]["sign one credential (baseline)"]["p50_ms"]
    print(f"{'operation':<42}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'× sign':>9}{'calls':>8}")
    for name, row in result["rows"].items():
        print(
            f"{name:<42}{row['p50_ms']:>10.3f}{row['p95_ms']:>10.3f}{row['p99_ms']:>10.3f}"
            f"{row['p50_ms'] / base:>9.2f}{row['calls']:>8}"
        )


if __name__ == "__main__":
    main()
