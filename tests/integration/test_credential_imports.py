"""Learners import credentials from elsewhere, on real SQLite and PostgreSQL, with a real HTTP
server on loopback as the other site: OB 3.0 JSON, a baked PNG, an OB 2.0 hosted assertion by
URL; each verified as far as it can be and kept with its checks; hostile input refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from tests.conftest import KEK, FrozenClock

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.credentials.baking import bake
from microcred.credentials.baking.default_badge import default_badge
from microcred.domain.credential import Recipient
from microcred.domain.identity import Role
from microcred.errors import Conflict, InvalidInput, MicrocredError, PayloadTooLarge
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of

LEARNER = "nobody@example.org"
PASSWORD = "a long enough password"


class _Site(BaseHTTPRequestHandler):
    documents: ClassVar[dict[str, Any]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    _Site.documents = {}


@pytest.fixture
def c(database_url: str, clock: FrozenClock) -> Iterator[Container]:
    container = build(
        Settings(
            environment="test",
            database_url=database_url,
            kek_secrets=[KEK],
            public_base_url="https://issuer.test",
            ledger_interval_ms=0,
            run_worker=False,
            allow_insecure_http=True,
            fetch_allow_networks=["127.0.0.1/32"],
        ),
        clock=clock,
    )
    yield container
    container.close()


def _people(c: Container):
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password=PASSWORD
    )
    admin_p = principal_of(admin)
    learner = c.identity.add_user(
        admin_p, email=LEARNER, name="Nobody", role=Role.LEARNER, password=PASSWORD
    )
    aid = c.achievements.create(
        admin_p,
        AchievementInput(name="Forklift safety", description="Safe.", criteria_narrative="Pass."),
    ).id
    return admin_p, principal_of(learner), aid


def _hosted(site: str, **changes: Any) -> dict[str, Any]:
    ctx = "https://w3id.org/openbadges/v2"
    issuer = {"@context": ctx, "type": "Issuer", "id": f"{site}/issuer.json", "name": "Old LMS"}
    badge = {
        "@context": ctx,
        "type": "BadgeClass",
        "id": f"{site}/badge.json",
        "name": "First aid (2019)",
        "issuer": issuer["id"],
    }
    assertion = {
        "@context": ctx,
        "type": "Assertion",
        "id": f"{site}/assertion.json",
        "recipient": {"type": "email", "hashed": False, "identity": LEARNER},
        "badge": badge["id"],
        "issuedOn": "2019-05-01T00:00:00Z",
        "verification": {"type": "hosted"},
    } | changes
    _Site.documents.update(
        {"/issuer.json": issuer, "/badge.json": badge, "/assertion.json": assertion}
    )
    return assertion


def test_ob3_json_baked_png_and_ob2_hosted_by_url_are_verified_and_kept(
    c: Container, site: str
) -> None:
    admin, learner, aid = _people(c)
    own = c.issuance.issue(admin, IssueRequest(aid, Recipient(email=LEARNER)))
    other = c.issuance.issue(admin, IssueRequest(aid, Recipient(email="else@example.org")))

    from_json = c.imports.import_text(learner, json.dumps(own.document))
    assert from_json.verified and from_json.format == "ob3" and from_json.name == "Forklift safety"
    baked, _ = bake(default_badge("Forklift safety", None, "Acme"), json.dumps(other.document))
    from_png = c.imports.import_file(learner, baked)
    assert from_png.source == "svg" and not from_png.verified
    assert any(ch.check == "recipient" and ch.status == "failed" for ch in from_png.checks)

    _hosted(site)
    from_url = c.imports.import_url(learner, f"{site}/assertion.json")
    assert from_url.format == "ob2-hosted" and from_url.verified, from_url.checks
    assert from_url.name == "First aid (2019)" and from_url.issuer == "Old LMS"
    assert {i.id for i in c.imports.list(learner)} == {from_json.id, from_png.id, from_url.id}

    # the issuer revokes it: checking again says so, and the record stays
    _Site.documents["/assertion.json"] = dict(
        _Site.documents["/assertion.json"], revoked=True, revocationReason="Expired policy"
    )
    c.fetcher.forget()  # the fetch cache (5 minutes) would show the old copy
    again = c.imports.reverify(learner, from_url.id)
    assert not again.verified and "Expired policy" in " ".join(ch.message for ch in again.checks)
    with pytest.raises(Conflict):
        c.imports.import_text(learner, json.dumps(own.document))


def test_hostile_and_malformed_imports_are_refused_and_nothing_is_stored(
    c: Container, site: str
) -> None:
    _, learner, _ = _people(c)
    with pytest.raises(MicrocredError):  # the guard refuses a private address
        c.imports.import_url(learner, "http://10.0.0.1/assertion.json")
    with pytest.raises(InvalidInput):
        c.imports.import_url(learner, "file:///etc/passwd")
    with pytest.raises(PayloadTooLarge):
        c.imports.import_file(learner, b"{" + b" " * 6_000_000 + b"}")
    for junk in (b"\x00\x01binary", b"[1, 2]", b"not json at all", b'{"a": 1'):
        with pytest.raises(MicrocredError):
            c.imports.import_file(learner, junk)
    assert c.imports.list(learner) == []
    # an OB 2.0 assertion whose badge points inward: kept, labelled, never fetched from there
    _hosted(site, badge="http://169.254.169.254/latest/meta-data")
    inward = c.imports.import_url(learner, f"{site}/assertion.json")
    assert not inward.verified
    assert any(ch.check == "issuer" and ch.status == "failed" for ch in inward.checks)


def test_the_wallet_page_imports_and_lists(c: Container, site: str) -> None:
    from tests.integration.web_forms import signed_in

    from microcred.web.api.app import create_app

    _people(c)
    _hosted(site)
    web, csrf = signed_in(create_app(c), "acme", LEARNER, PASSWORD)
    r = web.post(
        "/learn/imports",
        data={"csrf": csrf, "url": f"{site}/assertion.json"},
        files={"file": ("", b"")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = web.get("/learn").text
    assert "First aid (2019)" in page and "Open Badges 2.0, hosted" in page and "Verified" in page
    bad = web.post("/learn/imports", data={"csrf": csrf, "url": "http://10.1.2.3/x"})
    assert bad.status_code in (400, 403, 422, 502) and "Traceback" not in bad.text
    forged = web.post("/learn/imports", data={"csrf": "0" * 32, "url": f"{site}/assertion.json"})
    assert forged.status_code == 403
