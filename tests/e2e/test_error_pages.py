"""Error pages in a real browser: the 404 page signed out and signed in (as the admin, whose
navigation is the longest), and the 403 page a learner and a manager get on an admin page. Each
shows the visitor's own navigation, and axe-core finds no serious or critical violation at 1280
and 390 px, with nothing scrolling sideways at 390 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")


def _sign_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#organisation", "errs")  # type: ignore[attr-defined]
    page.fill("#email", email)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: not url.endswith("/login"))  # type: ignore[attr-defined]


def _error_page(page: object, base: str, path: str, status: int) -> str:
    """Open ``path``; the error page's navigation text."""
    response = page.goto(f"{base}{path}")  # type: ignore[attr-defined]
    assert response is not None and response.status == status, (path, response)
    assert page.locator(f"[data-error='{status}']").count() == 1  # type: ignore[attr-defined]
    return str(page.locator("nav.site-nav").inner_text())  # type: ignore[attr-defined]


def test_error_pages_are_accessible_signed_in_and_out(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        admin = api.register("errs", "Errors Academy")
        api.add_user(admin, "lea@errs.test", "learner")
        api.add_user(admin, "max@errs.test", "employer_viewer")
        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium_page() as page:
            nav = _error_page(page, base, "/no/such/page", 404)
            assert "Sign in" in nav and "Sign out" not in nav
            assert_accessible(page, "the 404 page, signed out")

        with chromium_page() as page:
            _sign_in(page, base, "admin@errs.test")
            nav = _error_page(page, base, "/no/such/page", 404)
            assert "admin@errs.test" in nav and "Sign out" in nav and "Sign in" not in nav
            assert "Micro-credentials" in nav and "Keys and log" in nav
            assert_accessible(page, "the 404 page, signed in as the admin")
            page.set_viewport_size({"width": 390, "height": 900})
            page.screenshot(path=str(SHOTS / "error-404-admin-390.png"), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            nav = _error_page(page, base, "/admin/credentials/not-a-credential", 404)
            assert "admin@errs.test" in nav
            assert_accessible(page, "an unknown credential's 404 page, signed in")

        for email, own_link, refused in (
            ("lea@errs.test", "My learning", "/admin/credentials"),
            ("max@errs.test", "Skills and gaps", "/admin/people"),
        ):
            with chromium_page() as page:
                _sign_in(page, base, email)
                nav = _error_page(page, base, refused, 403)
                assert email in nav and own_link in nav and "Sign out" in nav, nav
                assert "Micro-credentials" not in nav
                assert_accessible(page, f"the 403 page, signed in as {email}")
                # signing out from the error page's own navigation works
                page.click("nav.site-nav button:text('Sign out')")
                page.wait_for_url(f"{base}/login")
                nav = _error_page(page, base, "/no/such/page", 404)
                assert "Sign in" in nav and email not in nav
    finally:
        server.stop()
