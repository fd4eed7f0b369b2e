"""The admin's people page at scale: pages of 50 by e-mail, search by e-mail or name (wildcards
taken literally), hostile page numbers and searches, and only the organisation's own people."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.domain.identity import Role, User
from microcred.errors import InvalidInput
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

PASSWORD = "correct horse battery staple"
LISTED = re.compile(r'<li data-user="([^"]+)"')


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _people(c: Container, org_id: str, emails: list[tuple[str, str]]) -> None:
    """Users straight through the repository (no password hashing: this is about listing)."""
    now = datetime.now(UTC)
    with c.uow() as uow:
        users = uow.tenant(org_id).users
        for email, name in emails:
            users.add(User(str(uuid.uuid4()), org_id, email, name, Role.LEARNER, created_at=now))
        uow.commit()


def _organisation(c: Container, slug: str) -> str:
    org, _ = c.identity.create_organisation(
        slug=slug, name=slug.title(), admin_email=f"admin@{slug}.test", admin_password=PASSWORD
    )
    return org.id


def test_people_are_paged_searched_and_kept_to_the_organisation(
    container: Container, client: TestClient
) -> None:
    acme = _organisation(container, "acme")
    globex = _organisation(container, "globex")
    _people(container, acme, [(f"p{i:03d}@acme.test", f"Person {i:03d}") for i in range(120)])
    _people(container, acme, [("odd_one%@acme.test", "Zoë 100% Literal")])
    _people(container, globex, [(f"g{i}@globex.test", "Person from Globex") for i in range(30)])
    web, _ = signed_in(client.app, "acme", "admin@acme.test", PASSWORD)

    first = web.get("/admin/people")
    assert first.status_code == 200
    shown = LISTED.findall(first.text)
    everyone = sorted([f"p{i:03d}@acme.test" for i in range(120)] + ["admin@acme.test"])
    everyone = sorted([*everyone, "odd_one%@acme.test"])
    assert shown == everyone[:50]
    assert "122 people" in first.text and "Page 1 of 3" in first.text
    assert "globex" not in first.text

    last = web.get("/admin/people?page=3")
    assert LISTED.findall(last.text) == everyone[100:]
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text

    # the search matches e-mail or name, in any case; % and _ are letters, not wildcards
    found = web.get("/admin/people", params={"q": "PERSON 11"})
    assert LISTED.findall(found.text) == [f"p{i:03d}@acme.test" for i in range(110, 120)]
    assert "10 people matching" in found.text
    assert LISTED.findall(web.get("/admin/people", params={"q": "100%"}).text) == [
        "odd_one%@acme.test"
    ]
    assert LISTED.findall(web.get("/admin/people", params={"q": "_"}).text) == [
        "odd_one%@acme.test"
    ]
    assert LISTED.findall(web.get("/admin/people", params={"q": "globex"}).text) == []

    # hostile page numbers and searches: the first page, an empty one, never a 500
    for query in ("page=abc", "page=-4", "page=0", "page=99999999999", "page=%00"):
        r = web.get(f"/admin/people?{query}")
        assert r.status_code == 200, (query, r.status_code)
    beyond = web.get("/admin/people?page=9")
    assert beyond.status_code == 200 and 'id="people-none"' in beyond.text
    long = web.get("/admin/people", params={"q": "x" * 5000})
    assert long.status_code == 200 and LISTED.findall(long.text) == []
    script = web.get("/admin/people", params={"q": "<script>alert(1)</script>"})
    assert script.status_code == 200 and "<script>alert(1)" not in script.text


def test_the_service_checks_its_bounds(container: Container) -> None:
    org = _organisation(container, "acme")
    with container.uow() as uow:
        admin = principal_of(uow.tenant(org).users.by_email("admin@acme.test"))
    for offset, limit in ((-1, 10), (0, 0), (0, 201)):
        with pytest.raises(InvalidInput):
            container.identity.find_users(admin, offset=offset, limit=limit)
    with pytest.raises(InvalidInput):
        container.identity.find_users(admin, "x" * 321)
    assert container.identity.find_users(admin) == (
        [container.identity.get_user(admin, admin.user_id)],
        1,
    )
