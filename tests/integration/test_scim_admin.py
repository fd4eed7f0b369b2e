"""The provisioning page on SQLite and PostgreSQL: an admin makes the SCIM token (shown once,
only its digest stored), replaces and revokes it; other roles cannot reach the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.integration.scim_world import PASSWORD, register
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.crypto.passwords import hash_token
from microcred.web.api.app import create_app

TOKEN = re.compile(r'<code id="scim-token">(mcscim\.[^<]+)</code>')


def test_an_admin_makes_replaces_and_revokes_the_token(container: Container) -> None:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        admin = register(client, "acme")
        r = client.post(
            "/api/v1/users",
            headers=admin,
            json={"email": "lea@acme.test", "name": "Lea", "role": "learner", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        web, csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
        page = web.get("/admin/scim")
        assert page.status_code == 200 and "No token: provisioning is off." in page.text
        assert "https://issuer.test/scim/v2" in page.text
        made = web.post("/admin/scim", data={"csrf": csrf, "op": "create"})
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        found = TOKEN.search(made.text)
        assert found, made.text
        token = found.group(1)
        scim = {"Authorization": f"Bearer {token}"}
        assert client.get("/scim/v2/Users", headers=scim).status_code == 200
        again = web.get("/admin/scim")
        assert token not in again.text and "A token is active" in again.text
        with container.uow() as uow:
            org = uow.organisations.by_slug("acme")
            assert org is not None
            stored = uow.tenant(org.id).scim.token()
        assert stored is not None and stored.token_hash == hash_token(token)
        assert token.split(".")[-1] not in stored.token_hash
        # a forged form (no CSRF token) changes nothing
        forged = web.post("/admin/scim", data={"op": "revoke"})
        assert forged.status_code == 403
        assert client.get("/scim/v2/Users", headers=scim).status_code == 200
        replaced = TOKEN.search(web.post("/admin/scim", data={"csrf": csrf, "op": "create"}).text)
        assert replaced and replaced.group(1) != token
        assert client.get("/scim/v2/Users", headers=scim).status_code == 401
        done = web.post("/admin/scim", data={"csrf": csrf, "op": "revoke"}, follow_redirects=False)
        assert done.status_code == 303
        newer = {"Authorization": f"Bearer {replaced.group(1)}"}
        assert client.get("/scim/v2/Users", headers=newer).status_code == 401
        learner, _ = signed_in(client.app, "acme", "lea@acme.test", PASSWORD)
        assert learner.get("/admin/scim", follow_redirects=False).status_code in (302, 303, 403)


def test_the_scim_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
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
        assert [d for d in diffs if "scim_" in repr(d)] == []
        tables = {"scim_tokens", "scim_resources", "scim_values"}
        assert tables <= set(inspect(engine).get_table_names())
        command.downgrade(migrate.alembic_config(database_url), "0012scim@-1")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
