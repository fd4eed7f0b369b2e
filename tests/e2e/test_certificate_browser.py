"""PDF certificates against a real server and browser: the credential's page (accessible, at
both widths) offers the certificate; Chromium downloads it; poppler renders it, zxing-cpp reads
its QR code (the page's own address) and the attached credential verifies on the verify page.
Screenshots of the rendered certificate under var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import Api, start_server
from tests.certificate_pdf import PAGE_POINTS, attachments, page_points, qr_texts, rasterise

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_a_certificate_downloads_from_the_page_scans_and_verifies(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        http = api.http
        auth = api.register("acme", "Åcme Akademi")
        aid = http.post(
            "/api/v1/achievements",
            headers=auth,
            json={
                "name": "Data Visualisation",
                "description": "Builds honest charts.",
                "criteria": "Publish a dashboard reviewed by a peer.",
            },
        ).json()["id"]
        cid = http.post(
            "/api/v1/credentials",
            headers=auth,
            json={"achievement_id": aid, "recipient": {"email": "ana@example.org"}},
        ).json()["id"]
        with chromium_page() as page:
            page.goto(f"{base}/credentials/{cid}")
            assert_accessible(page, "a credential's page with its certificate links")
            for link, paper in (("#certificate-a4", "a4"), ("#certificate-letter", "letter")):
                with page.expect_download() as info:
                    page.click(link)
                saved = tmp_path / f"{paper}-{info.value.suggested_filename}"
                info.value.save_as(saved)
                assert saved.suffix == ".pdf"
                pdf = saved.read_bytes()
                assert page_points(pdf) == PAGE_POINTS[paper]
                image = rasterise(pdf, tmp_path)
                SHOTS.mkdir(parents=True, exist_ok=True)
                image.save(SHOTS / f"certificate-{paper}.png")
                assert qr_texts(image) == [f"{base}/credentials/{cid}"]
            (attached,) = attachments(pdf)
            (tmp_path / "credential.json").write_bytes(attached.data)
            page.goto(f"{base}/")
            page.set_input_files("#file", str(tmp_path / "credential.json"))
            page.click("form[action='/verify'] button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
            assert page.locator("h1").first.inner_text() == "Data Visualisation"
    finally:
        server.stop()
