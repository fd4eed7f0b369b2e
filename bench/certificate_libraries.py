"""ADR 0009's measurement: the same one-page certificate (DejaVu Sans embedded, a vector QR
code, the signed credential attached) drawn with ReportLab + pypdf (what microcred ships:
``render_certificate``; ReportLab has no embedded-file API, pypdf adds the attachment) and
with fpdf2 (which embeds files itself), p50 / p95, output size and whether two renders give
the same bytes, beside signing the credential in the same run.

    python bench/certificate_libraries.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import segno
from fpdf import FPDF

from credentials import credential  # bench/credentials.py, beside this file
from delivery import samples  # bench/delivery.py
from microcred.credentials import certificate
from microcred.credentials.certificate import CertificateFields, Paper, render_certificate
from microcred.credentials.proofs import data_integrity
from microcred.crypto.did import did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair

FONTS = Path(certificate.__file__).parent / "fonts"
URL = "https://issuer.example/credentials/urn:uuid:0b7f6a52-5d1e-4a3c-9d43-2f1f0f6f9e11"


def fpdf2_certificate(signed: dict, url: str) -> bytes:
    """The same layout in fpdf2, with its own embed_file."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_fill_color(0x27, 0x49, 0xB8)
    pdf.rect(0, 0, pdf.w, 14, style="F")
    subject = signed["credentialSubject"]
    lines = [
        ("B", 11, "CERTIFICATE OF ACHIEVEMENT"),
        ("B", 26, subject["achievement"]["name"]),
        ("", 14, "Issued to the holder of this credential"),
        ("", 11, "by"),
        ("B", 16, signed["issuer"]["name"]),
        ("", 11, "Issued 1 January 2026"),
        ("", 10, "  ·  ".join(a["targetName"] for a in subject["achievement"]["alignment"])),
    ]
    pdf.set_y(78)
    for style, size, text in lines:
        pdf.set_font("DejaVu", style, size)
        pdf.set_x(56)
        pdf.multi_cell(pdf.w - 112, size * 1.3, text, align="C")
        pdf.ln(size * 0.7)
    matrix = segno.make(url, error="m").matrix
    unit = 132 / (len(matrix) + 8)
    x0, y0 = (pdf.w - 132) / 2, pdf.h - 264
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(x0 + (col + 4) * unit, y0 + (row + 4) * unit, unit, unit, style="F")
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_xy(56, y0 + 140)
    pdf.multi_cell(pdf.w - 112, 11, url, align="C")
    pdf.embed_file(
        bytes=json.dumps(signed, indent=2).encode(),
        basename="credential.json",
        mime_type="application/vc+ld+json",
        modification_date=datetime(2026, 1, 1, tzinfo=UTC),
        compress=True,
    )
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    pair = Ed25519KeyPair(bytes(range(32)))
    vm = did_key_verification_method(pair.public)
    doc = credential(pair)
    signed = data_integrity.sign(doc, pair, verification_method=vm)
    fields = CertificateFields(URL)
    cases: dict[str, Callable[[], bytes | dict]] = {
        "sign one credential (baseline)": lambda: data_integrity.sign(
            doc, pair, verification_method=vm
        ),
        "reportlab + pypdf (shipped)": lambda: render_certificate(signed, fields, Paper.A4),
        "fpdf2 (same layout)": lambda: fpdf2_certificate(signed, URL),
    }
    print(f"{'library':<34}{'p50 ms':>10}{'p95 ms':>10}{'KB':>8}{'same bytes':>12}{'calls':>7}")
    for name, fn in cases.items():
        times = samples(fn, args.seconds)
        first, second = fn(), fn()
        size = f"{len(first) / 1000:.1f}" if isinstance(first, bytes) else "-"
        same = str(first == second) if isinstance(first, bytes) else "-"
        cut = statistics.quantiles(times, n=20)
        print(
            f"{name:<34}{statistics.median(times) * 1000:>10.2f}{cut[18] * 1000:>10.2f}"
            f"{size:>8}{same:>12}{len(times):>7}"
        )


if __name__ == "__main__":
    main()
