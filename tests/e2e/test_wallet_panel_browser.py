"""The holder's "Add to wallet" panel in a real browser (Debian's Chromium): on the credential's
page each button, pressed from the keyboard, makes a single-use link; the QR code on the answer
page, photographed by the browser and decoded by zxing-cpp, holds exactly the link shown; and
that link completes with the independent test wallets — the DCC's libraries
(tests/e2e/dcc/wallet.mjs) for the Learner Credential Wallet request, ``@openid4vc/openid4vci``
(tests/e2e/oid4vci) for the OpenID4VCI offer with the transaction code shown. Every page passes
the axe-core WCAG 2.2 AA check at 1280 and 390 px. Screenshots go to var/screenshots
(``MICROCRED_UPDATE_SCREENSHOTS=1`` also copies them over the committed docs/images ones)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from a11y import assert_accessible
from browser import chromium_page
from dcc_verifier import DCC_DIR
from dcc_verifier import ensure_installed as ensure_dcc
from oid4vci_wallet import ensure_installed as ensure_oid4vci
from oid4vci_wallet import receive
from PIL import Image
from procs import PASSWORD, Api, start_server

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")
REPO = Path(__file__).resolve().parents[2]
DOC_SHOTS = ("wallet-panel.png", "wallet-offer-dcc.png", "wallet-offer-oid4vci.png")


def _qr_text(page: Any, selector: str) -> str:
    """The one QR code in the element, as the browser renders it, decoded by zxing-cpp."""
    image = Image.open(io.BytesIO(page.locator(selector).screenshot()))
    found = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, f"{selector}: {found}"
    return str(found[0])


def _dcc_wallet(link: str) -> dict[str, Any]:
    done = subprocess.run(
        [shutil.which("node") or "node", str(DCC_DIR / "wallet.mjs")],
        input=json.dumps({"link": link, "seed_hex": "44" * 32, "suite": "eddsa-rdfc-2022"}),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=DCC_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _press(page: Any, selector: str) -> None:
    """Reach the button with the keyboard and press Enter on it."""
    page.focus(selector)
    assert page.evaluate("() => document.activeElement.tagName") == "BUTTON"
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_wallet_panel_sends_the_credential_to_both_wallets(tmp_path: Path) -> None:
    ensure_dcc()
    ensure_oid4vci()
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        admin = api.register("lcw", "LCW Academy")
        api.add_user(admin, "lea@lcw.test", "learner")
        aid = api.http.post(
            "/api/v1/achievements",
            headers=admin,
            json={"name": "Wallet basics", "description": "Keeps keys.", "criteria": "Do it."},
        ).json()["id"]
        issued = api.http.post(
            "/api/v1/credentials",
            headers=admin,
            json={"achievement_id": aid, "recipient": {"email": "lea@lcw.test"}},
        )
        assert issued.status_code == 201, issued.text
        cid = issued.json()["id"]
        SHOTS.mkdir(parents=True, exist_ok=True)

        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "lcw")
            page.fill("#email", "lea@lcw.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/learn")
            page.goto(f"{base}/credentials/{cid}")
            panel = page.locator("#wallet-panel")
            assert panel.count() == 1
            assert_accessible(page, "the credential page with its wallet panel")
            panel.screenshot(path=str(SHOTS / "wallet-panel.png"))

            # the DCC Learner Credential Wallet: request deep link → VC-API exchange
            _press(page, "#dcc-wallet-form button")
            assert page.url == f"{base}/learn/credentials/{cid}/dcc-wallet"
            assert page.locator("#dcc-qr").get_attribute("alt")
            link = page.locator("#dcc-link").get_attribute("href")
            assert link is not None and link.startswith("https://lcw.app/request.html?request=")
            assert _qr_text(page, "#dcc-qr") == link
            assert page.locator("#dcc-link-text").text_content() == link
            assert_accessible(page, "the DCC wallet link and its QR code")
            page.locator("#wallet-offer").screenshot(path=str(SHOTS / "wallet-offer-dcc.png"))
            got = _dcc_wallet(link)
            assert got["status"] == 200, got
            credential = got["response"]["verifiablePresentation"]["verifiableCredential"][0]
            assert credential["credentialSubject"]["id"] == got["did"]
            assert _dcc_wallet(link)["status"] == 409  # single use

            # OpenID4VCI: credential offer by reference + tx_code
            page.goto(f"{base}/credentials/{cid}")
            _press(page, "#oid4vci-form button")
            link = page.locator("#oid4vci-link").get_attribute("href")
            assert link is not None
            assert link.startswith("openid-credential-offer://?credential_offer_uri=")
            assert _qr_text(page, "#oid4vci-qr") == link
            tx_code = page.locator("#oid4vci-tx-code").inner_text()
            assert len(tx_code) == 6 and tx_code.isdigit()
            assert_accessible(page, "the OpenID4VCI offer, its QR code and transaction code")
            page.locator("#wallet-offer").screenshot(path=str(SHOTS / "wallet-offer-oid4vci.png"))
            wrong = "000000" if tx_code != "000000" else "111111"
            refused = receive(link, txCode=wrong)
            assert not refused["ok"] and refused.get("error") == "invalid_grant", refused
            got = receive(link, txCode=tx_code)
            assert got["ok"], got
            assert got["credential"]["credentialSubject"]["id"] == got["holderDid"]
            again = receive(link, txCode=tx_code)
            assert not again["ok"], again  # single use
    finally:
        server.stop()
    if os.environ.get("MICROCRED_UPDATE_SCREENSHOTS") == "1":
        for name in DOC_SHOTS:
            shutil.copyfile(SHOTS / name, REPO / "docs" / "images" / name)
