"""Bulk issuance in a real browser against the real server (its in-process worker runs the job):
a file with a problem is reported row by row and cannot be confirmed; the fixed file is checked,
confirmed, its progress page refreshes itself until done, and the report downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from playwright.sync_api import expect
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")


def _file(path: Path, aid: str, rows: int, broken: bool) -> Path:
    lines = ["Recipient E-mail,Name,Achievement,Issue date,External ID"]
    lines += [f"p{i}@example.org,Person {i},{aid},2026-10-0{1 + i % 9},E{i}" for i in range(rows)]
    if broken:
        lines += ['not-an-email,=HYPERLINK("http://x"),No Such Badge,31/12/2026,E1']
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return path


def test_admin_checks_fixes_confirms_and_watches_a_bulk_issue(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        auth = api.register("ops", "Ops Academy")
        r = api.http.post(
            "/api/v1/achievements",
            headers=auth,
            json={"name": "Safe Lifting", "description": "Lifts safely.", "criteria": "Lift."},
        )
        assert r.status_code == 201, r.text
        aid = r.json()["id"]
        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "admin@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"{base}/admin/credentials")
            page.click("#bulk-link")
            assert_accessible(page, "the bulk issue page")

            page.set_input_files("#b-file", str(_file(tmp_path / "bad.csv", aid, 30, True)))
            page.click("#check")
            main = page.locator("#main").inner_text()
            assert "1 row(s) have problems" in main
            problems = page.locator("#problems tbody tr")
            assert problems.count() == 4  # e-mail, achievement, date, duplicate external id
            assert "unknown achievement" in problems.nth(1).inner_text()
            assert page.locator("#confirm").count() == 0
            assert_accessible(page, "a bulk dry run with problems")
            page.screenshot(path=str(SHOTS / "admin-bulk-problems.png"), full_page=True)

            page.goto(f"{base}/admin/credentials/bulk")
            page.set_input_files("#b-file", str(_file(tmp_path / "good.csv", aid, 300, False)))
            page.click("#check")
            assert "Every row is fine: 300 to issue" in page.locator("#main").inner_text()
            page.click("#confirm")
            # the page reloads itself (Refresh header) until the job is done
            expect(page.locator("#run-state")).to_have_text("done", timeout=180_000)
            assert page.locator("#issued").inner_text() == "300"
            assert "Done: 300 issued" in page.locator("#main").inner_text()
            assert_accessible(page, "a finished bulk issue")
            page.screenshot(path=str(SHOTS / "admin-bulk-done.png"), full_page=True)
            with page.expect_download() as download:
                page.click("#report-csv")
            text = Path(download.value.path()).read_text(encoding="utf-8")
            assert text.count("\n") == 301 and ",issued," in text
        listed = api.http.get("/api/v1/credentials?limit=200", headers=auth).json()
        assert len(listed) == 200
    finally:
        server.stop()
