"""The skill picker without JavaScript: Enter (the form's default button, ``op=enter``) just after
typing a skill query not searched yet searches and saves nothing; once that query was searched,
or with no query, Enter saves. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.skills_world import PASSWORD, make_org
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def test_enter_after_a_new_skill_query_searches_and_saves_nothing(
    container: Container, client: TestClient
) -> None:
    org = make_org(container, client, "acme")
    web, csrf = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)
    form = {"csrf": csrf, "name": "Charts", "criteria": "Build one.", "op": "enter"}

    r = web.post("/admin/achievements/new", data={**form, "skill_q": "data visualisation"})
    assert r.status_code == 200 and 'id="skill-matches"' in r.text
    assert 'value="Charts"' in r.text  # what was typed stays
    assert 'name="searched_q" value="data visualisation"' in r.text
    assert "autofocus" in r.text  # the focus returns to the search box
    assert container.achievements.list(org.admin, limit=10) == []

    # the same query again (already searched): Enter saves
    searched = {**form, "skill_q": "data visualisation", "searched_q": "data visualisation"}
    r = web.post("/admin/achievements/new", data=searched, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/achievements?saved=")
    # no query at all: Enter saves
    r = web.post("/admin/achievements/new", data={**form, "name": "Two"}, follow_redirects=False)
    assert r.status_code == 303
    names = sorted(a.name for a in container.achievements.list(org.admin, limit=10))
    assert names == ["Charts", "Two"]
