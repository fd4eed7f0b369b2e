"""ADR 0009's measurement: the same one-page certificate (DejaVu Sans embedded, a vector QR
code, the signed credential attached) drawn with fpdf2 (what microcred ships) and with
ReportLab (which has no embedded-file API: pypdf adds the attachment afterwards), p50 / p95
and output size, beside signing the credential in the same run.

    python bench/certificate_libraries.py [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
from collections.abc import Callable
from pathlib import Path

import pypdf
import segno
from credentials import credential  # bench/credentials.py, beside this file
from delivery import samples  # bench/delivery.py
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from microcred.credentials import certificate
from microcred.credentials.certificate import CertificateFields, Paper, render_certificate
from microcred.credentials.proofs import data_integrity
from microcred.crypto.did import did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair

FONTS = Path(certificate.__file__).parent / "fonts"
URL = "https://issuer.example/credentials/urn:uuid:0b7f6a52-5d1e-4a3c-9d43-2f1f0f6f9e11"


def reportlab_certificate(signed: dict, url: str) -> bytes:
    """The same layout in ReportLab: texts, the QR as rectangles, then pypdf attaches the file."""
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    width, height = A4
    c.setFillColorRGB(0x27 / 255, 0x49 / 255, 0xB8 / 255)
    c.rect(0, height - 14, width, 14, stroke=0, fill=1)
    subject = signed["credentialSubject"]
    lines = [
        ("DejaVu-Bold", 11, "CERTIFICATE OF ACHIEVEMENT"),
        ("DejaVu-Bold", 26, subject["achievement"]["name"]),
        ("DejaVu", 14, "Issued to the holder of this credential"),
        ("DejaVu", 11, "by"),
        ("DejaVu-Bold", 16, signed["issuer"]["name"]),
        ("DejaVu", 11, "Issued 1 January 2026"),
        ("DejaVu", 10, "  ·  ".join(a["targetName"] for a in subject["achievement"]["alignment"])),
    ]
    y = height - 90
    for font, size, text in lines:
        c.setFont(font, size)
        c.setFillColorRGB(0.1, 0.13, 0.19)
        c.drawCentredString(width / 2, y, text)
        y -= size * 2
    matrix = segno.make(url, error="m").matrix
    unit = 132 / (len(matrix) + 8)
    x0, y0 = (width - 132) / 2, 130
    c.setFillColorRGB(0, 0, 0)
    for row, line in enumerate(matrix):
        for col, dark in enumerate(line):
            if dark:
                c.rect(x0 + (col + 4) * unit, y0 + 132 - (row + 5) * unit, unit, unit, 0, 1)
    c.setFont("DejaVu", 8.5)
    c.drawCentredString(width / 2, y0 - 14, url)
    c.showPage()
    c.save()
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(out.getvalue()))
    writer.add_attachment("credential.json", json.dumps(signed, indent=2).encode())
    final = io.BytesIO()
    writer.write(final)
    return final.getvalue()


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
        "fpdf2 (render_certificate)": lambda: render_certificate(signed, fields, Paper.A4),
        "reportlab + pypdf attachment": lambda: reportlab_certificate(signed, URL),
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
