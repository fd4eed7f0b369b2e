"""Sharing a credential over HTTP, on SQLite and PostgreSQL: the public page's Open Graph card,
LinkedIn's "Add to profile" link for the holder, and private credentials (the holder's wallet
form and ``PATCH /api/v1/me/credentials/<id>``): hidden from strangers exactly like an unknown
id, still shown to the holder and the organisation's staff, and the file still verifies (the
status list is unaffected) with ``microcred vc verify``."""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.conftest import FrozenClock
from typer.testing import CliRunner

from microcred.bootstrap import Container
from microcred.cli.main import app as cli
from microcred.web.api.app import create_app

from .test_api import ACHIEVEMENT, PASSWORD, _register
from .web_forms import signed_in

HTML = {"Accept": "text/html"}
LEA = "lea@example.org"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@dataclass
class World:
    app: object
    client: TestClient  # a stranger: no session, no token
    admin: dict[str, str]
    lea: dict[str, str]  # the holder's API token
    max_: dict[str, str]  # another learner of the same organisation
    other_admin: dict[str, str]  # the admin of another organisation
    credential: dict  # as issued (CredentialPublic)

    @property
    def cid(self) -> str:
        return str(self.credential["id"])


def _token(client: TestClient, slug: str, email: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/auth/token", json={"organisation": slug, "email": email, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _learner(client: TestClient, admin: dict[str, str], email: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/users",
        json={
            "email": email,
            "name": email.split("@", maxsplit=1)[0],
            "role": "learner",
            "password": PASSWORD,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return _token(client, "acme", email)


def _png() -> str:
    """A 1×1 PNG as a data: URI (a real, valid image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _issue(client: TestClient, admin: dict[str, str], **achievement: object) -> dict:
    r = client.post("/api/v1/achievements", json={**ACHIEVEMENT, **achievement}, headers=admin)
    assert r.status_code == 201, r.text
    body = {"achievement_id": r.json()["id"], "recipient": {"email": LEA}}
    r = client.post("/api/v1/credentials", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def world(container: Container) -> Iterator[World]:
    app = create_app(container)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        admin = _register(client, "acme")
        other_admin = _register(client, "globex")
        lea = _learner(client, admin, LEA)
        max_ = _learner(client, admin, "max@example.org")
        credential = _issue(client, admin, name="Incident Response & Review #1 — Überblick")
        yield World(app, client, admin, lea, max_, other_admin, credential)


def _meta(page: str) -> dict[str, str]:
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)
    return {k: html.unescape(v) for k, v in found}


def _stranger_answers(w: World, cid: str) -> dict[str, tuple[int, str]]:
    """What a stranger gets at each public address of credential ``cid``."""
    c = w.client
    answers = {
        "page": c.get(f"/credentials/{cid}", headers=HTML),
        "json": c.get(f"/credentials/{cid}"),
        "download": c.get(f"/credentials/{cid}.json", headers=HTML),
        "badge": c.get(f"/credentials/{cid}/badge.svg"),
        "certificate": c.get(f"/credentials/{cid}/certificate.pdf"),
        "verify-link": c.post(
            "/verify", data={"url": f"https://issuer.test/credentials/{cid}"}, headers=HTML
        ),
    }
    return {k: (r.status_code, r.text.replace(cid, "<id>")) for k, r in answers.items()}


def test_public_page_has_an_open_graph_card_without_personal_data(world: World) -> None:
    page = world.client.get(f"/credentials/{world.cid}", headers=HTML)
    assert page.status_code == 200
    meta = _meta(page.text)
    assert meta["og:title"] == "Incident Response & Review #1 — Überblick"
    assert meta["og:url"] == f"https://issuer.test/credentials/{world.cid}"
    assert meta["og:description"].startswith("Awarded by ACME on ")
    assert meta["twitter:card"] == "summary"  # the default badge is SVG: no og:image
    assert "og:image" not in meta
    assert f'<link rel="canonical" href="https://issuer.test/credentials/{world.cid}">' in page.text
    head = page.text.split("</head>")[0]
    assert LEA not in head and "lea" not in head.lower()
    assert 'id="linkedin-link"' not in page.text  # a stranger is not the holder
    assert "noindex" not in head

    png = _issue(world.client, world.admin, name="With a PNG", image={"id": _png()})
    meta = _meta(world.client.get(f"/credentials/{png['id']}", headers=HTML).text)
    assert meta["og:image"] == f"https://issuer.test/credentials/{png['id']}/badge.png"
    assert meta["twitter:card"] == "summary_large_image"
    assert world.client.get(f"/credentials/{png['id']}/badge.png").status_code == 200

    # the card speaks from our record: a revoked credential says so
    r = world.client.post(
        f"/api/v1/credentials/{png['id']}/status",
        json={"action": "revoke", "reason": "test"},
        headers=world.admin,
    )
    assert r.status_code == 200, r.text
    meta = _meta(world.client.get(f"/credentials/{png['id']}", headers=HTML).text)
    assert meta["og:title"] == "With a PNG (revoked)"


def test_holder_sees_the_linkedin_link(world: World) -> None:
    web, _ = signed_in(world.app, "acme", LEA, PASSWORD)
    with web:
        page = web.get(f"/credentials/{world.cid}", headers=HTML).text
        wallet = web.get("/learn").text
    found = re.search(r'href="([^"]+)" id="linkedin-link"', page)
    assert found, "the holder's page offers LinkedIn's Add to profile"
    url = html.unescape(found[1])
    assert url.startswith("https://www.linkedin.com/profile/add?")
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    issued = world.credential["issued_at"][:7].split("-")
    until = world.credential["valid_until"][:7].split("-")
    assert query == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Incident Response & Review #1 — Überblick"],
        "organizationName": ["ACME"],
        "issueYear": [issued[0]],
        "issueMonth": [str(int(issued[1]))],
        "expirationYear": [until[0]],
        "expirationMonth": [str(int(until[1]))],
        "certUrl": [f"https://issuer.test/credentials/{world.cid}"],
        "certId": [world.cid],
    }
    assert f'href="{html.escape(url)}" class="linkedin"' in wallet

    # a revoked credential is not offered to LinkedIn
    r = world.client.post(
        f"/api/v1/credentials/{world.cid}/status",
        json={"action": "revoke", "reason": "test"},
        headers=world.admin,
    )
    assert r.status_code == 200, r.text
    with web:
        assert "linkedin.com" not in web.get(f"/credentials/{world.cid}", headers=HTML).text
        assert "linkedin.com" not in web.get("/learn").text


def test_holder_makes_it_private_on_the_wallet_and_strangers_get_404(
    world: World, tmp_path: Path, clock: FrozenClock
) -> None:
    public_answers = _stranger_answers(world, world.cid)
    assert {k: v[0] for k, v in public_answers.items()} == dict.fromkeys(public_answers, 200)
    unknown = _stranger_answers(world, UNKNOWN)
    web, csrf = signed_in(world.app, "acme", LEA, PASSWORD)
    with web:
        form = f"/learn/credentials/{world.cid}/visibility"
        assert web.post(form, data={"visibility": "private"}, headers=HTML).status_code == 403
        assert (
            web.post(form, data={"csrf": csrf, "visibility": "hidden"}, headers=HTML).status_code
            == 422
        )
        assert world.client.get(f"/credentials/{world.cid}").status_code == 200  # unchanged
        r = web.post(form, data={"csrf": csrf, "visibility": "private"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(
            "/learn?visibility=private"
        )
        wallet = web.get("/learn").text
        assert 'data-visibility="private"' in wallet and "Make public" in wallet
        assert "linkedin.com" not in wallet
        # the holder still sees the page, told it is private, kept out of search engines
        mine = web.get(f"/credentials/{world.cid}", headers=HTML)
        assert mine.status_code == 200 and 'id="private-note"' in mine.text
        assert "noindex" in mine.text.split("</head>")[0]
        assert 'id="linkedin-link"' not in mine.text
        assert web.get(f"/credentials/{world.cid}.json", headers=HTML).status_code == 200

        # to a stranger, a private credential is exactly an unknown one
        hidden = _stranger_answers(world, world.cid)
        assert hidden == unknown
        assert {k: v[0] for k, v in hidden.items() if k != "verify-link"} == dict.fromkeys(
            ["page", "json", "download", "badge", "certificate"], 404
        )
        assert hidden["verify-link"][0] == 404
        assert "Page not found" in hidden["page"][1] or "No such credential" in hidden["page"][1]
        assert '<main id="main"' in hidden["page"][1]  # the site's layout
        # other people: another learner gets 404, the organisation's admin sees it, another
        # organisation's admin does not
        assert world.client.get(f"/credentials/{world.cid}", headers=world.max_).status_code == 404
        assert world.client.get(f"/credentials/{world.cid}", headers=world.admin).status_code == 200
        staff = world.client.get(f"/credentials/{world.cid}", headers={**world.admin, **HTML})
        assert staff.status_code == 200 and "Its holder made this credential" in staff.text
        assert "Its holder made" not in mine.text
        other = world.client.get(f"/credentials/{world.cid}", headers=world.other_admin)
        assert other.status_code == 404

        # the file still verifies: signature, issuer and status list are untouched
        document = world.credential["credential"]
        verified = world.client.post("/api/v1/verify", json=document).json()
        assert verified["verified"] is True, verified
        upload = world.client.post(
            "/verify",
            files={"file": ("c.json", json.dumps(document).encode(), "application/json")},
            headers=HTML,
        )
        assert upload.status_code == 200 and 'data-verdict="verified"' in upload.text
        assert f"/credentials/{world.cid}.json" not in upload.text  # no link to a 404
        # the CLI checks the status list's window against the real time: catch the server up
        clock.advance(seconds=(datetime.now(UTC) - clock.now()).total_seconds())
        _cli_verifies(world, document, tmp_path)

    # a month on, the old session has expired: sign in again to make it public
    web, csrf = signed_in(world.app, "acme", LEA, PASSWORD)
    with web:
        r = web.post(form, data={"csrf": csrf, "visibility": "public"}, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/learn?visibility=public")
    assert _stranger_answers(world, world.cid) == public_answers


def _cli_verifies(world: World, document: dict, tmp_path: Path) -> None:
    """``microcred vc verify --offline`` on the file, with the issuer's published documents."""
    status_url = document["credentialStatus"]["statusListCredential"]
    status_list = world.client.get(urlsplit(status_url).path)
    assert status_list.status_code == 200
    (tmp_path / "credential.json").write_text(json.dumps(document))
    (tmp_path / "status.json").write_text(status_list.text)
    args = ["vc", "verify", "--offline", "--json", str(tmp_path / "credential.json")]
    args += ["--document", f"{status_url}={tmp_path / 'status.json'}"]
    issuer = document["issuer"]["id"]
    if issuer.startswith("did:web:"):
        did = world.client.get("/orgs/acme/did.json")
        (tmp_path / "did.json").write_text(did.text)
        args += ["--document", f"https://issuer.test/orgs/acme/did.json={tmp_path / 'did.json'}"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    checks = {c["check"]: c["status"] for c in report["checks"]}
    assert report["verified"] is True and checks["status"] == "passed", report


def test_visibility_over_the_api(world: World) -> None:
    url = f"/api/v1/me/credentials/{world.cid}"
    r = world.client.patch(url, json={"visibility": "private"}, headers=world.lea)
    assert r.status_code == 200, r.text
    assert r.json()["visibility"] == "private" and r.json()["id"] == world.cid
    listed = world.client.get(f"/api/v1/credentials/{world.cid}", headers=world.lea).json()
    assert listed["visibility"] == "private"
    assert world.client.get(f"/credentials/{world.cid}").status_code == 404
    assert world.client.get(f"/credentials/{world.cid}", headers=world.lea).status_code == 200

    # only the holder decides: another learner cannot find it, the admin may not override it,
    # another organisation cannot find it; nothing changes
    for who, status in ((world.max_, 404), (world.admin, 403), (world.other_admin, 404)):
        r = world.client.patch(url, json={"visibility": "public"}, headers=who)
        assert r.status_code == status, r.text
        assert "detail" in r.json() or "error" in r.json()
    assert world.client.get(f"/credentials/{world.cid}").status_code == 404

    # bad input gets a clear 4xx
    for body in ({"visibility": "hidden"}, {}, {"visibility": "public", "extra": 1}, []):
        assert world.client.patch(url, json=body, headers=world.lea).status_code == 422
    assert world.client.patch(url, json={"visibility": "public"}).status_code == 401
    unknown = f"/api/v1/me/credentials/{UNKNOWN}"
    assert (
        world.client.patch(unknown, json={"visibility": "public"}, headers=world.lea).status_code
        == 404
    )

    r = world.client.patch(url, json={"visibility": "public"}, headers=world.lea)
    assert r.status_code == 200 and r.json()["visibility"] == "public"
    assert world.client.get(f"/credentials/{world.cid}").status_code == 200


def test_the_private_flag_is_exactly_the_migrated_schema(
    container: Container, world: World
) -> None:
    """Migration 0009private matches the table, and existing credentials come back public."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect, text

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    r = world.client.patch(
        f"/api/v1/me/credentials/{world.cid}", json={"visibility": "private"}, headers=world.lea
    )
    assert r.status_code == 200
    url = container.settings.database_url
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "private" in repr(d)] == []
        command.downgrade(migrate.alembic_config(url), "0008bulk")
        columns = {c["name"] for c in inspect(engine).get_columns("credentials")}
        assert "private" not in columns and "recipient_email" in columns
        migrate.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, private FROM credentials")).all()
        assert rows and all(private in (False, 0) for _, private in rows)
        assert world.cid in {i for i, _ in rows}
    finally:
        engine.dispose()
