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
import io
import json
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pypdf
import segno
from pypdf.generic import NameObject, TextStringObject
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont
from reportlab.pdfgen.canvas import Canvas

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
_INK = "#1b2230"
_MUTED = "#535c6c"
_ACCENT = "#2749b8"
_ACCENT_SOFT = "#e8edfb"
_BAD = "#a3162a"
_BAD_SOFT = "#fbe5e8"
_LINE = "#d5dae3"
_REGULAR_NAME, _BOLD_NAME = "microcred-DejaVuSans", "microcred-DejaVuSans-Bold"
_fonts_lock = threading.Lock()


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
    #: printed as a banner above everything else
    status: Literal["revoked", "suspended"] | None = None


def _register_fonts() -> None:
    """Register the bundled fonts with ReportLab once per process (its registry is global)."""
    with _fonts_lock:
        if _REGULAR_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(ReportLabFont(_REGULAR_NAME, str(_REGULAR)))
            pdfmetrics.registerFont(ReportLabFont(_BOLD_NAME, str(_BOLD)))


@cache
def _drawable_codepoints() -> frozenset[int]:
    """The characters both bundled fonts can draw."""
    _register_fonts()
    regular, bold = (pdfmetrics.getFont(name).face for name in (_REGULAR_NAME, _BOLD_NAME))
    return frozenset(regular.charToGlyph) & frozenset(bold.charToGlyph)


def _drawable(label: str, text: str) -> str:
    """``text``, or the error naming (in reading order) the first characters the fonts lack."""
    drawable = _drawable_codepoints()
    missing = list(dict.fromkeys(ch for ch in text if ord(ch) not in drawable))
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


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``: at spaces, inside a word only when it alone
    is too wide."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if current and pdfmetrics.stringWidth(current + ch, font, size) > width:
                lines.append(current)
                current = ""
            current += ch
    if current:
        lines.append(current)
    return lines


class _Page:
    """A top-down cursor over one ReportLab page (whose origin is bottom left)."""

    def __init__(self, canvas: Canvas, width: float, height: float) -> None:
        self.canvas, self.width, self.height = canvas, width, height
        self.y = 0.0  # distance from the top edge
        self.inner = width - 112

    def line(self, text: str, size: float, colour: str, bold: bool = False) -> None:
        font = _BOLD_NAME if bold else _REGULAR_NAME
        self.canvas.setFont(font, size)
        self.canvas.setFillColor(colour)
        for part in _wrap(text, font, size, self.inner):
            self.y += size * 1.3
            self.canvas.drawCentredString(self.width / 2, self.height - self.y + size * 0.28, part)

    def box(self, top: float, height: float, fill: str, stroke: str | None = None) -> None:
        self.canvas.setFillColor(fill)
        if stroke:
            self.canvas.setStrokeColor(stroke)
        x = 56.0
        self.canvas.rect(
            x, self.height - top - height, self.inner, height, stroke=1 if stroke else 0, fill=1
        )


def _draw_qr(canvas: Canvas, data: str, x: float, top: float, size: float) -> None:
    """The QR code as filled rectangles (vector: sharp at any print size), with its quiet zone;
    ``top`` is the distance of its upper edge from the page's bottom."""
    matrix = segno.make(data, error="m", micro=False).matrix
    unit = size / (len(matrix) + 8)  # four modules of quiet zone each side
    canvas.setFillColor("#ffffff")
    canvas.rect(x, top - size, size, size, stroke=0, fill=1)
    canvas.setFillColor("#000000")
    for row, line in enumerate(matrix):
        col = 0
        while col < len(line):
            if not line[col]:
                col += 1
                continue
            start = col
            while col < len(line) and line[col]:
                col += 1
            y = top - (row + 5) * unit
            canvas.rect(x + (start + 4) * unit, y, (col - start) * unit, unit, stroke=0, fill=1)


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
) -> bytes | None:
    """The certificate's page with its body type at ``scale``, or None when the body would run
    into the QR code."""
    out = io.BytesIO()
    width, height = A4 if paper is Paper.A4 else LETTER
    canvas = Canvas(out, pagesize=(width, height), invariant=True, pageCompression=True)
    canvas.setTitle(f"Certificate: {content.title}")
    canvas.setAuthor(content.issuer_name)
    canvas.setProducer("microcred")
    canvas.setCreator("microcred")
    page = _Page(canvas, width, height)
    canvas.setFillColor(_ACCENT)
    canvas.rect(0, height - 14, width, 14, stroke=0, fill=1)
    canvas.setStrokeColor(_LINE)
    canvas.setLineWidth(1)
    canvas.rect(28, 28, width - 56, height - 62, stroke=1, fill=0)

    page.y = 66
    if fields.status is not None:
        page.box(66, 42, _BAD_SOFT, _BAD)
        page.y = 70
        page.line(fields.status.upper(), 13, _BAD, bold=True)
        page.line(
            "The issuer has "
            + (
                "revoked this credential: it no longer stands."
                if fields.status == "revoked"
                else "suspended this credential: it does not stand for now."
            ),
            9,
            _BAD,
        )
        page.y = 120
    page.line("CERTIFICATE OF ACHIEVEMENT", 11, _MUTED, bold=True)
    page.y += 18 * scale
    page.line(content.title, 26 * scale, _ACCENT, bold=True)
    page.y += 16 * scale
    if content.recipient:
        page.line("awarded to", 11, _MUTED)
        page.y += 2
        page.line(content.recipient, 20 * scale, _INK, bold=True)
    else:
        page.line("Issued to the holder of this credential", 14, _INK)
    page.y += 12 * scale
    page.line("by", 11, _MUTED)
    page.y += 2
    page.line(content.issuer_name, 16 * scale, _INK, bold=True)
    page.y += 12 * scale
    dates = f"Issued {_in_words(content.issued)}"
    if content.until is not None:
        dates += f"  ·  valid until {_in_words(content.until)}"
    page.line(dates, 11, _INK)
    if content.skills:
        page.y += 16 * scale
        page.line("Skills", 11, _MUTED, bold=True)
        shown = content.skills[:_MAX_SKILLS]
        more = len(content.skills) - len(shown)
        listed = "  ·  ".join(shown) + (f"  ·  and {more} more" if more else "")
        page.line(listed, 10 * max(scale, 0.6), _INK)

    qr_size = 132.0
    qr_top = height - 56 - qr_size - 58  # from the top edge
    if page.y > qr_top - 12:
        return None
    _draw_qr(canvas, fields.verify_url, (width - qr_size) / 2, height - qr_top, qr_size)
    page.y = qr_top + qr_size + 4
    page.line("Scan to check this credential, or open:", 8.5, _MUTED)
    page.line(fields.verify_url, 8.5, _ACCENT)
    page.y += 4
    page.line(
        f"The signed credential is attached to this PDF as {attached}: "
        "any Open Badges 3.0 verifier can check it.",
        7.5,
        _MUTED,
    )
    canvas.setFillColor(_ACCENT_SOFT)
    canvas.rect(0, 0, width, 8, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _pdf_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


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
    _register_fonts()
    attached = _JWT_ATTACHMENT_NAME if jwt is not None else ATTACHMENT_NAME
    drawn = None
    for scale in _SCALES:  # long names print smaller rather than run into the QR code
        drawn = _page(content, fields, paper, attached, scale)
        if drawn is not None:
            break
    if drawn is None:
        raise CertificateUnavailable("This credential's texts are too long for one page.")
    payload = (
        jwt.encode()
        if jwt is not None
        else json.dumps(document, ensure_ascii=False, indent=2).encode()
    )
    # ReportLab has no embedded-file API: pypdf adds the attachment and the real dates
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(drawn))
    writer.add_metadata(
        {"/CreationDate": _pdf_date(content.issued), "/ModDate": _pdf_date(content.issued)}
    )
    embedded = writer.add_attachment(attached, payload)
    embedded.subtype = NameObject(
        "/application/vc+jwt" if jwt is not None else "/application/vc+ld+json"
    )
    embedded.description = TextStringObject(
        f"The signed Open Badges 3.0 credential: {content.title}"
    )
    embedded.creation_date = content.issued
    embedded.modification_date = content.issued
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
