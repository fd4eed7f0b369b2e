"""Registering LTI 1.3 platforms, on SQLite and PostgreSQL: the API (create, list, read,
change, remove; scoped to the caller's organisation), bad input refused plainly with nothing
stored, the admin page with CSRF showing the URLs to give the platform, and the tool's RSA key
sealed at rest with only its public half in the JWKS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import FrozenClock
from tests.integration.sso_world import PASSWORD, organisation, sso_settings
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container, build
from microcred.domain.identity import Role
from microcred.web.api.app import create_app

BODY: dict[str, Any] = {
    "name": "Moodle",
    "issuer": "https://moodle.example.org",
    "client_id": "abc123",
    "deployment_ids": ["1"],
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "jwks_url": "https://moodle.example.org/mod/lti/certs.php",
}


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    c = build(sso_settings(database_url), clock=FrozenClock(datetime.now(UTC)))
    with TestClient(
        create_app(c), base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        yield c, client
    c.close()


def _count(c: Container, table: str) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_api_registers_changes_and_removes_platforms_per_organisation(
    world: tuple[Container, TestClient],
) -> None:
    c, client = world
    organisation(c, "acme")
    organisation(c, "globex")
    mine = c.identity.create_token_for("acme", "admin@acme.test", "t").token
    auth = {"Authorization": f"Bearer {mine}"}
    other = c.identity.create_token_for("globex", "admin@globex.test", "t").token
    foreign = {"Authorization": f"Bearer {other}"}
    r = client.post("/api/v1/lti/platforms", json=BODY, headers=auth)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["tool"]["login_url"] == "https://issuer.test/lti/acme/login"
    assert made["tool"]["jwks_url"] == "https://issuer.test/lti/acme/jwks"
    assert client.post("/api/v1/lti/platforms", json=BODY, headers=auth).status_code == 409
    assert [p["id"] for p in client.get("/api/v1/lti/platforms", headers=auth).json()] == [
        made["id"]
    ]
    # globex sees none of it, and cannot read, change or remove it
    assert client.get("/api/v1/lti/platforms", headers=foreign).json() == []
    url = f"/api/v1/lti/platforms/{made['id']}"
    assert client.get(url, headers=foreign).status_code == 404
    assert client.put(url, json=BODY, headers=foreign).status_code == 404
    assert client.delete(url, headers=foreign).status_code == 404
    changed = client.put(url, json=BODY | {"deployment_ids": ["1", "2"]}, headers=auth)
    assert changed.status_code == 200 and changed.json()["deployment_ids"] == ["1", "2"]
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"issuer": "javascript:alert(1)//x"}, 422),
        ({"jwks_url": "ftp://moodle.example.org/certs"}, 422),
        ({"auth_login_url": "https://user:pw@moodle.example.org/auth"}, 422),
        ({"deployment_ids": []}, 422),
        ({"deployment_ids": ["  "]}, 422),
        ({"client_id": "a\x00b"}, 422),
        ({"name": "x" * 101}, 422),
        ({"deployment_ids": [str(i) for i in range(51)]}, 422),
        ({"unknown_field": 1}, 422),
    ],
)
def test_bad_registrations_are_refused_and_nothing_is_stored(
    world: tuple[Container, TestClient], change: dict[str, Any], status: int
) -> None:
    c, client = world
    organisation(c, "acme")
    token = c.identity.create_token_for("acme", "admin@acme.test", "t").token
    r = client.post(
        "/api/v1/lti/platforms", json=BODY | change, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text
    assert _count(c, "lti_platforms") == 0


def test_only_admins_register_platforms(world: tuple[Container, TestClient]) -> None:
    c, client = world
    admin = organisation(c, "acme")
    c.identity.add_user(
        admin, email="lea@acme.test", name="Lea", role=Role.ISSUER, password=PASSWORD
    )
    token = c.identity.create_token_for("acme", "lea@acme.test", "t").token
    r = client.post(
        "/api/v1/lti/platforms", json=BODY, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403
    web, _ = signed_in(client.app, "acme", "lea@acme.test", PASSWORD)
    assert web.get("/admin/lti", headers={"Accept": "text/html"}).status_code == 403


def test_the_page_registers_a_platform_and_the_tool_key_is_sealed(
    world: tuple[Container, TestClient],
) -> None:
    c, client = world
    admin = organisation(c, "acme")
    web, csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    page = web.get("/admin/lti")
    assert page.status_code == 200
    assert "https://issuer.test/lti/acme/login" in page.text
    assert "https://issuer.test/lti/acme/jwks" in page.text
    form = {
        "csrf": csrf,
        "op": "save",
        **{k: v for k, v in BODY.items() if k != "deployment_ids"},
        "deployment_ids": "1\n2",
        "enabled": "on",
    }
    bad = web.post("/admin/lti", data=form | {"jwks_url": "not a url"})
    assert bad.status_code == 422 and "JWKS URL" in bad.text and _count(c, "lti_platforms") == 0
    saved = web.post("/admin/lti", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    (platform,) = c.lti.registrations.list(admin)
    assert platform.deployment_ids == ("1", "2") and platform.enabled
    # the tool's key: a public JWKS (RS256, by kid) and the private half sealed in the database
    jwks = client.get("/lti/acme/jwks").json()
    (key,) = jwks["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert "d" not in key and "p" not in key
    with c.engine.connect() as conn:
        sealed = conn.execute(text("SELECT sealed_private FROM lti_tool_keys")).scalar_one()
    assert bytes(sealed).startswith(b"mc1") and b"\x30\x82" not in bytes(sealed)[:32]
    assert client.get("/lti/nobody/jwks").status_code == 404
    removed = web.post(
        "/admin/lti",
        data={"csrf": csrf, "op": "delete", "platform_id": platform.id},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and _count(c, "lti_platforms") == 0


def test_the_lti_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
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
        assert [d for d in diffs if "lti_" in repr(d)] == []
        tables = {
            "lti_platforms",
            "lti_tool_keys",
            "lti_pending",
            "lti_identities",
            "lti_line_items",
        }
        assert tables <= set(inspect(engine).get_table_names())
        command.downgrade(migrate.alembic_config(database_url), "0012lti@-1")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
