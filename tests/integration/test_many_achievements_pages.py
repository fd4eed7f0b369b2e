"""Pages of an organisation with more micro-credentials than one page of the repository holds
(200): the pathway builder finds any of them by name and stays small, and the issue form, the
pathway list and the learner's pages name and accept the 231st as they do the first."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_admin_pages import _browser
from .test_api import _register

_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
MANY = 230


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _achievement(client: TestClient, auth: dict[str, str], name: str) -> str:
    body = {"name": name, "description": name, "criteria": "Do the work."}
    r = client.post("/api/v1/achievements", headers=auth, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_the_builder_and_forms_reach_every_micro_credential(client: TestClient) -> None:
    auth = _register(client, "acme")
    first = [_achievement(client, auth, f"Skill {i:03d}") for i in range(MANY)]
    capstone = _achievement(client, auth, "Zeta Capstone")  # the 231st: past the first 200
    theirs = _achievement(client, _register(client, "globex"), "Their Zeta")
    admin, csrf = _browser(client, "acme", "admin@acme.test")

    page = admin.get("/admin/pathways")
    assert page.status_code == 200
    assert page.text.count('name="add_embed"') == 20  # a page of results, not all 231
    assert len(page.text) < 100_000, len(page.text)

    form = {"csrf": csrf, "name": "Zeta track", "rule": "all"}
    found = admin.post("/admin/pathways", data={**form, "op": "search", "pw_q": "ZETA"})
    assert found.status_code == 200
    assert f'value="{capstone}"' in found.text and theirs not in found.text
    assert 'value="Zeta track"' in found.text  # what was typed is kept

    # Enter after typing a new query searches instead of creating the pathway
    entered = admin.post("/admin/pathways", data={**form, "op": "enter", "pw_q": "Skill 007"})
    assert entered.status_code == 200 and entered.text.count('name="add_embed"') == 1
    assert "Pathway created" not in entered.text

    picked = {**form, "achievement_id": capstone, "embed": [first[1], first[2]]}
    shown = admin.post("/admin/pathways", data={**picked, "add_embed": first[3]})
    assert shown.status_code == 200
    assert shown.text.count('name="embed"') == 3 and 'id="target-name">Zeta Capstone<' in shown.text
    dropped = admin.post("/admin/pathways", data={**picked, "remove_embed": first[1]})
    assert dropped.text.count('name="embed"') == 1

    # another organisation's micro-credential cannot be picked, nor anything unknown
    for hostile in ({"add_embed": theirs}, {"set_target": theirs}, {"add_embed": "x" * 60}):
        r = admin.post("/admin/pathways", data={**picked, **hostile})
        assert r.status_code == 404 and "Traceback" not in r.text
    too_many = {**form, "embed": first[:51]}
    r = admin.post("/admin/pathways", data={**too_many, "op": "search"})
    assert r.status_code == 422 and "at most 50" in r.text

    made = admin.post(
        "/admin/pathways",
        data={**picked, "op": "save", f"pre_{first[2]}": first[1]},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    listed = admin.get("/admin/pathways").text
    assert "Earns Zeta Capstone with all of: Skill 001, Skill 002" in listed
    assert "Skill 002 needs first: Skill 001" in listed

    # the issue form finds and accepts the 231st micro-credential
    issue = admin.get("/admin/credentials?find=zeta").text
    assert f'<option value="{capstone}"' in issue and theirs not in issue
    assert admin.get("/admin/credentials").text.count("<option value=") == 50
    r = admin.post(
        "/admin/credentials",
        data={"csrf": csrf, "achievement_id": capstone, "email": "lea@acme.test"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "Zeta Capstone" in admin.get(r.headers["location"]).text
    assert "Zeta Capstone" in admin.get("/admin/credentials").text
    r = admin.post(
        "/admin/credentials",
        data={"csrf": csrf, "achievement_id": theirs, "email": "lea@acme.test"},
    )
    assert r.status_code == 422 and "Choose one of your micro-credentials" in r.text
    assert admin.get(f"/admin/credentials?find={'x' * 5000}").status_code == 200
