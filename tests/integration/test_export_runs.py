"""The admin export over HTTP (real SQLite and PostgreSQL): started as a job, followed, the
archive downloaded and imported; admins of the organisation only; every step a security event;
the passphrase gone from the database once used; bad input refused with nothing queued. And the
admin page: start (CSRF-checked), progress, download."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_api import PASSWORD, _issue, _register

PASSPHRASE = "an export passphrase, kept apart"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _events(c: Container, kind: str) -> int:
    with c.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM security_events WHERE kind = :k"), {"k": kind}
            ).scalar_one()
        )


def test_an_admin_exports_follows_and_downloads(client: TestClient, container: Container) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    r = client.post("/api/v1/exports", json={"passphrase": PASSPHRASE}, headers=auth)
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["state"] == "queued" and run["archive_url"] is None
    with container.engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT sealed_passphrase FROM export_runs WHERE id = :i"), {"i": run["id"]}
        ).scalar_one()
    assert sealed and PASSPHRASE.encode() not in bytes(sealed)  # sealed, not stored plain
    r = client.get(f"/api/v1/exports/{run['id']}/archive", headers=auth)
    assert r.status_code == 409  # not finished yet
    container.jobs.drain()
    done = client.get(f"/api/v1/exports/{run['id']}", headers=auth).json()
    assert done["state"] == "done", done
    assert done["done"] == done["total"] > 10 and done["records"] > 0
    with container.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT sealed_passphrase FROM export_runs WHERE id = :i"), {"i": run["id"]}
            ).scalar_one()
            is None
        )  # used, then wiped
    r = client.get(done["archive_url"], headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert len(r.content) == done["archive_bytes"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "manifest.json" in names and "data/credentials.jsonl" in names
    credentials = zipfile.ZipFile(io.BytesIO(r.content)).read("data/credentials.jsonl")
    assert issued["id"].encode() in credentials
    assert [x["id"] for x in client.get("/api/v1/exports", headers=auth).json()] == [run["id"]]
    assert _events(container, "export_requested") == 1
    assert _events(container, "export_done") == 1
    assert _events(container, "export_downloaded") == 1
    # the archive opens with the passphrase (checked before anything would be imported)
    from microcred.services.portability import ArchiveReader

    ArchiveReader(io.BytesIO(r.content), len(r.content)).unlock(PASSPHRASE)


def test_only_the_organisations_admins_see_its_exports(
    client: TestClient, container: Container
) -> None:
    acme = _register(client, "acme")
    beta = _register(client, "beta")
    run = client.post("/api/v1/exports", json={"passphrase": PASSPHRASE}, headers=acme).json()
    container.jobs.drain()
    for path in (f"/api/v1/exports/{run['id']}", f"/api/v1/exports/{run['id']}/archive"):
        assert client.get(path, headers=beta).status_code == 404
    assert client.get("/api/v1/exports", headers=beta).json() == []
    r = client.post(
        "/api/v1/users",
        headers=acme,
        json={"email": "i@acme.test", "name": "I", "role": "issuer", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    token = client.post(
        "/api/v1/auth/token",
        json={"organisation": "acme", "email": "i@acme.test", "password": PASSWORD},
    ).json()["token"]
    issuer = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/exports/{run['id']}/archive", headers=issuer).status_code == 403
    assert (
        client.post("/api/v1/exports", json={"passphrase": PASSPHRASE}, headers=issuer).status_code
        == 403
    )
    assert client.get(f"/api/v1/exports/{run['id']}/archive").status_code == 401
    assert _events(container, "export_downloaded") == 0


def test_bad_requests_are_refused_and_nothing_is_queued(
    client: TestClient, container: Container
) -> None:
    auth = _register(client, "acme")
    for body in (
        {"passphrase": "short"},
        {},
        {"passphrase": PASSPHRASE, "extra": 1},
        {"passphrase": 12345678901234},
        {"passphrase": "x" * 5000},
    ):
        r = client.post("/api/v1/exports", json=body, headers=auth)
        assert r.status_code == 422, (body, r.text)
    r = client.post("/api/v1/exports", content=b"{not json", headers=auth)
    assert r.status_code in (400, 422)
    assert client.get("/api/v1/exports/../../etc", headers=auth).status_code == 404
    assert client.get("/api/v1/exports/no-such-run", headers=auth).status_code == 404
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM export_runs")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar_one() == 0
    # two under way at once at most
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/exports", json={"passphrase": PASSPHRASE}, headers=auth
            ).status_code
            == 202
        )
    r = client.post("/api/v1/exports", json={"passphrase": PASSPHRASE}, headers=auth)
    assert r.status_code == 409 and "under way" in r.json()["message"]


def test_the_admin_page_starts_shows_progress_and_downloads(
    client: TestClient, container: Container
) -> None:
    _register(client, "acme")
    web, csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    page = web.get("/admin/exports")
    assert page.status_code == 200 and 'id="export-form"' in page.text
    # no CSRF token: refused, nothing queued
    r = web.post("/admin/exports", data={"passphrase": PASSPHRASE, "confirm": PASSPHRASE})
    assert r.status_code == 403
    r = web.post(
        "/admin/exports",
        data={"passphrase": PASSPHRASE, "confirm": "a different passphrase", "csrf": csrf},
    )
    assert r.status_code == 422 and "differ" in r.text
    r = web.post(
        "/admin/exports",
        data={"passphrase": PASSPHRASE, "confirm": PASSPHRASE, "csrf": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    queued = web.get("/admin/exports")
    assert "queued" in queued.text and 'http-equiv="refresh"' in queued.text
    container.jobs.drain()
    done = web.get("/admin/exports")
    assert 'http-equiv="refresh"' not in done.text
    link = re.search(r'href="(/admin/exports/[^"]+/archive)"', done.text)
    assert link, done.text
    r = web.get(link.group(1))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert "attachment" in r.headers["content-disposition"]
    assert _events(container, "export_downloaded") == 1
