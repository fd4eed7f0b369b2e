"""The manager's journey in a real browser on the seeded demo organisation: sign in as the
manager, read the skills × roles heatmap, pick a role, find its top candidate and why, open that
person's career path (steps and effort) and download CSVs. axe-core checks every page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import run_cli, start_server

from microcred.cli import demo_data

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")  # ignored by git; docs/images keeps copies for the guide


def _download_csv(page: object, link: str) -> list[list[str]]:
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click(link)  # type: ignore[attr-defined]
    path = info.value.path()
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def test_manager_finds_the_top_candidate_and_their_career_path(tmp_path: Path) -> None:
    server, base, env = start_server(tmp_path)
    try:
        seeded = run_cli("demo", env=env, timeout=600)
        assert seeded.returncode == 0, seeded.stderr[-2000:]
        assert f"manager@{demo_data.DOMAIN}" in seeded.stdout
        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", demo_data.SLUG)
            page.fill("#email", f"manager@{demo_data.DOMAIN}")
            page.fill("#password", demo_data.PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/skills")
            assert page.locator("h1").inner_text() == "Skills and gaps"
            heat = page.locator("#roles-heatmap")
            assert heat.locator("td.heat").count() > 20
            assert "%" in heat.locator("td.heat:not(.heat-none)").first.inner_text()
            assert page.locator(".heat-legend li").count() == 11
            assert page.locator("#months tbody tr").count() >= 1
            assert_accessible(page, "the manager's skills and gaps")
            page.screenshot(path=str(SHOTS / "manager-heatmap.png"), full_page=False)

            rows = _download_csv(page, "a[href='/skills/roles-heatmap.csv']")
            assert rows[0] == ["row", "skill", "skill_uri", "level", "holders", "people", "percent"]
            assert rows[1][2].startswith("http://data.europa.eu/esco/skill/")
            assert int(rows[1][5]) > 50  # every employee of the demo

            role = "software developer"
            page.click(f"#roles a:text-is('{role}')")
            assert page.locator("h1").inner_text() == role
            top = page.locator("#candidate-1")
            name = top.locator("td:nth-child(2) a").inner_text()
            why = top.locator("td.why").inner_text()
            assert "Meets" in why and "readiness" in why
            top.locator("summary").click()
            assert "from " in top.locator("details").inner_text()  # the credential behind a skill
            assert page.locator("#teams-heatmap td.heat").count() > 0
            assert_accessible(page, "a role's candidates")
            page.screenshot(path=str(SHOTS / "manager-candidates.png"), full_page=False)

            rows = _download_csv(page, "a[href$='/candidates.csv']")
            assert rows[0][:5] == ["rank", "name", "kind", "team", "readiness_percent"]
            assert rows[1][0] == "1" and rows[1][1] == name

            top.locator("td:nth-child(2) a").click()
            assert page.locator("h1").inner_text() == f"{name} for {role}"
            steps = page.locator("#path-steps li")
            assert steps.count() >= 1
            assert " h" in steps.first.inner_text()
            assert page.locator("#total-effort").inner_text().endswith(" h")
            assert page.locator("#fit tbody tr").count() > 3
            assert_accessible(page, "a person's career path to a role")
            page.screenshot(path=str(SHOTS / "manager-career-path.png"), full_page=True)

            rows = _download_csv(page, "a[href$='/path.csv']")
            assert rows[0][:4] == ["plan", "step", "micro_credential", "effort_hours"]
            assert rows[1][0] == "plan" and rows[1][1] == "1" and float(rows[1][3]) > 0

            page.click("a:text-is('all of " + name + "\\'s skills')")
            assert page.locator("h1").inner_text() == name
            assert page.locator("#role-matches tbody tr").count() >= 1
            assert_accessible(page, "a person's skills and closest roles")

            page.goto(f"{base}/skills/people")
            assert page.locator("#people tbody tr").count() > 50
            assert_accessible(page, "the people list")

            page.goto(f"{base}/skills/roles/no-such-role")
            assert "No such role" in page.locator("main").inner_text()
    finally:
        server.stop()
