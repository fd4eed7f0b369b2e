"""A stranger's whole journey in a real browser: open a credential's page, download its file,
upload it (verified) and a tampered copy (not verified, claims marked), check it by address and
refuse an address on another site, ask whether it is about an e-mail address, see a revocation
with its date, and read the organisation's and the achievement's pages. Every page visited passes
the accessibility checks; screenshots are kept under var/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import Api, start_server

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ESCO = "http://data.europa.eu/esco/skill/27e1b3e7-1d0c-4f6c-9e73-4d3c5f6a7b8c"


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"public-{name}.png"))  # type: ignore[attr-defined]


def _verdict(page: object) -> str:
    return str(page.locator("[data-verdict]").get_attribute("data-verdict"))  # type: ignore[attr-defined]


def test_a_stranger_verifies_a_downloaded_file_and_a_tampered_copy(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        http = api.http
        auth = api.register("acme", "Acme Academy")
        aid = http.post(
            "/api/v1/achievements",
            headers=auth,
            json={
                "name": "Data Visualisation",
                "description": "Builds honest charts.",
                "criteria": "Publish a dashboard reviewed by a peer.",
                "effort_hours": 6,
                "alignments": [
                    {
                        "target_name": "create data visualisation",
                        "target_url": ESCO,
                        "target_framework": "ESCO",
                        "level": 3,
                    }
                ],
            },
        ).json()["id"]
        cred = http.post(
            "/api/v1/credentials",
            headers=auth,
            json={"achievement_id": aid, "recipient": {"email": "ana@example.org"}},
        ).json()
        url = f"{base}/credentials/{cred['id']}"
        with chromium_page() as page:
            # the credential's page, and its download
            page.goto(url)
            assert _verdict(page) == "verified"
            assert_accessible(page, "a credential's page")
            _shot(page, "credential")
            with page.expect_download() as info:
                page.click("#json-link")
            download = info.value
            assert download.suggested_filename.endswith(".json")
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert json.loads(saved.read_text()) == cred["credential"]

            # a file over the limit is refused before it is sent
            page.goto(f"{base}/")
            assert_accessible(page, "the verify page")
            big = tmp_path / "big.json"
            big.write_bytes(b"{" + b" " * 2_000_000 + b"}")
            page.set_input_files("#file", str(big))
            page.click("form[action='/verify'] button[type=submit]")
            assert "larger than" in page.locator("#file-error").inner_text()
            assert page.url == f"{base}/"
            assert_accessible(page, "the verify page refusing a big file")

            # upload the file: verified, summary first
            page.goto(f"{base}/")
            page.set_input_files("#file", str(saved))
            page.click("form[action='/verify'] button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert _verdict(page) == "verified"
            assert "Every check that applies passed" in page.locator("#summary").inner_text()
            assert page.locator("h1").first.inner_text() == "Data Visualisation"
            assert_accessible(page, "an uploaded credential's verification")
            _shot(page, "verified")

            # upload a tampered copy: "Not verified" first, the claims marked as claims
            forged = json.loads(saved.read_text())
            forged["credentialSubject"]["achievement"]["name"] = "Data Science PhD"
            tampered = tmp_path / "tampered.json"
            tampered.write_text(json.dumps(forged))
            page.goto(f"{base}/")
            page.set_input_files("#file", str(tampered))
            page.click("form[action='/verify'] button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert _verdict(page) == "not-verified"
            summary = page.locator("#summary").inner_text()
            assert summary.startswith("In short: Failed: its signature"), summary
            claim = page.locator("#credential-title")
            assert claim.inner_text() == "It claims to be: Data Science PhD"
            assert page.locator("#claimed").count() == 1
            assert page.locator("h1", has_text="Data Science PhD").count() == 0
            assert page.locator("[data-verdict]").bounding_box()["y"] < claim.bounding_box()["y"]
            assert_accessible(page, "a tampered file's verification")
            _shot(page, "tampered")

            # by address: ours is resolved locally, another site's is refused (never fetched)
            page.goto(f"{base}/")
            page.fill("#url", url)
            page.click("form[action='/verify'] button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert _verdict(page) == "verified"
            page.goto(f"{base}/")
            page.fill("#url", "https://elsewhere.example/credentials/123")
            page.click("form[action='/verify'] button[type=submit]")
            message = page.locator("#verify-error").inner_text()
            assert "Only this server's credential addresses" in message
            assert page.locator("[data-verdict]").count() == 0
            assert_accessible(page, "the verify page with an error")

            # is this credential about this e-mail address?
            page.goto(url)
            page.fill("#email", "Ana@Example.org")
            page.click("#email-check button[type=submit]")
            answer = page.locator("#email-answer")
            assert answer.get_attribute("data-match") == "yes"
            assert answer.inner_text() == "Yes, this credential was issued to ana@example.org."
            assert_accessible(page, "the e-mail check's answer")
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.locator("#email-check").screenshot(path=str(SHOTS / "public-email-check.png"))
            page.fill("#email", "someone@example.org")
            page.click("#email-check button[type=submit]")
            assert page.locator("#email-answer").inner_text() == "No, not this address."

            # the issuer revokes it: the page and the verify result say so, with the date
            r = http.post(
                f"/api/v1/credentials/{cred['id']}/status",
                headers=auth,
                json={"action": "revoke", "reason": "awarded by mistake"},
            )
            assert r.status_code == 200, r.text
            for where in ("page", "verify result"):
                if where == "page":
                    page.goto(url)
                else:
                    page.goto(f"{base}/")
                    page.set_input_files("#file", str(saved))
                    page.click("form[action='/verify'] button[type=submit]")
                    page.wait_for_selector("[data-verdict]")
                assert _verdict(page) == "not-verified"
                note = page.locator("#status-note")
                assert note.get_attribute("data-status") == "revoked"
                assert note.inner_text().startswith("Revoked on "), note.inner_text()
                assert note.locator("time").count() == 1
                assert "awarded by mistake" not in page.content()  # the reason stays private
                assert_accessible(page, f"a revoked credential's {where}")
            _shot(page, "revoked")

            # the achievement URL inside the credential, and the organisation's page
            page.goto(cred["credential"]["credentialSubject"]["achievement"]["id"])
            assert page.locator("h1").inner_text() == "Data Visualisation"
            assert page.locator(f"#skills a[href='{ESCO}']").count() == 1
            assert "Publish a dashboard" in page.locator("#criteria").inner_text()
            assert "ana@example.org" not in page.content()
            assert_accessible(page, "an achievement's page")
            _shot(page, "achievement")
            page.click("#issuer-link")
            page.wait_for_url(f"{base}/orgs/acme")
            assert page.locator("h1").inner_text() == "Acme Academy"
            assert page.locator("#achievements li").count() == 1
            assert "ana@example.org" not in page.content()
            assert_accessible(page, "an organisation's page")
            _shot(page, "organisation")
            missing = page.goto(f"{base}/orgs/acme/achievements/nothing")
            assert missing is not None and missing.status == 404
            assert_accessible(page, "an unknown achievement")
    finally:
        server.stop()
