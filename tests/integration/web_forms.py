"""Helpers for tests that post the site's forms."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def login_csrf(client: TestClient | httpx.Client) -> str:
    """Open the sign-in form (which sets its pre-session cookie) and return its CSRF token."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found, "the sign-in form carries a CSRF token"
    return found.group(1)
