"""Helpers for tests that post the site's forms."""

from __future__ import annotations

import re
from typing import Any

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


def signed_in(app: Any, slug: str, email: str, password: str) -> tuple[TestClient, str]:
    """A new browser (its own cookies) signed in through the form, and its session's CSRF token
    (read from the sign-out form every signed-in page carries)."""
    web = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    data = {"organisation": slug, "email": email, "password": password, "csrf": login_csrf(web)}
    r = web.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    found = _CSRF.search(web.get("/learn").text)
    assert found, "a signed-in page carries the session's CSRF token"
    return web, found.group(1)
