"""Error pages know who is signed in: a signed-in visitor's 404, 403, 413 and 400 pages carry
their navigation (and the sign-out form), a signed-out visitor's carry "Sign in", and an error
page renders even when the session cookie is broken or the session cannot be read at all. The
API keeps answering JSON. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.integration.skills_world import PASSWORD, make_org
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.domain.identity import Role
from microcred.web.api.app import create_app

HTML = {"Accept": "text/html"}
SIGN_IN = re.compile(r'<a href="/login"[^>]*>Sign in</a>')


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _nav(html: str) -> str:
    found = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert found, "the page has the site's navigation"
    return found.group(0)


def assert_signed_in_error(html: str, status: int, email: str, csrf: str) -> None:
    """An error page in the site's layout, showing the signed-in visitor's navigation."""
    assert f'data-error="{status}"' in html and 'class="site-header"' in html
    nav = _nav(html)
    assert email in nav and "Sign out" in nav and f'value="{csrf}"' in nav, nav
    assert not SIGN_IN.search(nav), nav
    assert "Traceback" not in html


def assert_signed_out_error(html: str, status: int) -> None:
    assert f'data-error="{status}"' in html and 'class="site-header"' in html
    nav = _nav(html)
    assert SIGN_IN.search(nav) and "Sign out" not in nav, nav
    assert "Traceback" not in html


def test_error_pages_show_the_signed_in_navigation(
    container: Container, client: TestClient
) -> None:
    org = make_org(container, client, "acme")
    container.identity.add_user(
        org.admin, email="lea@acme.test", name="Lea", role=Role.LEARNER, password=PASSWORD
    )
    admin, admin_csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    learner, learner_csrf = signed_in(client.app, "acme", "lea@acme.test", PASSWORD)

    # 404: an unknown address, and an unknown id inside a page route
    r = admin.get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert_signed_in_error(r.text, 404, "admin@acme.test", admin_csrf)
    assert "Micro-credentials" in _nav(r.text)  # the admin's own links
    r = admin.get("/admin/credentials/nope", headers=HTML)
    assert r.status_code == 404
    assert_signed_in_error(r.text, 404, "admin@acme.test", admin_csrf)
    r = learner.get("/learn/not-an-achievement", headers=HTML)
    assert r.status_code == 404
    assert_signed_in_error(r.text, 404, "lea@acme.test", learner_csrf)

    # 403: a learner on an admin page, and a form without its CSRF token
    r = learner.get("/admin/credentials", headers=HTML)
    assert r.status_code == 403
    assert_signed_in_error(r.text, 403, "lea@acme.test", learner_csrf)
    assert "Micro-credentials" not in _nav(r.text)  # the learner's nav, not an admin's
    r = admin.post("/admin/keys/rotate", data={"csrf": "0" * 64}, headers=HTML)
    assert r.status_code == 403 and "did not come from this site" in r.text
    assert_signed_in_error(r.text, 403, "admin@acme.test", admin_csrf)

    # 413 and 400: refused by the body limits before any route runs
    big = b"{" + b" " * 2_000_000 + b"}"
    r = admin.post("/verify", content=big, headers={**HTML, "Content-Type": "text/plain"})
    assert r.status_code == 413
    assert_signed_in_error(r.text, 413, "admin@acme.test", admin_csrf)
    r = admin.post("/verify", content=b"x", headers={**HTML, "Content-Length": "lots"})
    assert r.status_code == 400
    assert_signed_in_error(r.text, 400, "admin@acme.test", admin_csrf)

    # signed out: "Sign in"
    r = client.get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert_signed_out_error(r.text, 404)
    r = client.post("/verify", content=big, headers={**HTML, "Content-Type": "text/plain"})
    assert r.status_code == 413
    assert_signed_out_error(r.text, 413)

    # the API keeps JSON, signed in or not
    r = admin.get("/api/v1/no-such-thing", headers=HTML)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "cookie",
    [
        "mc_session=mc_not-a-token",
        "mc_session=" + "x" * 5000,
        'mc_session="unbalanced',
        "mc_session=%ff%fe; other=1",
        "mc_session=",
    ],
)
def test_a_broken_session_cookie_still_gets_an_error_page(
    container: Container, client: TestClient, cookie: str
) -> None:
    make_org(container, client, "acme")
    r = client.get("/no/such/page", headers={**HTML, "Cookie": cookie})
    assert r.status_code == 404
    assert_signed_out_error(r.text, 404)
    r = client.get(
        "/admin/credentials/x", headers={**HTML, "Cookie": cookie}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_an_error_page_renders_when_the_session_cannot_be_read(
    container: Container, client: TestClient
) -> None:
    """The sessions table is gone (a broken database): the error page still renders, signed
    out, and tells nothing of the failure."""
    make_org(container, client, "acme")
    admin, _ = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    with container.engine.begin() as conn:
        conn.execute(text("ALTER TABLE api_tokens RENAME TO api_tokens_gone"))
    r = admin.get("/no/such/page", headers=HTML)
    assert r.status_code == 404
    assert_signed_out_error(r.text, 404)
    assert "api_tokens" not in r.text
