"""Helpers for the single sign-on tests: settings that let microcred reach a provider on
loopback (the on-premises allow-list), an organisation with its provider registered, and a
browser walking the authorization code flow by hand (microcred → provider → microcred)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi.testclient import TestClient
from tests.conftest import KEK
from tests.integration.oidc_provider import Provider

from microcred.bootstrap import Container
from microcred.config import Settings
from microcred.domain.identity import Principal
from microcred.services.identity import SsoSettings
from microcred.services.identity.service import principal_of

PASSWORD = "a long enough password"
HTML = {"Accept": "text/html"}
CLIENT_ID = "microcred-acme"
SECRET = "s3cret-client-value-that-is-long"


def sso_settings(database_url: str, **extra: object) -> Settings:
    """Test settings: loopback allow-listed (IPv4 and IPv6) and plain http allowed."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "kek_secrets": [KEK],
        "public_base_url": "https://issuer.test",
        "ledger_interval_ms": 0,
        "run_worker": False,
        "allow_insecure_http": True,
        "fetch_allow_networks": ["127.0.0.1/32", "::1/128"],
        "http_timeout_seconds": 5.0,
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


def organisation(c: Container, slug: str = "acme") -> Principal:
    """A new organisation; its admin's principal."""
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password=PASSWORD,
    )
    return principal_of(admin)


def register(
    c: Container, admin: Principal, idp: Provider, client_id: str = CLIENT_ID, **kw: Any
) -> None:
    """Register ``idp`` for the admin's organisation (and the client at the provider)."""
    idp.register(client_id, SECRET, c.sso.sign_in.redirect_uri)
    values: dict[str, Any] = {
        "display_name": "Acme IdP",
        "issuer": idp.issuer,
        "client_id": client_id,
        "client_secret": SECRET,
    }
    c.sso.providers.configure(admin, SsoSettings(**(values | kw)))


def browser(c: Container, client: TestClient) -> TestClient:
    """A new browser (its own cookies) on the app."""
    return TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False)


def to_provider(web: TestClient, slug: str = "acme") -> str:
    """Start single sign-on; the provider's authorization URL the browser is sent to."""
    r = web.get(f"/login/sso?organisation={slug}", follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "mc_sso" in r.headers["set-cookie"] and "samesite=lax" in r.headers["set-cookie"].lower()
    return r.headers["location"]


def at_provider(url: str) -> str:
    """The provider signs the user in; the callback path and query it redirects to."""
    r = httpx.get(url, follow_redirects=False, timeout=5)
    assert r.status_code == 302, r.text
    location = urlsplit(r.headers["location"])
    assert location.netloc == "issuer.test", location
    return f"{location.path}?{location.query}"


def sign_in(web: TestClient, slug: str = "acme") -> tuple[httpx.Response, str]:
    """The whole flow: the callback's answer, and the callback address (to replay it)."""
    callback = at_provider(to_provider(web, slug))
    return web.get(callback, headers=HTML, follow_redirects=False), callback


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters (the first of each)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def binding(web: TestClient) -> str:
    """The browser's sign-in binding cookie (refusal pages clear it; tests put it back)."""
    value = web.cookies.get("mc_sso", domain="testserver.local", path="/login/sso")
    assert value is not None
    return value


def rebind(web: TestClient, value: str) -> None:
    """Put the sign-in binding cookie ``value`` into the browser."""
    web.cookies.set("mc_sso", value, domain="testserver.local", path="/login/sso")
