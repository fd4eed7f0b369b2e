"""Registering an organisation's OpenID Connect provider, on SQLite and PostgreSQL: discovery
first (nothing stored when it fails), the client secret sealed at rest and never shown, bad
input refused plainly, the admin page with CSRF, the API; password sign-in switched off only
once an admin has signed in with SSO, the last admin never demoted; and a sign-in through a
second provider microcred did not write (PyPI's ``oidc-provider-mock``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider_mock import User, run_server_in_thread
from sqlalchemy import text
from tests.conftest import FrozenClock
from tests.integration.oidc_provider import Provider, serve
from tests.integration.sso_world import (
    CLIENT_ID,
    HTML,
    PASSWORD,
    SECRET,
    browser,
    organisation,
    register,
    sign_in,
    sso_settings,
    to_provider,
)
from tests.integration.web_forms import login_csrf, signed_in

from microcred.bootstrap import Container, build
from microcred.domain.identity import Role
from microcred.errors import (
    AddressRefused,
    Conflict,
    InvalidInput,
    PermissionDenied,
    UpstreamFailed,
)
from microcred.services.identity import SsoSettings
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    c = build(sso_settings(database_url), clock=FrozenClock(datetime.now(UTC)))
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield c, client
    c.close()


@pytest.fixture
def idp() -> Iterator[Provider]:
    yield from serve()


def _settings(idp: Provider, **kw: object) -> SsoSettings:
    values: dict[str, object] = {
        "display_name": "Acme IdP",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    return SsoSettings(**(values | kw))  # type: ignore[arg-type]


def _password_login(client: TestClient, email: str = "admin@acme.test") -> httpx.Response:
    web = browser(None, client)  # type: ignore[arg-type]
    data = {"organisation": "acme", "email": email, "password": PASSWORD, "csrf": login_csrf(web)}
    return web.post("/login", data=data, headers=HTML, follow_redirects=False)


def test_registration_discovers_seals_the_secret_and_refuses_bad_input(
    world: tuple[Container, TestClient], idp: Provider
) -> None:
    c, _ = world
    admin = organisation(c)
    bad = {
        "issuer": ("ftp://idp.example", InvalidInput, "must start with https://"),
        "issuer ": (f"{idp.issuer}?x=1", InvalidInput, "no query"),
        "issuer  ": (f"{idp.issuer}/", UpstreamFailed, "register the issuer exactly"),
        "issuer   ": ("http://127.0.0.1:1", Exception, ""),
        "client_id": ("", InvalidInput, "Give the client id"),
        "display_name": ("x" * 101, InvalidInput, "longer than 100"),
        "role_map": ("staff = overlord", InvalidInput, "'overlord' is not a role"),
        "role_map ": ("no separator here", InvalidInput, "is not 'value = role'"),
        "default_role": ("admin", InvalidInput, "cannot be admins by default"),
        "client_secret": ("bad\x00secret", InvalidInput, "control characters"),
    }
    for field, (value, error, message) in bad.items():
        with pytest.raises(error) as raised:
            c.sso.providers.configure(admin, _settings(idp, **{field.strip(): value}))
        assert message in str(raised.value), field
        assert c.sso.providers.get(admin) is None, field  # nothing stored
    register(c, admin, idp, role_map="staff = reviewer\n\nleads = issuer", role_claim="groups")
    saved = c.sso.providers.get(admin)
    assert saved is not None and saved.role_map == {"staff": "reviewer", "leads": "issuer"}
    with c.engine.connect() as conn:
        raw = conn.execute(text("SELECT sealed_secret FROM sso_providers")).scalar_one()
    assert SECRET.encode() not in bytes(raw) and c.sso.providers.open_secret(saved) == SECRET
    # a change without a secret keeps the stored one; a learner may not change anything
    c.sso.providers.configure(admin, _settings(idp, client_secret=None, display_name="Okta"))
    changed = c.sso.providers.get(admin)
    assert changed is not None and c.sso.providers.open_secret(changed) == SECRET
    learner = principal_of(
        c.identity.add_user(admin, email="l@acme.test", name="L", role=Role.LEARNER)
    )
    with pytest.raises(PermissionDenied):
        c.sso.providers.configure(learner, _settings(idp))


def test_a_loopback_provider_is_refused_without_the_allow_list(
    database_url: str, idp: Provider
) -> None:
    c = build(sso_settings(database_url, fetch_allow_networks=[]))
    try:
        admin = organisation(c)
        with pytest.raises(AddressRefused, match="loopback"):
            c.sso.providers.configure(admin, _settings(idp))
        assert c.sso.providers.get(admin) is None
    finally:
        c.close()


def test_password_sign_in_goes_off_only_after_an_admin_signed_in_with_sso(
    world: tuple[Container, TestClient], idp: Provider
) -> None:
    c, client = world
    admin = organisation(c)
    with pytest.raises(Conflict, match="nobody is locked out"):
        register(c, admin, idp, password_sign_in=False)
    assert c.sso.providers.get(admin) is None
    register(c, admin, idp)
    idp.user = {"sub": "ada", "email": "admin@acme.test", "email_verified": True}
    assert sign_in(browser(c, client))[0].status_code == 200
    # "password off" while SSO itself is switched off leaves passwords open
    c.sso.providers.configure(admin, _settings(idp, password_sign_in=False, enabled=False))
    assert _password_login(client).status_code == 303
    c.sso.providers.configure(admin, _settings(idp, password_sign_in=False))
    refused = _password_login(client)
    assert refused.status_code == 401 and "single sign-on only" in refused.text
    page = browser(c, client).get("/login?organisation=acme", headers=HTML)
    assert 'id="password-off"' in page.text and 'name="password"' not in page.text
    api = client.post(
        "/api/v1/auth/token",
        json={"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD},
    )
    assert api.status_code == 401 and "single sign-on only" in api.json()["message"]
    assert sign_in(browser(c, client))[0].status_code == 200  # SSO still works
    # with the only SSO-linked admin demoted, it cannot be saved off again
    bo = c.identity.add_user(admin, email="bo@acme.test", name="Bo", role=Role.ADMIN)
    c.accounts.set_role(principal_of(bo), admin.user_id, Role.LEARNER)
    with pytest.raises(Conflict):
        c.sso.providers.configure(principal_of(bo), _settings(idp, password_sign_in=False))
    c.sso.providers.delete(admin)
    assert _password_login(client).status_code == 303  # open again at once


def test_the_last_admin_is_never_demoted_by_the_providers_groups(
    world: tuple[Container, TestClient], idp: Provider
) -> None:
    c, client = world
    admin = organisation(c)
    register(c, admin, idp, role_claim="groups", role_map={"staff": "learner"})
    idp.user = {"sub": "ada", "email": "admin@acme.test", "email_verified": True, "groups": "staff"}
    assert sign_in(browser(c, client))[0].status_code == 200
    assert c.identity.get_user(admin, admin.user_id).role is Role.ADMIN  # type: ignore[union-attr]
    second = c.identity.add_user(admin, email="bo@acme.test", name="Bo", role=Role.ADMIN)
    idp.user = {"sub": "bo", "email": "bo@acme.test", "email_verified": True, "groups": ["staff"]}
    assert sign_in(browser(c, client))[0].status_code == 200
    assert c.identity.get_user(admin, second.id).role is Role.LEARNER  # type: ignore[union-attr]


def test_the_admin_page_registers_with_csrf_and_never_shows_the_secret(
    world: tuple[Container, TestClient], idp: Provider
) -> None:
    c, client = world
    admin = organisation(c)
    idp.register(CLIENT_ID, SECRET, c.sso.sign_in.redirect_uri)
    web, csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    page = web.get("/admin/sso", headers=HTML)
    assert page.status_code == 200 and "https://issuer.test/login/sso/callback" in page.text
    assert 'href="/admin/sso" aria-current="page"' in page.text
    form = {
        "display_name": "Acme IdP",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "role_claim": "groups",
        "role_map": "trainers = reviewer",
        "default_role": "learner",
        "just_in_time": "on",
        "password_sign_in": "on",
        "enabled": "on",
    }
    forged = web.post("/admin/sso", data=form | {"csrf": "0" * 64}, headers=HTML)
    assert forged.status_code == 403 and c.sso.providers.get(admin) is None
    wrong = web.post("/admin/sso", data=form | {"csrf": csrf, "role_map": "x = god"}, headers=HTML)
    assert wrong.status_code == 422 and "&#39;god&#39; is not a role" in wrong.text
    assert SECRET not in wrong.text and 'value="Acme IdP"' in wrong.text  # typed kept, not secret
    saved = web.post("/admin/sso", data=form | {"csrf": csrf}, follow_redirects=False)
    assert saved.status_code == 303
    shown = web.get("/admin/sso?done=saved", headers=HTML)
    assert "Single sign-on is saved." in shown.text and SECRET not in shown.text
    assert "trainers = reviewer" in shown.text
    off = web.post("/admin/sso", data=form | {"csrf": csrf, "password_sign_in": ""}, headers=HTML)
    assert off.status_code == 409 and "nobody is locked out" in off.text
    learner_web, learner_csrf = _learner(c, client, admin)
    assert learner_web.get("/admin/sso", headers=HTML).status_code == 403
    gone = web.post("/admin/sso", data={"csrf": csrf, "op": "delete"}, follow_redirects=False)
    assert gone.status_code == 303 and c.sso.providers.get(admin) is None
    assert learner_csrf


def _learner(c: Container, client: TestClient, admin: object) -> tuple[TestClient, str]:
    c.identity.add_user(
        admin,  # type: ignore[arg-type]
        email="lea@acme.test",
        name="Lea",
        role=Role.LEARNER,
        password=PASSWORD,
    )
    return signed_in(client.app, "acme", "lea@acme.test", PASSWORD)


def test_the_api_registers_reads_and_removes_for_admins_only(
    world: tuple[Container, TestClient], idp: Provider
) -> None:
    c, client = world
    admin = organisation(c)
    organisation(c, "globex")
    idp.register(CLIENT_ID, SECRET, c.sso.sign_in.redirect_uri)
    token = c.identity.create_token_for("acme", "admin@acme.test", "t").token
    other = c.identity.create_token_for("globex", "admin@globex.test", "t").token
    auth, foreign = {"Authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {other}"}
    body = {
        "display_name": "Acme IdP",
        "issuer": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "role_claim": "groups",
        "role_map": {"trainers": "reviewer"},
        "just_in_time": True,
    }
    assert client.get("/api/v1/sso", headers=auth).status_code == 404
    for wrong, status in (
        ({**body, "extra": 1}, 422),
        ({**body, "role_map": {"x": "god"}}, 422),
        ({**body, "issuer": "x" * 3000}, 422),
        ({**body, "role_map": {f"v{i}": "learner" for i in range(51)}}, 422),
        ({**body, "password_sign_in": False}, 409),
        ({k: v for k, v in body.items() if k != "client_secret"}, 422),
    ):
        r = client.put("/api/v1/sso", json=wrong, headers=auth)
        assert r.status_code == status, (wrong, r.text)
        assert "Traceback" not in r.text
    r = client.put("/api/v1/sso", json=body, headers=auth)
    assert r.status_code == 200, r.text
    shown = r.json()
    assert SECRET not in r.text and shown["redirect_uri"].endswith("/login/sso/callback")
    assert shown["role_map"] == {"trainers": "reviewer"} and shown["just_in_time"] is True
    assert client.get("/api/v1/sso", headers=foreign).status_code == 404  # not globex's
    assert client.delete("/api/v1/sso", headers=foreign).status_code == 404
    assert client.get("/api/v1/sso", headers=auth).json()["issuer"] == idp.issuer
    assert client.delete("/api/v1/sso", headers=auth).status_code == 204
    assert c.sso.providers.get(admin) is None


def test_a_sign_in_through_oidc_provider_mock(world: tuple[Container, TestClient]) -> None:
    """The second provider microcred did not write: PyPI's oidc-provider-mock (authlib on
    Flask), which signs in whichever subject its form is given."""
    c, client = world
    admin = organisation(c)
    claims = {"email": "new@acme.test", "email_verified": True, "name": "New Person"}
    with run_server_in_thread(require_nonce=True, user_claims=[User(sub="np", claims=claims)]) as s:
        issuer = f"http://localhost:{s.server_port}"
        c.sso.providers.configure(
            admin,
            SsoSettings(
                display_name="Mock IdP",
                issuer=issuer,
                client_id="microcred",
                client_secret="anything",
                just_in_time=True,
            ),
        )
        web = browser(c, client)
        authorize = to_provider(web)
        assert authorize.startswith(f"{issuer}/oauth2/authorize?")
        r = httpx.post(authorize, data={"sub": "np"}, follow_redirects=False, timeout=5)
        assert r.status_code == 302, r.text
        location = urlsplit(r.headers["location"])
        done = web.get(f"{location.path}?{location.query}", headers=HTML)
        assert done.status_code == 200, done.text
        assert "Your account was created" in done.text
        assert re.search(r"new@acme\.test", web.get("/learn", headers=HTML).text)
        # the same answer again is refused
        replay = web.get(f"{location.path}?{location.query}", headers=HTML)
        assert replay.status_code == 401
    new = next(u for u in c.identity.list_users(admin) if u.email == "new@acme.test")
    assert new.role is Role.LEARNER and new.name == "New Person"


def test_the_sso_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "sso_" in repr(d)] == []
        tables = {"sso_providers", "sso_pending", "sso_identities"}
        assert tables <= set(inspect(engine).get_table_names())
        command.downgrade(migrate.alembic_config(database_url), "0010sso@-1")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
