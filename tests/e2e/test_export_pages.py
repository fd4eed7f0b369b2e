"""The admin export page in a real browser against the real server (its in-process worker runs
the export job): the admin starts an export, the page follows it until it is done, and the
downloaded archive opens with the passphrase. Each state of the page passes the accessibility
checks (at the narrow width too)."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from a11y import assert_accessible
from browser import chromium_page
from procs import PASSWORD, Api, start_server

from microcred.services.portability import ArchiveReader

pytestmark = pytest.mark.e2e
PASSPHRASE = "a passphrase kept somewhere else"


def test_admin_exports_and_downloads_the_archive(tmp_path: Path) -> None:
    server, base, _env = start_server(tmp_path)
    try:
        api = Api(base)
        api.register("ops", "Ops Academy")
        with chromium_page() as page:
            page.goto(f"{base}/login")
            page.fill("#organisation", "ops")
            page.fill("#email", "admin@ops.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.click("nav >> text=Export")
            assert_accessible(page, "the export page")
            page.fill("#e-pass", PASSPHRASE)
            page.fill("#e-confirm", "not the same passphrase")
            page.click("#start")
            assert "differ" in page.locator("#form-error").inner_text()
            assert_accessible(page, "the export page with an error")
            page.fill("#e-pass", PASSPHRASE)
            page.fill("#e-confirm", PASSPHRASE)
            page.click("#start")
            assert "queued" in page.locator("#notice").inner_text()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                page.goto(f"{base}/admin/exports")
                if page.locator("#exports a[download]").count():
                    break
                time.sleep(0.5)
            assert_accessible(page, "a finished export")
            with page.expect_download() as info:
                page.click("#exports a[download]")
            data = Path(info.value.path()).read_bytes()
        assert "data/credentials.jsonl" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        ArchiveReader(io.BytesIO(data), len(data)).unlock(PASSPHRASE)
    finally:
        server.stop()
