"""How pages write values for people: dates in words (rewritten into the viewer's time zone by
``static/time.js``), status names as words."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from markupsafe import Markup, escape

from microcred.credentials.parsing import parse_datetime

Style = Literal["date", "datetime", "relative"]


def _parse(value: datetime | str | None) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_datetime(value)


def in_words(moment: datetime, style: Style = "datetime") -> str:
    """``2 December 2026`` or ``2 December 2026 at 15:30 UTC`` (the page's words before the
    browser puts them into its own time zone)."""
    moment = moment.astimezone(UTC)
    day = f"{moment.day} {moment:%B %Y}"
    return day if style == "date" else f"{day} at {moment:%H:%M} UTC"


def when(value: datetime | str | None, style: Style = "datetime") -> Markup:
    """A ``<time>`` element for ``value``; text that is not a date is shown as it is."""
    moment = _parse(value)
    if moment is None:
        return escape(value or "")
    iso = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}" data-when="{}">{}</time>').format(
        iso, style, in_words(moment, "date" if style == "date" else "datetime")
    )


def words(name: object) -> str:
    """An internal name (``not_yet``, ``NEEDS_REVIEW``) as words for people (``not yet``)."""
    text = str(getattr(name, "value", name))
    return text.replace("_", " ").lower()


def points(value: float | int | None) -> str:
    """A score as people write it: ``2``, ``1.5`` (never ``2.0``)."""
    if value is None:
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
