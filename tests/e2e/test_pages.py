"""The public pages in a real browser: a credential's page shows it verified, the verification
form shows a tampered credential failing, and a revocation shows on the next visit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import Api, start_server

pytestmark = pytest.mark.e2e


def test_credential_page_verify_form_and_revocation(tmp_path: Path) -> None:
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
                "alignments": [
                    {
                        "target_name": "create data visualisation",
                        "target_url": "http://data.europa.eu/esco/skill/27e1b3e7-1d0c-4f6c-9e73-4d3c5f6a7b8c",
                        "target_framework": "ESCO",
                    }
                ],
            },
        ).json()["id"]
        cred = http.post(
            "/api/v1/credentials",
            headers=auth,
            json={"achievement_id": aid, "recipient": {"email": "ana@example.org"}},
        ).json()
        with chromium_page() as page:
            page.goto(f"{base}/credentials/{cred['id']}")
            assert page.locator("h1").first.inner_text() == "Data Visualisation"
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
            assert "Acme Academy" in page.content()
            assert (
                page.locator("ul.skills li")
                .first.inner_text()
                .startswith("create data visualisation")
            )
            assert "ana@example.org" not in page.content()  # only the salted hash is public
            assert_accessible(page, "a verified credential's page")
            # the JSON link serves the credential itself
            assert (
                json.loads(http.get(page.locator("#json-link").get_attribute("href")).text)
                == cred["credential"]
            )

            tampered = json.loads(json.dumps(cred["credential"]))
            tampered["credentialSubject"]["achievement"]["name"] = "Data Science PhD"
            page.goto(f"{base}/")
            page.fill("#credential", json.dumps(tampered))
            page.click("button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "not-verified"
            proof_row = page.locator("tr[data-check=proof]").inner_text()
            assert "failed" in proof_row and "changed after it was signed" in proof_row
            # the failure comes first, and the forged title only as a marked claim, never as
            # the page's heading
            claim = page.locator("#credential-title")
            assert (page.locator("#claimed").text_content() or "").startswith(
                "Claimed by the document"
            )
            assert claim.inner_text() == "It claims to be: Data Science PhD"
            assert page.locator("h1", has_text="Data Science PhD").count() == 0
            verdict_y = page.locator("[data-verdict]").bounding_box()["y"]
            assert verdict_y < claim.bounding_box()["y"]
            assert_accessible(page, "a tampered credential's verification")

            page.goto(f"{base}/")
            page.fill("#credential", "{not json")
            page.click("button[type=submit]")
            assert "not valid JSON" in page.locator(".error").inner_text()

            http.post(
                f"/api/v1/credentials/{cred['id']}/status",
                headers=auth,
                json={"action": "revoke", "reason": "shown in a browser test"},
            )
            page.goto(f"{base}/credentials/{cred['id']}")
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "not-verified"
            assert "revoked" in page.locator("tr[data-check=status]").inner_text()
            assert page.locator("#claimed").count() == 1
            assert page.locator("h1", has_text="Data Visualisation").count() == 0
            page.goto(f"{base}/credentials/does-not-exist")
            assert "No such credential" in page.content()
            # an unknown address is a page in the site's layout for a browser, JSON for the API
            missing = page.goto(f"{base}/no/such/page")
            assert missing is not None and missing.status == 404
            assert page.locator("h1").inner_text() == "Page not found"
            assert_accessible(page, "the not-found page")
            assert http.get("/no/such/page").json()["error"] == "not_found"
            api_missing = http.get("/api/v1/nothing", headers={"Accept": "text/html"})
            assert api_missing.status_code == 404 and api_missing.json()["error"] == "not_found"
            page.goto(f"{base}/")
            assert_accessible(page, "the home page")
    finally:
        server.stop()
