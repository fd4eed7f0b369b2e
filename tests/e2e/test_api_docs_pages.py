"""Issue 15 item 7: `/docs` and `/redoc` render the API reference in a real browser with the
server's Content-Security-Policy in force and no network beyond the server itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import chromium_page
from procs import start_server

pytestmark = pytest.mark.e2e


def _offline(page: Any, base: str) -> tuple[list[str], list[str]]:
    """Refuse every request that does not go to ``base``; collect them and any CSP report."""
    outside: list[str] = []
    refused: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base) or r.request.url.startswith(("blob:", "data:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return outside, refused


def test_swagger_ui_and_redoc_work_offline_under_the_csp(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        with chromium_page() as page:
            outside, refused = _offline(page, base)
            response = page.goto(f"{base}/docs")
            assert response is not None and response.status == 200
            assert "'unsafe-inline'" not in response.headers["content-security-policy"]
            verify = page.locator(".opblock-summary-path", has_text="/api/v1/verify").first
            verify.wait_for(timeout=20_000)
            page.locator(".opblock-tag", has_text="public").first.wait_for()
            assert page.title().endswith("Swagger UI")

            response = page.goto(f"{base}/redoc")
            assert response is not None and response.status == 200
            # Redoc lists every operation in its menu; the verification one is there
            page.get_by_role("menuitem").filter(has_text="Verify").first.wait_for(timeout=20_000)
            assert page.locator("h1", has_text="microcred").count() >= 1
            assert outside == [], f"the docs tried to reach other sites: {outside}"
            # Redoc's footer asks for its maker's logo from a CDN; the policy refuses it and
            # Redoc then drops the image (its onError). Nothing else may be refused.
            needed = [m for m in refused if "cdn.redoc.ly/redoc/logo-mini.svg" not in m]
            assert needed == [], f"the CSP refused something the docs need: {needed}"
    finally:
        server.stop()
