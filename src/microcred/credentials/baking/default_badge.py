"""The badge microcred draws when an issuer has uploaded no image: a round seal in the design
system's colours with the achievement's name (wrapped), its first skill and the organisation.
The same inputs always give the same bytes; every text is XML-escaped."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

SIZE = 400
ACCENT = "#2749b8"  # --accent
ACCENT_SOFT = "#e8edfb"  # --accent-soft
INK = "#1b2230"  # --ink
MUTED = "#535c6c"  # --muted
SURFACE = "#ffffff"  # --surface
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
#: characters per line of the name, and lines at most
NAME_WIDTH, NAME_LINES = 18, 4
LINE_WIDTH = 30


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def wrap(text: str, width: int = NAME_WIDTH, lines: int = NAME_LINES) -> list[str]:
    """``text`` in at most ``lines`` lines of about ``width`` characters, split at spaces (a
    longer word is cut); the last line ends in an ellipsis when text is left over."""
    words = text.split()
    out: list[str] = []
    current = ""
    for whole in words:
        word = whole
        while len(word) > width:
            if current:
                out.append(current)
                current = ""
            out.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _clip(out[-1] + "…", width)
    return out or ["Micro-credential"]


def kind_words(achievement_type: str | None) -> str:
    """An OB 3.0 ``achievementType`` in words for the seal ("MicroCredential" → "Micro-credential",
    "BachelorDegree" → "Bachelor Degree"); "Micro-credential" when there is none."""
    if not achievement_type or achievement_type == "MicroCredential":
        return "Micro-credential"
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", achievement_type.removeprefix("ext:"))
    return _clip(words, 24)


def default_badge(
    name: str, skill: str | None, organisation: str, kind: str = "Micro-credential"
) -> bytes:
    """The default badge as SVG bytes (400 × 400, ``role="img"`` with a title): ``kind`` on top
    (see :func:`kind_words`), the name, the skill and the organisation."""
    lines = wrap(name)
    size = 30 if len(lines) <= 2 else 26
    step = size * 1.2
    top = 196 - step * (len(lines) - 1) / 2
    tspans = "".join(
        f'<tspan x="200" y="{top + i * step:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    label = escape(f"{name} · {organisation}", {'"': "&quot;"})
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{label}">',
        f"<title>{escape(name)}</title>",
        f'<circle cx="200" cy="200" r="196" fill="{ACCENT}"/>',
        f'<circle cx="200" cy="200" r="176" fill="{SURFACE}"/>',
        f'<circle cx="200" cy="200" r="166" fill="none" stroke="{ACCENT_SOFT}" stroke-width="4"/>',
        f'<text x="200" y="82" text-anchor="middle" font-family="{FONT}" font-size="15" '
        f'font-weight="600" letter-spacing="2" fill="{ACCENT}">{escape(kind.upper())}</text>',
        f'<text text-anchor="middle" font-family="{FONT}" font-size="{size}" font-weight="700" '
        f'fill="{INK}">{tspans}</text>',
    ]
    if skill:
        parts.append(
            f'<rect x="70" y="{top + step * len(lines) + 2:.1f}" width="260" height="34" rx="17" '
            f'fill="{ACCENT_SOFT}"/>'
            f'<text x="200" y="{top + step * len(lines) + 24:.1f}" text-anchor="middle" '
            f'font-family="{FONT}" font-size="15" fill="{ACCENT}">'
            f"{escape(_clip(skill, LINE_WIDTH))}</text>"
        )
    parts.append(
        f'<text x="200" y="340" text-anchor="middle" font-family="{FONT}" font-size="16" '
        f'fill="{MUTED}">{escape(_clip(organisation, LINE_WIDTH))}</text>'
    )
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode("utf-8")
