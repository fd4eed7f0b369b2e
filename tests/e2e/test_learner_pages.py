"""Issue 15, the learner's journey in a real browser: enrol in a pathway, follow its next step,
submit text, a link and a file, watch the review, read the feedback, resubmit, and find the
credential in the wallet, with every version listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server, wait_for

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#organisation", "ops")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def test_a_learner_submits_resubmits_and_earns_a_credential(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        http = api.http
        admin = api.register("ops", "Ops Academy")
        reviewer = api.add_user(admin, "rob@ops.test", "reviewer")
        api.add_user(admin, "lea@ops.test", "learner")
        aid = http.post(
            "/api/v1/achievements",
            headers=admin,
            json={
                "name": "Incident write-ups",
                "description": "Writes blameless incident reviews.",
                "criteria": "A review of a real incident with timeline and actions.",
            },
        ).json()["id"]
        whole = http.post(
            "/api/v1/achievements",
            headers=admin,
            json={
                "name": "On-call ready",
                "description": "Ready for on-call.",
                "criteria": "All parts of the on-call pathway.",
            },
        ).json()["id"]
        r = http.post(
            "/api/v1/pathways",
            headers=admin,
            json={
                "name": "On-call",
                "achievement_id": whole,
                "requirement": {"all_of": [{"earn": aid}]},
            },
        )
        assert r.status_code == 201, r.text
        evidence = tmp_path / "timeline.txt"
        evidence.write_text("09:02 alert fired\n09:10 rollback\n")

        with chromium_page() as page:
            _sign_in(page, base, "lea@ops.test")
            page.wait_for_url(f"{base}/learn")
            assert "No credential yet" in page.locator("#wallet").inner_text()
            assert_accessible(page, "a new learner's page")
            page.click("button:has-text('Enrol in On-call')")
            page.wait_for_url(f"{base}/learn?enrolled=1")
            page.click("#pathways a:has-text('Incident write-ups')")
            page.wait_for_url(f"{base}/learn/{aid}")
            assert "timeline and actions" in page.locator("#criteria").inner_text()
            assert_accessible(page, "a micro-credential's submission page")

            # bad input keeps what was typed and says what is wrong
            page.fill("#link", "not a link")
            page.click("#send")
            assert page.locator("[role=alert]").count() == 1
            assert page.locator("#link").input_value() == "not a link"

            page.fill("#text", "We rolled back within eight minutes.")
            page.fill("#link", "https://example.org/incident/42")
            page.set_input_files("#file", str(evidence))
            page.click("#send")
            page.wait_for_url(f"{base}/learn/{aid}?submitted=1")
            assert "Version 1" in page.locator("#latest").inner_text()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "learner-waiting.png"), full_page=True)

            # the reviewer says "not yet"; the open page updates by itself
            wait_for(
                lambda: len(http.get("/api/v1/review-queue", headers=reviewer).json()) == 1,
                what="the review queue",
            )
            first = http.get("/api/v1/review-queue", headers=reviewer).json()[0]
            assert [p["kind"] for p in first["parts"]] == ["text", "link", "file"]
            decided = http.post(
                f"/api/v1/review-queue/{first['id']}/decision",
                headers=reviewer,
                json={"passed": False, "feedback": "Add the follow-up actions."},
            )
            assert decided.status_code == 200, decided.text
            page.wait_for_selector("#feedback-text", timeout=30_000)
            assert "Not passed yet" in page.locator("#latest").inner_text()
            assert "Add the follow-up actions." in page.locator("#feedback-text").inner_text()

            page.fill("#text", "Rollback in eight minutes. Actions: alert on queue depth.")
            page.click("#send")
            page.wait_for_url(f"{base}/learn/{aid}?submitted=1")
            assert "Version 2" in page.locator("#latest").inner_text()
            wait_for(
                lambda: len(http.get("/api/v1/review-queue", headers=reviewer).json()) == 1,
                what="the second version in the queue",
            )
            second = http.get("/api/v1/review-queue", headers=reviewer).json()[0]
            http.post(
                f"/api/v1/review-queue/{second['id']}/decision",
                headers=reviewer,
                json={"passed": True, "feedback": "Clear and actionable."},
            ).raise_for_status()
            page.wait_for_selector("a:has-text('See your credential')", timeout=30_000)
            history = page.locator("#history tbody tr")
            assert history.count() == 2
            assert "Passed" in history.nth(0).inner_text()
            assert "Not passed yet" in history.nth(1).inner_text()
            assert page.locator("#submit").count() == 0  # nothing left to submit
            assert_accessible(page, "a passed micro-credential's page")

            page.goto(f"{base}/learn")
            wallet = page.locator("#wallet li")
            assert wallet.count() >= 1
            assert "Incident write-ups" in page.locator("#wallet").inner_text()
            assert "Valid" in wallet.first.inner_text()
            assert_accessible(page, "a learner's page with a credential")
            page.screenshot(path=str(SHOTS / "learner-wallet.png"), full_page=True)
            page.click("#wallet li a")
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
    finally:
        server.stop()
