"""The public pages over HTTP: the verify form's three inputs, the download, the e-mail check, the
organisation and achievement pages, and hostile input (never a 500, never a fetch)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_api import ACHIEVEMENT, _issue, _register

HTML = {"Accept": "text/html"}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def _verify(client: TestClient, **fields: str) -> tuple[int, str]:
    r = client.post("/verify", data=fields, headers=HTML)
    return r.status_code, r.text


def test_download_upload_url_and_email_check(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    cid = issued["id"]
    download = client.get(f"/credentials/{cid}.json", headers=HTML)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert download.headers["content-disposition"].endswith('.json"')
    assert download.json() == issued["credential"]
    # content negotiation at the credential's own URL is unchanged
    assert client.get(f"/credentials/{cid}").json() == issued["credential"]
    assert "text/html" in client.get(f"/credentials/{cid}", headers=HTML).headers["content-type"]

    r = client.post(
        "/verify",
        files={"file": ("c.json", download.content, "application/json")},
        headers=HTML,
    )
    assert r.status_code == 200 and 'data-verdict="verified"' in r.text
    assert 'id="summary"' in r.text

    status, page = _verify(client, url=f"https://issuer.test/credentials/{cid}")
    assert status == 200 and 'data-verdict="verified"' in page
    status, page = _verify(client, credential=f"https://issuer.test/credentials/{cid}.json")
    assert status == 200 and 'data-verdict="verified"' in page

    for email, match in (
        ("  LEA@example.org ", "yes"),
        ("someone@example.org", "no"),
        ("not an address", "unknown"),
    ):
        r = client.post(f"/credentials/{cid}/email", data={"email": email}, headers=HTML)
        assert r.status_code == 200 and f'data-match="{match}"' in r.text, email
    assert (
        "Yes, this credential was issued to lea@example.org"
        in client.post(
            f"/credentials/{cid}/email", data={"email": "lea@example.org"}, headers=HTML
        ).text
    )
    status, page = _verify(
        client, credential=json.dumps(issued["credential"]), email="lea@example.org"
    )
    assert 'data-match="yes"' in page

    # a tampered copy whose hash matches still proves nothing
    tampered = json.loads(json.dumps(issued["credential"]))
    tampered["credentialSubject"]["achievement"]["name"] = "Forged"
    status, page = _verify(client, credential=json.dumps(tampered), email="lea@example.org")
    assert 'data-verdict="not-verified"' in page and 'data-match="no"' in page
    assert "proves nothing" in page


def test_revoked_credential_shows_date_but_not_the_reason(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    r = client.post(
        f"/api/v1/credentials/{issued['id']}/status",
        json={"action": "revoke", "reason": "private: misconduct case 42"},
        headers=auth,
    )
    assert r.status_code == 200
    page = client.get(f"/credentials/{issued['id']}", headers=HTML).text
    assert 'data-status="revoked"' in page and "<time" in page.split('id="status-note"')[1]
    assert "misconduct" not in page
    status, result = _verify(client, credential=json.dumps(issued["credential"]))
    assert 'data-status="revoked"' in result and "misconduct" not in result


def test_organisation_and_achievement_pages(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    achievement_url = issued["credential"]["credentialSubject"]["achievement"]["id"]
    path = achievement_url.removeprefix("https://issuer.test")
    page = client.get(path, headers=HTML)
    assert page.status_code == 200 and "Incident Response" in page.text
    assert "http://data.europa.eu/esco/skill/" in page.text and "lea@example.org" not in page.text
    as_json = client.get(path).json()
    assert as_json["id"] == achievement_url and as_json["type"] == ["Achievement"]
    assert as_json == issued["credential"]["credentialSubject"]["achievement"]
    org = client.get("/orgs/acme", headers=HTML)
    assert org.status_code == 200 and path in org.text and "lea@" not in org.text
    assert client.get("/orgs/acme").json()["achievements"][0]["id"] == achievement_url
    # unknown ones: an HTML page for browsers, JSON for the API
    for missing in ("/orgs/nobody", "/orgs/acme/achievements/nothing", f"/orgs/nobody{path[10:]}"):
        r = client.get(missing, headers=HTML)
        assert r.status_code == 404 and "text/html" in r.headers["content-type"], missing
        assert client.get(missing).json()["error"] == "not_found"


def test_hostile_input_gets_a_clear_answer(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    # another host: refused without any fetch
    status, page = _verify(client, url="https://evil.example/credentials/x")
    assert status == 422 and "Only this server" in page
    status, page = _verify(client, url="https://issuer.test/orgs/acme/did.json")
    assert status == 422 and "Only this server" in page
    status, page = _verify(client, url="ftp://issuer.test/credentials/x")
    assert status == 422 and "not a web address" in page
    status, page = _verify(client, url="javascript:alert(1)")
    assert status == 422 and "not a web address" in page and "alert(1)" not in page
    status, page = _verify(client, url="https://issuer.test/credentials/nope")
    assert status == 404 and "No such credential" in page
    # a binary file, an empty one, a non-UTF-8 one (a PNG is read as a baked badge: see
    # test_baked_badges.py)
    for content, words in (
        (b"GIF89a\x01\x00\x01\x00\x00\x00", "not text"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"", "Paste a credential"),
    ):
        r = client.post("/verify", files={"file": ("x.bin", content)}, headers=HTML)
        assert r.status_code == 422 and words in r.text, content
    # oversized: refused before parsing
    r = client.post(
        "/verify", files={"file": ("big.json", b"{" + b" " * 2_000_000 + b"}")}, headers=HTML
    )
    assert r.status_code == 413
    # ... as a page in the site's layout for a browser (no JavaScript needed), JSON for the API
    assert "text/html" in r.headers["content-type"] and 'data-error="413"' in r.text
    assert "larger than" in r.text and 'class="site-nav"' in r.text
    big = b"{" + b" " * 2_000_000 + b"}"
    r = client.post("/verify", content=big, headers={**HTML, "Content-Type": "text/plain"})
    assert r.status_code == 413 and 'data-error="413"' in r.text
    r = client.post("/api/v1/verify", content=big, headers={**HTML, "Content-Type": "text/plain"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    r = client.post("/verify", content=big, headers={"Content-Type": "text/plain"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    r = client.post("/verify", content=b"x", headers={**HTML, "Content-Length": "lots"})
    assert r.status_code == 400 and 'data-error="400"' in r.text
    # a malformed e-mail or none at all
    r = client.post(f"/credentials/{issued['id']}/email", data={"email": "x" * 5000}, headers=HTML)
    assert r.status_code == 200 and 'data-match="unknown"' in r.text
    r = client.post(f"/credentials/{issued['id']}/email", data={}, headers=HTML)
    assert r.status_code == 200 and 'data-match="unknown"' in r.text
    assert (
        client.post("/credentials/nope/email", data={"email": "a@b.c"}, headers=HTML).status_code
        == 404
    )
    assert client.get("/credentials/nope.json", headers=HTML).status_code == 404
    assert client.get(f"/credentials/{issued['id']}.jwt").status_code == 404


def test_suspended_then_reinstated_credential(client: TestClient) -> None:
    auth = _register(client, "acme")
    aid = client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "status_purpose": "suspension"}, headers=auth
    ).json()["id"]
    issued = client.post(
        "/api/v1/credentials",
        json={"achievement_id": aid, "recipient": {"email": "lea@example.org"}},
        headers=auth,
    ).json()
    path = f"/credentials/{issued['id']}"
    for action in ("suspend", "reinstate"):
        r = client.post(
            f"/api/v1/credentials/{issued['id']}/status",
            json={"action": action, "reason": "checking"},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        page = client.get(path, headers=HTML).text
        if action == "suspend":
            assert 'data-status="suspended"' in page and "may be lifted" in page
        else:
            assert 'id="status-note"' not in page and 'data-verdict="verified"' in page
