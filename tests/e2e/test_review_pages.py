"""The signed-in pages in a real browser: a reviewer grades a queued submission beside its rubric;
the learner then sees it passed with the feedback. Forms without the CSRF token are refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server, wait_for

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")  # ignored by git; docs/images keeps copies for the guides
RUBRIC = {
    "title": "Runbook",
    "pass_points": 2,
    "criteria": [
        {
            "id": "steps",
            "description": "Clear, safe steps",
            "levels": [
                {"name": "missing", "points": 0},
                {"name": "partial", "points": 1},
                {"name": "complete", "points": 2},
            ],
        }
    ],
}


def test_reviewer_grades_in_the_browser(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        http = api.http
        admin = api.register("ops", "Ops Academy")
        api.add_user(admin, "rob@ops.test", "reviewer")
        learner = api.add_user(admin, "lea@ops.test", "learner")
        aid = http.post(
            "/api/v1/achievements",
            headers=admin,
            json={
                "name": "Runbook writing",
                "description": "Writes runbooks.",
                "criteria": "A runbook a stranger can follow.",
            },
        ).json()["id"]
        http.put(f"/api/v1/achievements/{aid}/rubric", headers=admin, json=RUBRIC)
        http.post("/api/v1/enrolments", headers=learner, json={"achievement_id": aid})
        sub = http.post(
            "/api/v1/submissions",
            headers=learner,
            json={
                "achievement_id": aid,
                "texts": ["1. Check the dashboard. 2. Restart the worker."],
            },
        ).json()
        wait_for(
            lambda: (
                http.get(f"/api/v1/submissions/{sub['id']}", headers=learner).json()["status"]
                == "in_human_review"
            ),
            what="the queue",
        )

        with chromium_page() as page:
            page.goto(f"{base}/review")
            assert page.url.endswith("/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "rob@ops.test")
            page.fill("#password", "wrong password!!")
            page.click("button[type=submit]")
            assert "wrong" in page.locator(".error").inner_text()
            page.fill("#email", "rob@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/review")
            assert "1 waiting" in page.locator(".page-head").inner_text()
            assert "Runbook writing" in page.locator(".stats").inner_text()
            assert_accessible(page, "the review queue")
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "review-queue.png"))
            # filters narrow the queue and say so
            page.select_option("#f-confidence", "high")
            page.click(".filters button[type=submit]")
            assert "0 of 1 shown" in page.locator("#shown").inner_text()
            page.click("text=Clear filters")
            assert "1 of 1 shown" in page.locator("#shown").inner_text()
            page.click("#queue a")
            assert "Check the dashboard" in page.locator("#evidence").inner_text()
            assert "Clear, safe steps" in page.locator("#rubric").inner_text()
            # dates are rewritten in the viewer's locale and zone (the server wrote UTC words)
            submitted = page.locator("#why time")
            assert submitted.get_attribute("datetime").endswith("Z")
            assert not submitted.inner_text().endswith("UTC"), submitted.inner_text()
            assert submitted.get_attribute("title")
            assert page.locator("#task-text").inner_text() == "A runbook a stranger can follow."
            assert "Passes at 2 of 2 points" in page.locator("#pass-mark").inner_text()
            # the reviewer's own judgement comes first: nothing chosen, the AI's view folded away
            assert page.locator("input[type=radio]:checked").count() == 0
            if page.locator("#ai-suggestion").count():
                assert page.locator("#ai-suggestion").get_attribute("open") is None
                assert not page.locator("#accept").is_visible()
            assert_accessible(page, "a submission beside its rubric")
            page.screenshot(path=str(SHOTS / "review-item.png"), full_page=True)
            # by keyboard alone: arrows choose the level, Tab reaches feedback and the button
            page.focus("input[name='points:steps'][value='0.0']")
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            assert (
                page.locator("input[name='points:steps']:checked").get_attribute("value") == "2.0"
            )
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "feedback"
            page.keyboard.type("Safe and complete.")
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.id") == "grade"
            page.keyboard.press("Enter")
            page.wait_for_url(f"{base}/review?decided={sub['id']}")
            assert "Decision saved" in page.locator("[role=status]").inner_text()
            assert "Nothing is waiting" in page.locator("#queue").inner_text()
            page.goto(f"{base}/review/{sub['id']}")
            decided = page.locator("#decided").inner_text()
            assert "Already decided by rob@ops.test" in decided and "passed" in decided
            assert page.locator("#decision").count() == 0
            page.goto(f"{base}/instructor")
            row = page.locator(f"tr[data-achievement='{aid}']")
            assert "not measured" in row.inner_text()
            assert row.locator(".decides").inner_text().strip() == "no"
            cookies = {c["name"]: c["value"] for c in page.context.cookies()}
            assert cookies["mc_session"].startswith("mc_")
        # a cross-site form post without the CSRF token is refused
        r = httpx.post(
            f"{base}/review/{sub['id']}",
            cookies={"mc_session": cookies["mc_session"]},
            data={"action": "accept"},
        )
        assert r.status_code == 403 and "Traceback" not in r.text

        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "lea@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/learn")
            row = page.locator(f"tr[data-submission='{sub['id']}']").inner_text()
            assert "Passed" in row and "Safe and complete." in row
        mine = http.get("/api/v1/credentials", headers=learner).json()
        assert [c["achievement_id"] for c in mine] == [aid]
    finally:
        server.stop()
