"""Sharing in a real browser: the holder's wallet offers LinkedIn's "Add to profile" and a
private/public switch; a private credential's page is the site's 404 page to a stranger (another
browser), while the holder still sees it, marked private; the pages stay accessible."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")


def test_the_holder_shares_and_hides_a_credential(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        admin = api.register("ops", "Ops & Co")
        api.add_user(admin, "lea@ops.test", "learner")
        aid = api.http.post(
            "/api/v1/achievements",
            headers=admin,
            json={"name": "Incident write-ups", "description": "D.", "criteria": "C."},
        ).json()["id"]
        issued = api.http.post(
            "/api/v1/credentials",
            headers=admin,
            json={"achievement_id": aid, "recipient": {"email": "lea@ops.test"}},
        )
        assert issued.status_code == 201, issued.text
        cid = issued.json()["id"]

        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "lea@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/learn")
            link = page.locator("#wallet a.linkedin").get_attribute("href")
            assert link is not None
            query = parse_qs(urlsplit(link).query)
            assert query["name"] == ["Incident write-ups"]
            assert query["organizationName"] == ["Ops & Co"]
            assert query["certUrl"] == [f"{base}/credentials/{cid}"]
            assert_accessible(page, "a wallet with share links")

            page.click("#wallet button:has-text('Make private')")
            page.wait_for_url(f"{base}/learn?visibility=private#wallet")
            assert page.locator("#visibility-done").count() == 1
            assert page.locator("[data-visibility=private]").count() == 1
            assert page.locator("#wallet a.linkedin").count() == 0
            assert_accessible(page, "a wallet with a private credential")
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "learner-private-credential.png"), full_page=True)

            page.goto(f"{base}/credentials/{cid}")
            assert page.locator("#private-note").count() == 1
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
            assert_accessible(page, "the holder's view of a private credential")

            stranger = page.context.browser.new_context().new_page()
            answer = stranger.goto(f"{base}/credentials/{cid}")
            assert answer is not None and answer.status == 404
            unknown = stranger.goto(f"{base}/credentials/00000000-0000-4000-8000-000000000000")
            assert unknown is not None and unknown.status == 404
            assert_accessible(stranger, "a private credential's page to a stranger")
            stranger.screenshot(path=str(SHOTS / "private-credential-404.png"), full_page=True)

            page.goto(f"{base}/learn")
            page.click("#wallet button:has-text('Make public')")
            page.wait_for_url(f"{base}/learn?visibility=public#wallet")
            answer = stranger.goto(f"{base}/credentials/{cid}")
            assert answer is not None and answer.status == 200
            assert stranger.locator('meta[property="og:title"]').get_attribute("content") == (
                "Incident write-ups"
            )
        assert httpx.get(f"{base}/credentials/{cid}.json").status_code == 200
    finally:
        server.stop()
