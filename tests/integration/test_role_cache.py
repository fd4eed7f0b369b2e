"""The role set kept in memory between requests (`RoleCache`): the heatmap and the role list
answer from it, and any change to the roles — through this process or another one on the same
database — is seen on the next request. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.conftest import FrozenClock
from tests.integration.skills_world import PY, SQL, Org, make_org

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.services.skills import RoleInput
from microcred.skills.gaps import Population
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def acme(container: Container, client: TestClient) -> Org:
    return make_org(container, client, "acme")


def _rows(acme: Org, c: Container) -> dict[str, tuple[str, ...]]:
    """Role name → the skills its heatmap row shows, as ``c`` computes it."""
    found = c.skills.analysis.roles_heatmap(acme.admin, None, Population.ORGANISATION)
    names = {r: found.names[r] for r in found.value.rows}
    return {
        names[r]: tuple(sorted(x.skill_id for x in found.value.cells if x.row == r))
        for r in found.value.rows
    }


def test_the_role_set_is_read_once_and_again_after_each_change(
    acme: Org, container: Container, settings: Settings, clock: FrozenClock
) -> None:
    cache = container.skills.roles._cache  # the one RoleCache both services share
    assert container.skills.analysis._role_sets is cache
    acme.role("Analyst", [(SQL, 2)])
    assert _rows(acme, container) == {"Analyst": (SQL,)}
    reads = cache.reads
    for _ in range(3):  # unchanged: no further read, the same heatmap object
        first = container.skills.analysis.roles_heatmap(acme.admin).value
        assert container.skills.analysis.roles_heatmap(acme.admin).value is first
    roles, total = container.skills.roles.list(acme.admin, 0, 50)
    assert total == 1 and [r.name for r in roles] == ["Analyst"]
    assert cache.reads == reads

    # a change through this process is seen at once, even with the clock standing still
    engineer = acme.role("Engineer", [(PY, 3)])
    assert _rows(acme, container) == {"Analyst": (SQL,), "Engineer": (PY,)}

    # another process on the same database edits and deletes: seen on the next request
    other = build(settings, clock=clock)
    try:
        clock.advance(seconds=1)
        role = other.skills.roles.get(acme.admin, engineer)
        other.skills.roles.update(
            acme.admin,
            engineer,
            RoleInput("Engineer", role.description, (*role.requirements,), 2),
        )
        edited = other.skills.roles.get(acme.admin, engineer)
        assert edited.headcount == 2
        assert container.skills.roles.get(acme.admin, engineer).headcount == 2
        listed, _ = container.skills.roles.list(acme.admin, 0, 50)
        assert {r.name: r.headcount for r in listed}["Engineer"] == 2
        other.skills.roles.delete(acme.admin, engineer)
        assert _rows(acme, container) == {"Analyst": (SQL,)}
        assert container.skills.roles.list(acme.admin, 0, 50)[1] == 1
    finally:
        other.close()


def test_the_role_list_pages_and_bounds_as_the_repository_did(
    acme: Org, container: Container
) -> None:
    for i in range(5):
        acme.role(f"Role {i}", [(SQL, 1 + i % 3)])
    roles, total = container.skills.roles.list(acme.admin, 1, 2)
    assert total == 5 and [r.name for r in roles] == ["Role 1", "Role 2"]
    assert [r.name for r in container.skills.roles.list(acme.admin, -3, 1)[0]] == ["Role 0"]
    assert len(container.skills.roles.list(acme.admin, 0, 0)[0]) == 1  # at least one
    assert len(container.skills.roles.list(acme.admin, 0, 10_000)[0]) == 5
    assert container.skills.roles.list(acme.admin, 9, 5) == ([], 5)
