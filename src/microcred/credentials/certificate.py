"""A printable PDF certificate of a signed credential (A4 or US Letter).

One page: the achievement, who it was issued to (a name only when one is given: a credential
that identifies its holder by a salted hash says so, never the address), the issuer, the dates
in words, the skills, and a QR code of the credential's public verify URL with the URL printed
under it. The signed credential itself rides along as the PDF attachment ``credential.json``
(``credential.jwt`` for a VC-JWT), so the paper and the proof travel together.

Pure: bytes out, nothing read but the bundled DejaVu Sans fonts. The output is the same bytes
for the same input (the PDF's dates are the issue date, its id derives from its content).
Library choice: docs/decisions/0009-pdf-certificates.md.
"""

from __future__ import annotations

import enum
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF

from microcred.credentials.parsing import parse_datetime
from microcred.errors import InvalidInput

__all__ = [
    "ATTACHMENT_NAME",
    "CertificateFields",
    "CertificateUnavailable",
    "Paper",
    "render_certificate",
]

#: the attached signed credential's file name (JSON credentials)
ATTACHMENT_NAME = "credential.json"
_JWT_ATTACHMENT_NAME = "credential.jwt"
_FONTS = Path(__file__).parent / "fonts"
_REGULAR, _BOLD = _FONTS / "DejaVuSans.ttf", _FONTS / "DejaVuSans-Bold.ttf"
_MAX_SKILLS = 12

# design-system colours (web/pages/static/style.css)
_INK = (0x1B, 0x22, 0x30)
_MUTED = (0x53, 0x5C, 0x6C)
_ACCENT = (0x27, 0x49, 0xB8)
_ACCENT_SOFT = (0xE8, 0xED, 0xFB)
_BAD = (0xA3, 0x16, 0x2A)
_BAD_SOFT = (0xFB, 0xE5, 0xE8)
_LINE = (0xD5, 0xDA, 0xE3)


class Paper(enum.StrEnum):
    """The page sizes a certificate prints on."""

    A4 = "a4"
    LETTER = "letter"


class CertificateUnavailable(InvalidInput):
    """The certificate cannot be drawn (a character its font lacks, a credential without a
    shape it can show)."""

    code = "certificate_unavailable"


@dataclass(frozen=True, slots=True)
class CertificateFields:
    """What the certificate shows beside the credential's own claims."""

    verify_url: str
    #: the holder's name when the caller knows it; otherwise the certificate names no one
    recipient_name: str | None = None
    #: "revoked" or "suspended": printed as a banner across the certificate
    status: str | None = None


@cache
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _drawable(label: str, text: str) -> str:
    missing = sorted({ch for ch in text if ord(ch) not in _cmap(_REGULAR) and ch.isprintable()})
    if missing:
        shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:5])
        raise CertificateUnavailable(
            f"The certificate cannot print the {label}: its font has no letters for {shown}.",
            hint="Download the credential or its badge instead; both carry the same proof.",
        )
    return text


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = "".join(ch if ch.isprintable() else " " for ch in unicodedata.normalize("NFC", value))
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return None
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def _in_words(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment.strftime('%B')} {moment.year}"


def _skills(achievement: Mapping[str, Any]) -> list[str]:
    alignments = achievement.get("alignment")
    names = []
    for a in alignments if isinstance(alignments, list) else []:
        name = _text(a.get("targetName"), 80) if isinstance(a, Mapping) else None
        if name:
            names.append(name)
    return names


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _draw_qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """The QR code as filled rectangles (vector: sharp at any print size), with its quiet zone."""
    matrix = segno.make(data, error="m", micro=False).matrix
    modules = len(matrix) + 8  # four modules of quiet zone each side
    unit = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(matrix):
        col = 0
        while col < len(line):
            if not line[col]:
                col += 1
                continue
            start = col
            while col < len(line) and line[col]:
                col += 1
            pdf.rect(
                x + (start + 4) * unit, y + (row + 4) * unit, (col - start) * unit, unit, style="F"
            )


def render_certificate(
    document: Mapping[str, Any],
    fields: CertificateFields,
    paper: Paper = Paper.A4,
    *,
    jwt: str | None = None,
) -> bytes:
    """The certificate of a signed credential as PDF bytes; ``jwt`` is the credential's compact
    VC-JWT when it is one (then ``document`` is its payload and the JWT is attached)."""
    subject = _mapping(document.get("credentialSubject"))
    achievement = _mapping(subject.get("achievement"))
    issuer = document.get("issuer")
    issuer_name = _text(_mapping(issuer).get("name"), 200) or _text(issuer, 200)
    title = _text(achievement.get("name"), 200) or _text(document.get("name"), 200)
    issued = parse_datetime(document.get("awardedDate")) or parse_datetime(
        document.get("validFrom")
    )
    if title is None or issued is None or issuer_name is None:
        raise CertificateUnavailable(
            "This credential has no achievement name, issuer or issue date to print."
        )
    until = parse_datetime(document.get("validUntil"))
    recipient = _text(fields.recipient_name, 120)
    skills = _skills(achievement)
    for label, value in (
        ("achievement name", title),
        ("issuer's name", issuer_name),
        ("recipient's name", recipient or ""),
        ("skills", " ".join(skills[:_MAX_SKILLS])),
    ):
        _drawable(label, value)

    pdf = FPDF(unit="pt", format="A4" if paper is Paper.A4 else "Letter")
    pdf.set_creation_date(issued)
    pdf.set_producer("microcred")
    pdf.set_title(f"Certificate: {title}")
    pdf.set_author(issuer_name)
    pdf.set_lang("en")
    pdf.set_auto_page_break(False)
    pdf.set_margins(56, 56, 56)
    pdf.add_font("DejaVu", "", str(_REGULAR))
    pdf.add_font("DejaVu", "B", str(_BOLD))
    pdf.add_page()
    width, height = pdf.w, pdf.h
    inner = width - 112

    pdf.set_fill_color(*_ACCENT)
    pdf.rect(0, 0, width, 14, style="F")
    pdf.set_draw_color(*_LINE)
    pdf.set_line_width(1)
    pdf.rect(28, 34, width - 56, height - 62, style="D")

    def line(text: str, size: float, colour: tuple[int, int, int], bold: bool = False) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.set_text_color(*colour)
        pdf.set_x(56)
        pdf.multi_cell(inner, size * 1.3, text, align="C")

    pdf.set_y(78)
    if fields.status in ("revoked", "suspended"):
        pdf.set_fill_color(*_BAD_SOFT)
        pdf.set_draw_color(*_BAD)
        pdf.rect(56, 66, inner, 42, style="DF")
        pdf.set_y(72)
        line(f"{fields.status.upper()}", 13, _BAD, bold=True)
        line(
            "The issuer has "
            + (
                "revoked this credential: it no longer stands."
                if fields.status == "revoked"
                else "suspended this credential: it does not stand for now."
            ),
            9,
            _BAD,
        )
        pdf.set_y(126)
    line("CERTIFICATE OF ACHIEVEMENT", 11, _MUTED, bold=True)
    pdf.ln(18)
    line(title, 26, _ACCENT, bold=True)
    pdf.ln(16)
    if recipient:
        line("awarded to", 11, _MUTED)
        pdf.ln(2)
        line(recipient, 20, _INK, bold=True)
    else:
        line("Issued to the holder of this credential", 14, _INK)
    pdf.ln(12)
    line("by", 11, _MUTED)
    pdf.ln(2)
    line(issuer_name, 16, _INK, bold=True)
    pdf.ln(12)
    dates = f"Issued {_in_words(issued)}"
    if until is not None:
        dates += f"  ·  valid until {_in_words(until)}"
    line(dates, 11, _INK)
    if skills:
        pdf.ln(16)
        line("Skills", 11, _MUTED, bold=True)
        shown = skills[:_MAX_SKILLS]
        more = len(skills) - len(shown)
        line("  ·  ".join(shown) + (f"  ·  and {more} more" if more else ""), 10, _INK)

    qr_size = 132.0
    qr_y = height - 56 - qr_size - 58
    _draw_qr(pdf, fields.verify_url, (width - qr_size) / 2, qr_y, qr_size)
    pdf.set_y(qr_y + qr_size + 4)
    line("Scan to check this credential, or open:", 8.5, _MUTED)
    line(_drawable("verify URL", fields.verify_url[:300]), 8.5, _ACCENT)
    pdf.ln(4)
    attached = _JWT_ATTACHMENT_NAME if jwt is not None else ATTACHMENT_NAME
    line(
        f"The signed credential is attached to this PDF as {attached}: "
        "any Open Badges 3.0 verifier can check it.",
        7.5,
        _MUTED,
    )
    pdf.set_fill_color(*_ACCENT_SOFT)
    pdf.rect(0, height - 8, width, 8, style="F")

    payload = (
        jwt.encode()
        if jwt is not None
        else json.dumps(document, ensure_ascii=False, indent=2).encode()
    )
    pdf.embed_file(
        bytes=payload,
        basename=attached,
        modification_date=issued,
        creation_date=issued,
        mime_type="application/vc+jwt" if jwt is not None else "application/vc+ld+json",
        desc=f"The signed Open Badges 3.0 credential: {title}",
        compress=True,
    )
    return bytes(pdf.output())
