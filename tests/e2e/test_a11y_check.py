"""The accessibility check the page tests rely on does find what it is there to find."""

from __future__ import annotations

import pytest
from a11y import axe_violations, sideways_overflow
from browser import chromium_page

pytestmark = pytest.mark.e2e


def test_axe_and_the_overflow_check_catch_a_bad_page() -> None:
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        page.set_content(
            "<html><body><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
            "<p style='color:#bbb;background:#fff'>faint text</p>"
            "<div style='width:900px'>too wide</div></body></html>"
        )
        found = {v["id"] for v in axe_violations(page)}
        assert {"image-alt", "html-has-lang", "color-contrast"} <= found, found
        assert sideways_overflow(page) > 400
