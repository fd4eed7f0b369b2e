"""The issuer admin's pages over HTTP: forms without the CSRF token are refused, a learner gets
403, another organisation's ids are not found, and malformed or oversized input re-renders the
form with a clear 4xx (never a 500)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.web_forms import login_csrf

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_api import PASSWORD, _issue, _register
from .test_witnessing import _issue as _issue_direct
from .test_witnessing import world  # noqa: F401 — the fixture: an issuer and two witnesses

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _browser(client: TestClient, slug: str, email: str) -> tuple[TestClient, str]:
    """A separate signed-in browser and its form token."""
    web = TestClient(client.app, base_url="https://testserver", raise_server_exceptions=False)
    data = {"organisation": slug, "email": email, "password": PASSWORD, "csrf": login_csrf(web)}
    assert web.post("/login", data=data, follow_redirects=False).status_code == 303
    page = web.get("/admin/credentials")
    found = _CSRF.search(page.text)
    return web, found.group(1) if found else ""


def learner_get(client: TestClient, url: str) -> int:
    """The status a signed-in learner gets for ``url``."""
    web, _ = _browser(client, "acme", "lea@acme.test")
    return web.get(url).status_code


def test_admin_forms_guard_csrf_roles_tenancy_and_input(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    cid, aid = issued["id"], issued["achievement_id"]
    other = _register(client, "globex")
    theirs = _issue(client, other)
    r = client.post(
        "/api/v1/users",
        headers=auth,
        json={"email": "lea@acme.test", "name": "Lea", "role": "learner", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    admin, csrf = _browser(client, "acme", "admin@acme.test")

    assert admin.get("/admin/credentials").status_code == 200
    assert admin.get(f"/admin/credentials/{cid}").status_code == 200
    assert admin.get(f"/admin/achievements/{aid}").status_code == 200
    # another organisation's ids are not found
    assert admin.get(f"/admin/credentials/{theirs['id']}").status_code == 404
    assert admin.get(f"/admin/achievements/{theirs['achievement_id']}").status_code == 404
    revoke = {"action": "revoke", "reason": "mistake", "csrf": csrf}
    r = admin.post(f"/admin/credentials/{theirs['id']}/status", data=revoke)
    assert r.status_code == 404 and "Traceback" not in r.text
    r = admin.post(
        "/admin/credentials",
        data={"achievement_id": theirs["achievement_id"], "email": "x@y.test", "csrf": csrf},
    )
    assert r.status_code == 422 and "Choose one of your micro-credentials" in r.text

    # without the CSRF token: refused, nothing changes
    r = admin.post(f"/admin/credentials/{cid}/status", data={"action": "revoke", "reason": "x"})
    assert r.status_code == 403
    r = admin.post("/admin/achievements/new", data={"name": "N", "criteria": "C", "op": "save"})
    assert r.status_code == 403
    assert client.get(f"/api/v1/credentials/{cid}", headers=auth).json()["status"] == "active"

    # malformed and oversized input: the form again, with the message and what was typed
    r = admin.post(f"/admin/credentials/{cid}/status", data={**revoke, "action": "explode"})
    assert r.status_code == 422 and "Choose revoke, suspend or reinstate" in r.text
    r = admin.post(f"/admin/credentials/{cid}/status", data={**revoke, "reason": " "})
    assert r.status_code == 422 and "Give a reason" in r.text
    r = admin.post(
        "/admin/credentials", data={"achievement_id": aid, "email": "nope", "csrf": csrf}
    )
    assert r.status_code == 422 and 'value="nope"' in r.text
    bad = {"name": "Kept name", "criteria": "C", "effort": "lots", "op": "save", "csrf": csrf}
    r = admin.post("/admin/achievements/new", data=bad)
    assert r.status_code == 422 and "must be a number" in r.text and 'value="Kept name"' in r.text
    r = admin.post("/admin/achievements/new", data={**bad, "effort": "", "name": ""})
    assert r.status_code == 422 and "needs a name" in r.text
    r = admin.post("/admin/achievements/new", data={**bad, "description": "x" * 20_001})
    assert r.status_code == 422 and "longer than 20,000" in r.text
    r = admin.post("/admin/achievements/new", data={**bad, "skill": "not a skill"})
    assert r.status_code == 422 and "malformed" in r.text
    assert "Traceback" not in r.text

    # a learner may use none of it
    learner, _ = _browser(client, "acme", "lea@acme.test")
    for url in ("/admin/credentials", f"/admin/credentials/{cid}", "/admin/achievements"):
        assert learner.get(url).status_code == 403, url
    assert learner.post(f"/admin/credentials/{cid}/status", data=revoke).status_code == 403

    # the rubric editor: malformed rows are explained, other organisations' ids not found
    rubric = {"csrf": csrf, "rows": "1", "c0_description": "Steps", "c0_levels": "0 none"}
    r = admin.post(f"/admin/achievements/{aid}/rubric", data=rubric)
    assert r.status_code == 422 and "at least two levels" in r.text
    r = admin.post(f"/admin/achievements/{aid}/rubric", data={**rubric, "rows": "lots"})
    assert r.status_code == 422 and "malformed" in r.text
    r = admin.post(f"/admin/achievements/{theirs['achievement_id']}/rubric", data=rubric)
    assert r.status_code == 404
    assert admin.get(f"/admin/achievements/{theirs['achievement_id']}/rubric").status_code == 404
    assert (
        admin.post(f"/admin/achievements/{aid}/rubric", data={**rubric, "csrf": ""}).status_code
        == 403
    )

    # the pathway builder: another organisation's micro-credential is not found, bad rules explained
    pathway = {"csrf": csrf, "name": "P", "achievement_id": aid, "rule": "all"}
    r = admin.post("/admin/pathways", data={**pathway, "embed": theirs["achievement_id"]})
    assert r.status_code == 404 and "Traceback" not in r.text
    r = admin.post("/admin/pathways", data=pathway)
    assert r.status_code == 422 and "Choose the micro-credentials" in r.text
    r = admin.post("/admin/pathways", data={**pathway, "embed": aid, "rule": "n", "n": "x"})
    assert r.status_code == 422 and "between 1 and 1" in r.text
    assert admin.post("/admin/pathways", data={**pathway, "csrf": ""}).status_code == 403
    assert learner_get(client, "/admin/pathways") == 403

    # people, keys: CSRF, cross-org ids, learners
    users = client.get("/api/v1/users", headers=other).json()
    their_admin = users[0]["id"] if isinstance(users, list) else users["items"][0]["id"]
    role = {"op": "role", "role": "admin", "csrf": csrf}
    r = admin.post(f"/admin/people/{their_admin}", data=role)
    assert r.status_code == 404 and "Traceback" not in r.text
    assert admin.post("/admin/keys/rotate", data={}).status_code == 403
    assert (
        admin.post("/admin/people", data={"email": "a@b.test", "role": "learner"}).status_code
        == 403
    )
    r = admin.post("/admin/people", data={"email": "a@b.test", "role": "king", "csrf": csrf})
    assert r.status_code == 422 and "Choose one of the listed roles" in r.text
    r = admin.post(
        "/admin/people", data={"email": "lea@acme.test", "role": "learner", "csrf": csrf}
    )
    assert r.status_code == 409 and "already a user" in r.text
    mine = next(
        u["id"]
        for u in client.get("/api/v1/users", headers=auth).json()
        if u["email"] == "admin@acme.test"
    )
    r = admin.post(f"/admin/people/{mine}", data=role)
    assert r.status_code == 409 and "cannot change your own role" in r.text
    for url in ("/admin/people", "/admin/log"):
        assert admin.get(url).status_code == 200
        assert learner.get(url).status_code == 403, url
    assert learner.post("/admin/keys/rotate", data={"csrf": "x"}).status_code == 403

    # the happy path: revoke with a reason, shown to staff
    r = admin.post(f"/admin/credentials/{cid}/status", data=revoke, follow_redirects=False)
    assert r.status_code == 303
    page = admin.get(f"/admin/credentials/{cid}").text
    assert "mistake" in page and "revoked" in page
    assert "mistake" not in client.get(f"/credentials/{cid}", headers={"Accept": "text/html"}).text

    # a suspendable micro-credential: suspend, then reinstate; a revocation-only one offers neither
    assert 'value="suspend"' not in admin.get(f"/admin/credentials/{cid}").text
    form = {"name": "Forklift", "criteria": "Drive safely.", "status_purpose": "suspension"}
    r = admin.post("/admin/achievements/new", data={**form, "op": "save", "csrf": csrf})
    assert r.status_code == 200 and "Saved." in r.text
    fid = next(
        a["id"]
        for a in client.get("/api/v1/achievements", headers=auth).json()
        if a["name"] == "Forklift"
    )
    r = admin.post(
        "/admin/credentials", data={"achievement_id": fid, "email": "f@acme.test", "csrf": csrf}
    )
    assert r.status_code == 200 and "Issued." in r.text
    fcid = str(r.url).rsplit("/", 1)[1].split("?")[0]
    for action, status in (("suspend", "suspended"), ("reinstate", "active")):
        r = admin.post(f"/admin/credentials/{fcid}/status", data={**revoke, "action": action})
        assert r.status_code == 200 and f'id="status">{status}<' in r.text, action


def test_log_page_shows_each_witness_and_its_latest_cosignature(world) -> None:  # noqa: F811
    c, _client, _stores, p, aid, _log = world
    _issue_direct(c, p, aid, 3)
    with TestClient(
        create_app(c), base_url="https://testserver", raise_server_exceptions=False
    ) as web:
        data = {
            "organisation": "acme",
            "email": "a@acme.test",
            "password": PASSWORD,
            "csrf": login_csrf(web),
        }
        assert web.post("/login", data=data, follow_redirects=False).status_code == 303
        page = web.get("/admin/log").text
    assert 'id="log-size">3<' in page
    for name in ("w1.example", "w2.example"):
        row = page.split(f'data-witness="{name}"', 1)[1].split("</tr>", 1)[0]
        assert ">3<" in row and "<time" in row and "none yet" not in row, row
