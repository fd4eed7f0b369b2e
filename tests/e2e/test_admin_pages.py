"""The issuer admin in a real browser: define a micro-credential with an ESCO skill picked
through the picker, issue it to an e-mail address, revoke it with a reason; the public page then
says revoked, with its date and without the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")  # ignored by git; docs/images keeps copies for the guides


def test_admin_defines_issues_and_revokes(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        admin = api.register("ops", "Ops Academy")
        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "admin@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/admin/achievements")
            assert "None yet" in page.locator("#main").inner_text()
            assert_accessible(page, "the micro-credentials list (empty)")

            # define one, picking an ESCO skill through the picker
            page.click("#new")
            page.fill("#a-name", "Data Visualisation")
            page.fill("#a-description", "Presents data so that people can act on it.")
            page.fill("#a-criteria", "Build a dashboard a stranger can read.")
            page.fill("#a-effort", "6")
            page.fill("#a-validity", "365")
            page.fill("#skill-q", "data visualisation")
            page.click("#search-skills")
            matches = page.locator("#skill-matches li")
            assert matches.count() >= 1
            assert page.input_value("#a-name") == "Data Visualisation"  # what was typed stays
            assert_accessible(page, "the micro-credential form with skill matches")
            page.screenshot(path=str(SHOTS / "admin-achievement.png"), full_page=True)
            picked = matches.first.locator(".grow").inner_text().splitlines()[0]
            matches.first.locator("button").click()
            assert picked in page.locator("#chosen-skills").inner_text()
            page.click("#save")
            assert "Saved." in page.locator("[role=status]").inner_text()
            row = page.locator("#achievements li").first
            assert "Data Visualisation" in row.inner_text() and "1 skill" in row.inner_text()
            assert_accessible(page, "the micro-credentials list")

            # its rubric: one criterion, then "add a criterion" gives another empty row
            row.locator("a", has_text="Rubric").click()
            page.fill("#r-task", "Build a dashboard for the support team.")
            page.fill("#r-pass", "2")
            page.fill("#c0-d", "Chart choice")
            page.fill("#c0-l", "0 missing\n1 partial\n2 complete")
            page.fill("#c1-d", "Labels")
            page.fill("#c1-l", "nonsense")
            page.click("#save-rubric")
            assert "points then a name" in page.locator("[role=alert]").inner_text()
            assert page.input_value("#c0-d") == "Chart choice"
            page.fill("#c1-l", "0 unlabeled\n1 labeled")
            page.click("#add-criterion")
            assert page.locator("#c2-d").input_value() == ""
            page.click("#save-rubric")
            assert "Saved as a new version" in page.locator("[role=status]").inner_text()
            assert page.input_value("#c1-d") == "Labels"
            assert_accessible(page, "the rubric editor")
            page.screenshot(path=str(SHOTS / "admin-rubric.png"), full_page=True)

            # a pathway: earning Data Visualisation and one more issues the capstone
            for name in ("Dashboards Capstone", "Chart Critique"):
                r = api.http.post(
                    "/api/v1/achievements",
                    headers=admin,
                    json={"name": name, "description": name, "criteria": "Do the work."},
                )
                assert r.status_code == 201, r.text
            page.click("nav a[href='/admin/pathways']")
            page.fill("#pw-name", "Dashboards")
            # the builder finds micro-credentials by name; Enter in the box searches
            page.fill("#pw-q", "capstone")
            page.press("#pw-q", "Enter")
            assert page.locator("#matches li").count() == 1
            assert page.input_value("#pw-name") == "Dashboards"  # kept across the search
            page.click("#matches li:has-text('Dashboards Capstone') button[name=set_target]")
            assert page.locator("#target-name").inner_text() == "Dashboards Capstone"
            for name in ("Data Visualisation", "Chart Critique"):
                page.fill("#pw-q", name)
                page.click("#search-achievements")
                page.click(f"#matches li:has-text('{name}') button[name=add_embed]")
            assert page.locator("#embedded li").count() == 2
            page.check("input[name=rule][value=n]")
            page.fill("#pw-n", "5")
            page.click("#create-pathway")
            assert "between 1 and 2" in page.locator("[role=alert]").inner_text()
            assert page.input_value("#pw-name") == "Dashboards"
            page.fill("#pw-n", "2")
            page.get_by_label("Chart Critique needs first").select_option(
                label="Data Visualisation"
            )
            page.click("#create-pathway")
            assert "Pathway created" in page.locator("[role=status]").inner_text()
            listed = page.locator("#pathways li").first.inner_text()
            assert "Earns Dashboards Capstone with 2 of:" in listed, listed
            assert "needs first" in listed
            assert_accessible(page, "the pathway builder")
            page.screenshot(path=str(SHOTS / "admin-pathways.png"), full_page=True)

            # issue it to an e-mail address (a bad address first: the form keeps what was typed)
            page.click("nav a[href='/admin/credentials']")
            page.fill("#i-email", "lea@example")  # the browser accepts it, the server does not
            page.fill("#i-name", "Lea Learner")
            page.click("#issue")
            assert "not a valid e-mail" in page.locator("[role=alert]").inner_text()
            assert page.input_value("#i-name") == "Lea Learner"
            page.fill("#i-email", "lea@example.org")
            page.click("#issue")
            assert "Issued." in page.locator("[role=status]").inner_text()
            assert page.locator("#status").inner_text() == "active"
            assert_accessible(page, "an issued credential (staff view)")
            credential_url = page.url.split("?")[0]
            cid = credential_url.rsplit("/", 1)[1]

            # revoke it with a reason: staff see the reason in the history
            page.check("input[name=action][value=revoke]")
            page.fill("#reason", "Awarded to the wrong person")
            page.click("#change")
            assert page.locator("#status").inner_text() == "revoked"
            assert "Awarded to the wrong person" in page.locator("#history").inner_text()
            assert page.locator("#status-form").count() == 0
            assert_accessible(page, "a revoked credential (staff view)")
            page.screenshot(path=str(SHOTS / "admin-credential.png"), full_page=True)
            page.goto(f"{base}/admin/credentials")
            assert "revoked" in page.locator(f"tr[data-credential='{cid}']").inner_text()
            assert_accessible(page, "the credentials list")

            # people: add one with a generated password, change their role, deactivate them
            page.click("nav a[href='/admin/people']")
            page.fill("#p-email", "rob@ops.test")
            page.fill("#p-name", "Rob Reviewer")
            page.select_option("#p-role", "learner")
            page.click("#add")
            assert "rob@ops.test was added as Learner" in page.locator("#notice").inner_text()
            assert len(page.locator("#secret").inner_text()) >= 16
            rob = page.locator("li[data-user='rob@ops.test']")
            rob.locator("select").select_option("reviewer")
            rob.locator("button", has_text="Change role").click()
            assert "rob@ops.test is now Reviewer" in page.locator("#notice").inner_text()
            assert rob.locator("select").input_value() == "reviewer"
            assert_accessible(page, "people and roles")
            page.screenshot(path=str(SHOTS / "admin-people.png"), full_page=True)
            rob.locator("button", has_text="Deactivate").click()
            assert "deactivated" in rob.inner_text()

            # keys and the log: the issued credential's key, rotated; the log's size
            page.click("nav a[href='/admin/log']")
            assert page.locator("#keys tbody tr").count() >= 1
            assert int(page.locator("#log-size").inner_text()) >= 1
            assert "No witness is configured" in page.locator("#main").inner_text()
            before = page.locator("#keys .pill.ok").count()
            page.click("#rotate")
            assert "Rotated." in page.locator("[role=status]").inner_text()
            assert page.locator("#keys .pill.ok").count() == before
            assert page.locator("#keys tbody tr").count() >= 2
            assert_accessible(page, "keys and the transparency log")
            page.screenshot(path=str(SHOTS / "admin-log.png"), full_page=True)

            # the public page says revoked, with the date, and not the reason
            page.goto(f"{base}/credentials/{cid}")
            note = page.locator("#status-note")
            assert note.get_attribute("data-status") == "revoked"
            assert note.inner_text().startswith("Revoked on "), note.inner_text()
            assert note.locator("time").count() == 1
            assert "wrong person" not in page.content()
            page.screenshot(path=str(SHOTS / "admin-public-revoked.png"), full_page=True)
    finally:
        server.stop()
