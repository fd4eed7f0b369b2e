"""Webhooks in a real browser against the real server (its in-process worker delivers): the
admin adds a webhook, copies the secret shown once, the receiver on loopback gets an issued
credential's event and verifies it with the Standard Webhooks library, and the delivery log
shows the attempt. Each page passes the accessibility checks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server
from standardwebhooks import Webhook
from tests.integration.webhook_receiver import serve

pytestmark = pytest.mark.e2e
SHOTS = Path("var/screenshots")


def test_admin_adds_a_webhook_and_sees_its_delivery(tmp_path: Path) -> None:
    receivers = serve()
    receiver = next(receivers)
    server, base, _env = start_server(
        tmp_path,
        MICROCRED_ALLOW_INSECURE_HTTP="true",
        MICROCRED_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
    )
    try:
        api = Api(base)
        auth = api.register("ops", "Ops Academy")
        SHOTS.mkdir(parents=True, exist_ok=True)
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "admin@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.click("nav >> text=Webhooks")
            assert_accessible(page, "the webhooks page")
            page.fill("#w-url", "http://10.0.0.7/hooks")
            page.check("input[value='credential.issued']")
            page.click("#add")
            assert "10.0.0.7 is a private address" in page.locator("#form-error").inner_text()
            page.fill("#w-url", receiver.url)
            page.fill("#w-description", "HR system")
            page.click("#add")
            secret = page.locator("#secret").inner_text()
            assert secret.startswith("whsec_")
            assert_accessible(page, "a new webhook with its secret")
            r = api.http.post(
                "/api/v1/achievements",
                headers=auth,
                json={"name": "Safe Lifting", "description": "Lifts.", "criteria": "Lift."},
            )
            body = {"achievement_id": r.json()["id"], "recipient": {"email": "p@example.org"}}
            assert api.http.post("/api/v1/credentials", headers=auth, json=body).status_code == 201
            deadline = time.monotonic() + 30
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.1)
            got = receiver.received[0]
            assert Webhook(secret).verify(got.body, got.headers)["type"] == "credential.issued"
            page.goto(f"{base}/admin/webhooks")
            page.click("#webhooks a")
            assert secret not in page.content()
            page.click("#deliveries a")
            assert "HTTP 200" in page.locator("#log").inner_text()
            assert_accessible(page, "a webhook's delivery log")
            page.screenshot(path=str(SHOTS / "admin-webhook.png"), full_page=True)
    finally:
        server.stop()
        receivers.close()
