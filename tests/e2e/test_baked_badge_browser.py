"""Baked badges in a real browser: download a credential's PNG badge from its page, check that
Chromium's own decoder draws it and the default SVG badge, upload the PNG on the verify page
(verified, "extracted from a baked PNG badge") and a PNG with two credentials (refused with a
message). Every page passes the accessibility checks; screenshots under var/screenshots/."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import Api, start_server
from tests.unit.test_baking import _two_chunks, tiny_png

from microcred.credentials import baking

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ESCO = "http://data.europa.eu/esco/skill/27e1b3e7-1d0c-4f6c-9e73-4d3c5f6a7b8c"
DECODE = """async (uri) => {
  const img = new Image();
  img.src = uri;
  await img.decode();
  return [img.naturalWidth, img.naturalHeight];
}"""


def _uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def test_a_baked_png_downloads_draws_and_verifies(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        http = api.http
        auth = api.register("acme", "Acme Academy")
        achievement = {
            "name": "Data Visualisation",
            "description": "Builds honest charts.",
            "criteria": "Publish a dashboard reviewed by a peer.",
            "alignments": [
                {"target_name": "create data visualisation", "target_url": ESCO, "level": 3}
            ],
        }
        with_png = http.post(
            "/api/v1/achievements",
            headers=auth,
            json={**achievement, "image": {"id": _uri("image/png", tiny_png(48, 32))}},
        ).json()["id"]
        plain = http.post(
            "/api/v1/achievements", headers=auth, json={**achievement, "name": "Plain"}
        ).json()["id"]
        ids = [
            http.post(
                "/api/v1/credentials",
                headers=auth,
                json={"achievement_id": aid, "recipient": {"email": "ana@example.org"}},
            ).json()["id"]
            for aid in (with_png, plain)
        ]
        with chromium_page() as page:
            page.goto(f"{base}/credentials/{ids[0]}")
            assert_accessible(page, "a credential's page with its badges")
            with page.expect_download() as info:
                page.click("#badge-png")
            saved = tmp_path / info.value.suggested_filename
            info.value.save_as(saved)
            assert saved.suffix == ".png"
            png = saved.read_bytes()
            # Chromium's own PNG decoder reads the baked file (the iTXt chunk is well-formed)
            assert page.evaluate(DECODE, _uri("image/png", png)) == [48, 32]

            default_svg = http.get(f"/credentials/{ids[1]}/badge.svg").content
            assert baking.extract(default_svg).format is baking.BadgeFormat.SVG
            assert page.evaluate(DECODE, _uri("image/svg+xml", default_svg)) == [400, 400]
            SHOTS.mkdir(parents=True, exist_ok=True)
            badge_file = tmp_path / "default.svg"
            badge_file.write_bytes(default_svg)
            viewport = page.viewport_size
            page.set_viewport_size({"width": 400, "height": 400})
            page.goto(badge_file.as_uri())
            page.screenshot(path=str(SHOTS / "badge-default.png"))
            page.set_viewport_size(viewport)

            page.goto(f"{base}/")
            page.set_input_files("#file", str(saved))
            page.click("form[action='/verify'] button[type=submit]")
            page.wait_for_selector("[data-verdict]")
            assert page.locator("[data-verdict]").get_attribute("data-verdict") == "verified"
            note = page.locator("#extracted-from").inner_text()
            assert "extracted from a baked PNG badge" in note
            assert page.locator("h1").first.inner_text() == "Data Visualisation"
            assert_accessible(page, "a baked badge's verification")
            page.screenshot(path=str(SHOTS / "public-baked-verified.png"))

            hostile = tmp_path / "two.png"
            hostile.write_bytes(_two_chunks())
            page.goto(f"{base}/")
            page.set_input_files("#file", str(hostile))
            with page.expect_response(f"{base}/verify") as answer:
                page.click("form[action='/verify'] button[type=submit]")
            assert answer.value.status == 400
            message = page.locator("#verify-error").inner_text()
            assert "more than one openbadgecredential chunk" in message
            assert page.locator("[data-verdict]").count() == 0
            assert_accessible(page, "the verify page refusing a hostile badge")
    finally:
        server.stop()
