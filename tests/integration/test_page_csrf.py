"""Every state-changing page form is CSRF-protected. Every POST, PUT and DELETE route outside the
API is walked from the app's router and posted by a signed-in user, with a body that would
change something, (a) without the CSRF token, (b) with a wrong one, (c) with the token of
another session of the same user, and (d) with a token that is not ASCII: each is refused with a
403 page saying why, and the database is exactly as it was. A new route not listed here fails
the test. The sign-in form's own (login) CSRF token is checked the same way. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.page_world import (
    HTML,
    build_world,
    database,
    page_routes,
    state_changing_forms,
)
from tests.integration.skills_world import PASSWORD
from tests.integration.web_forms import login_csrf, signed_in

from microcred.bootstrap import Container
from microcred.web.api.app import create_app
from microcred.web.pages.mail import TOKEN_ROUTES

#: forms that change nothing, so they carry no CSRF token (each says so in its docstring)
CHANGE_NOTHING = {"/verify", "/credentials/{credential_id}/email"}
#: forms authorised by the secret token in their address, not by a session (docs/email.md)
TOKEN_BEARING = set(TOKEN_ROUTES)
REFUSAL = "did not come from this site"
#: OpenID4VCI protocol endpoints: they read no session cookie (a pre-authorized code, a bearer
#: token or nothing authorises them), so a cross-site form gains nothing there
NO_SESSION = {
    "/orgs/{slug}/oid4vci/token",
    "/orgs/{slug}/oid4vci/nonce",
    "/orgs/{slug}/oid4vci/credential",
    # LTI 1.3: cross-site posts by design (the platform's login initiation and launch, the
    # picker's answer); they read no session cookie: the launch is authorised by the platform's
    # signed id_token with its single-use state bound to the browser, the picker by its sealed
    # context (tests/integration/test_lti.py)
    "/lti/{slug}/login",
    "/lti/{slug}/launch",
    "/lti/{slug}/deep-link",
}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [n for n in before if before[n] != after.get(n)]


def test_every_state_changing_form_needs_this_sessions_token(
    container: Container, client: TestClient
) -> None:
    w = build_world(container, client, "acme")
    forms = state_changing_forms(w)
    changing = {
        r.path for r in page_routes(client.app) if r.methods & {"POST", "PUT", "DELETE", "PATCH"}
    }
    assert "/login" in changing
    uncovered = changing - set(forms) - CHANGE_NOTHING - TOKEN_BEARING - NO_SESSION - {"/login"}
    assert not uncovered, f"state-changing page routes without a CSRF test: {uncovered}"
    assert not set(forms) - changing, f"listed here but gone: {set(forms) - changing}"
    routes = {r.path: r for r in page_routes(client.app)}
    # a second session of each user: its token is not the first session's
    others = {who: signed_in(client.app, w.slug, w.email(who), PASSWORD)[1] for who in w.users}

    before = database(container)
    for path, (who, body) in sorted(forms.items()):
        web, csrf = w.browsers[who]
        url = routes[path].fill(w.values)
        for label, token in (
            ("no token", None),
            ("a wrong token", "0" * len(csrf)),
            ("another session's token", others[who]),
            ("a token that is not ASCII", "é" * len(csrf)),
            ("an empty token", ""),
        ):
            assert token != csrf
            data = body if token is None else {**body, "csrf": token}
            r = web.post(url, data=data, headers=HTML, follow_redirects=False)
            what = f"{who} POST {url} with {label}"
            assert r.status_code == 403, (what, r.status_code, r.text[:400])
            assert REFUSAL in r.text and 'data-error="403"' in r.text, what
            assert "Traceback" not in r.text
    after = database(container)
    assert _changed(before, after) == [], "a refused form changed the database"

    # still signed in (the refused sign-out ended nothing), and the forged changes are absent
    admin = w.browsers["admin"][0]
    assert admin.get("/admin/people", headers=HTML).status_code == 200
    page = admin.get(f"/admin/credentials/{w.credential}", headers=HTML).text
    assert "forged" not in page
    assert "Forged" not in admin.get("/admin/achievements", headers=HTML).text

    # the same forms with this session's token do work (so the bodies above were real changes)
    web, csrf = w.browsers["admin"]
    r = web.post("/admin/keys/rotate", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    r = web.post(
        "/admin/achievements/new", data={**forms["/admin/achievements/new"][1], "csrf": csrf}
    )
    assert r.status_code == 200 and "Forged" in r.text
    assert _changed(after, database(container)) != []


def test_the_sign_in_form_needs_its_own_token(container: Container, client: TestClient) -> None:
    build_world(container, client, "acme")
    good = {"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD}
    with (
        TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False) as web,
        TestClient(
            client.app, base_url="https://testserver", raise_server_exceptions=False
        ) as stranger,
    ):
        token = login_csrf(web)
        theirs = login_csrf(stranger)
        before = database(container)
        for label, data in (
            ("no token", good),
            ("a wrong token", {**good, "csrf": "0" * len(token)}),
            ("another browser's token", {**good, "csrf": theirs}),
            ("a token that is not ASCII", {**good, "csrf": "é" * len(token)}),
        ):
            r = web.post("/login", data=data, follow_redirects=False)
            assert r.status_code == 401 and "did not come from this site" in r.text, label
            assert "mc_session" not in r.cookies, label
        # no session was created
        assert database(container)["api_tokens"] == before["api_tokens"]
        # and with its own token, the same browser signs in
        r = web.post("/login", data={**good, "csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and "mc_session" in r.cookies
