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
_MAX_URL = 500
#: body type sizes tried in turn until the body fits above the QR code
_SCALES = (1.0, 0.8, 0.64, 0.5, 0.4)

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
        name = _text(a.get("targetName"), 60) if isinstance(a, Mapping) else None
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


@dataclass(frozen=True, slots=True)
class _Content:
    title: str
    issuer_name: str
    issued: datetime
    until: datetime | None
    recipient: str | None
    skills: list[str]


def _content(document: Mapping[str, Any], fields: CertificateFields) -> _Content:
    subject = _mapping(document.get("credentialSubject"))
    achievement = _mapping(subject.get("achievement"))
    issuer = document.get("issuer")
    issuer_name = _text(_mapping(issuer).get("name"), 120) or _text(issuer, 120)
    title = _text(achievement.get("name"), 160) or _text(document.get("name"), 160)
    issued = parse_datetime(document.get("awardedDate")) or parse_datetime(
        document.get("validFrom")
    )
    if title is None or issued is None or issuer_name is None:
        raise CertificateUnavailable(
            "This credential has no achievement name, issuer or issue date to print."
        )
    content = _Content(
        title,
        issuer_name,
        issued,
        parse_datetime(document.get("validUntil")),
        _text(fields.recipient_name, 100),
        _skills(achievement),
    )
    for label, value in (
        ("achievement name", content.title),
        ("issuer's name", content.issuer_name),
        ("recipient's name", content.recipient or ""),
        ("skills", " ".join(content.skills[:_MAX_SKILLS])),
        ("verify URL", fields.verify_url),
    ):
        _drawable(label, value)
    return content


def _page(
    content: _Content, fields: CertificateFields, paper: Paper, attached: str, scale: float
) -> FPDF | None:
    """The certificate's page with its body type at ``scale``, or None when the body would run
    into the QR code."""
    pdf = FPDF(unit="pt", format="A4" if paper is Paper.A4 else "Letter")
    pdf.set_creation_date(content.issued)
    pdf.set_producer("microcred")
    pdf.set_title(f"Certificate: {content.title}")
    pdf.set_author(content.issuer_name)
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
        line(fields.status.upper(), 13, _BAD, bold=True)
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
    pdf.ln(18 * scale)
    line(content.title, 26 * scale, _ACCENT, bold=True)
    pdf.ln(16 * scale)
    if content.recipient:
        line("awarded to", 11, _MUTED)
        pdf.ln(2)
        line(content.recipient, 20 * scale, _INK, bold=True)
    else:
        line("Issued to the holder of this credential", 14, _INK)
    pdf.ln(12 * scale)
    line("by", 11, _MUTED)
    pdf.ln(2)
    line(content.issuer_name, 16 * scale, _INK, bold=True)
    pdf.ln(12 * scale)
    dates = f"Issued {_in_words(content.issued)}"
    if content.until is not None:
        dates += f"  ·  valid until {_in_words(content.until)}"
    line(dates, 11, _INK)
    if content.skills:
        pdf.ln(16 * scale)
        line("Skills", 11, _MUTED, bold=True)
        shown = content.skills[:_MAX_SKILLS]
        more = len(content.skills) - len(shown)
        line(
            "  ·  ".join(shown) + (f"  ·  and {more} more" if more else ""),
            10 * max(scale, 0.6),
            _INK,
        )

    qr_size = 132.0
    qr_y = height - 56 - qr_size - 58
    if pdf.get_y() > qr_y - 12:
        return None
    _draw_qr(pdf, fields.verify_url, (width - qr_size) / 2, qr_y, qr_size)
    pdf.set_y(qr_y + qr_size + 4)
    line("Scan to check this credential, or open:", 8.5, _MUTED)
    line(fields.verify_url, 8.5, _ACCENT)
    pdf.ln(4)
    line(
        f"The signed credential is attached to this PDF as {attached}: "
        "any Open Badges 3.0 verifier can check it.",
        7.5,
        _MUTED,
    )
    pdf.set_fill_color(*_ACCENT_SOFT)
    pdf.rect(0, height - 8, width, 8, style="F")
    return pdf


def render_certificate(
    document: Mapping[str, Any],
    fields: CertificateFields,
    paper: Paper = Paper.A4,
    *,
    jwt: str | None = None,
) -> bytes:
    """The certificate of a signed credential as PDF bytes; ``jwt`` is the credential's compact
    VC-JWT when it is one (then ``document`` is its payload and the JWT is attached).

    Raises `CertificateUnavailable` for a document it cannot show (see the class)."""
    if len(fields.verify_url) > _MAX_URL:
        raise CertificateUnavailable("The verify URL is too long for a certificate's QR code.")
    content = _content(document, fields)
    attached = _JWT_ATTACHMENT_NAME if jwt is not None else ATTACHMENT_NAME
    pdf = None
    for scale in _SCALES:  # long names print smaller rather than run into the QR code
        pdf = _page(content, fields, paper, attached, scale)
        if pdf is not None:
            break
    if pdf is None:
        raise CertificateUnavailable("This credential's texts are too long for one page.")
    payload = (
        jwt.encode()
        if jwt is not None
        else json.dumps(document, ensure_ascii=False, indent=2).encode()
    )
    pdf.embed_file(
        bytes=payload,
        basename=attached,
        modification_date=content.issued,
        creation_date=content.issued,
        mime_type="application/vc+jwt" if jwt is not None else "application/vc+ld+json",
        desc=f"The signed Open Badges 3.0 credential: {content.title}",
        compress=True,
    )
    return bytes(pdf.output())
