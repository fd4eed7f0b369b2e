"""Accessibility checks in the page itself: axe-core (npm, installed by `make test`) for WCAG 2.2 A
and AA rules, and no sideways scrolling on a phone-sized screen."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "dcc" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1280, 390)


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations on the page as it stands (injected through
    the DevTools protocol, so the page's Content-Security-Policy stays in force)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def sideways_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
    )


def assert_accessible(page: Any, what: str) -> None:
    """At 1280 and 390 px: no serious or critical axe violation, and no sideways scrolling at
    390 px. Leaves the page at 1280 px."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = axe_violations(page)
        assert found == [], f"{what} at {width} px: {found}"
        if width < 400:
            assert sideways_overflow(page) == 0, (
                f"{what} scrolls sideways at {width} px by {sideways_overflow(page)} px"
            )
    page.set_viewport_size({"width": 1280, "height": 900})
