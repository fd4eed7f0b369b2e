"""SCIM refusals on SQLite and PostgreSQL: malformed JSON, bodies that break the schema,
oversized and deeply nested bodies, unknown or hostile filters, wrong or absent tokens,
conflicts and half-bad PATCHes. Each is a SCIM ``Error`` and leaves nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.scim_world import (
    GROUP,
    USER,
    is_scim_error,
    patch,
    register,
    scim_token,
    user,
)

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def world(container: Container) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        admin = register(client, "acme")
        yield client, admin, scim_token(client, admin)


def _state(client: TestClient, h: dict[str, str], admin: dict[str, str]) -> tuple[Any, ...]:
    users = client.get("/scim/v2/Users", headers=h).json()
    groups = client.get("/scim/v2/Groups", headers=h).json()
    people = client.get("/api/v1/users", headers=admin).json()
    return (
        sorted((u["id"], u["meta"]["version"]) for u in users["Resources"]),
        sorted((g["id"], g["meta"]["version"]) for g in groups["Resources"]),
        sorted((p["id"], p["email"], p["active"], p["role"]) for p in people),
    )


BAD_BODIES: list[tuple[str, bytes, int, str]] = [
    ("malformed JSON", b'{"userName": "x",', 400, "invalidSyntax"),
    ("not an object", b'["userName"]', 400, "invalidSyntax"),
    ("empty", b"", 400, "invalidSyntax"),
    ("repeated key", b'{"userName": "a", "userName": "b"}', 400, "invalidSyntax"),
    ("userName a number", b'{"schemas": ["%s"], "userName": 5}' % USER.encode(), 400, ""),
    ("no userName", b'{"schemas": ["%s"], "displayName": "x"}' % USER.encode(), 400, ""),
    (
        "unknown attribute",
        b'{"schemas": ["%s"], "userName": "x", "bogus": 1}' % USER.encode(),
        400,
        "",
    ),
    ("wrong schema", b'{"schemas": ["urn:x:y"], "userName": "x"}', 400, ""),
    (
        "emails not a list",
        b'{"schemas": ["%s"], "userName": "x", "emails": "a@b.example"}' % USER.encode(),
        400,
        "",
    ),
    (
        "bad e-mail",
        b'{"schemas": ["%s"], "userName": "x", "emails": [{"value": "nope"}]}' % USER.encode(),
        400,
        "",
    ),
    (
        "userName too long",
        b'{"schemas": ["%s"], "userName": "%s"}' % (USER.encode(), b"x" * 400),
        400,
        "invalidValue",
    ),
    (
        "deep nesting",
        b'{"schemas": ["%s"], "userName": "x", "name": %s1%s}'
        % (USER.encode(), b'{"a":' * 40, b"}" * 40),
        413,
        "",
    ),
    ("NaN", b'{"schemas": ["%s"], "userName": NaN}' % USER.encode(), 400, "invalidSyntax"),
]


def test_bad_bodies_are_scim_errors_and_write_nothing(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, admin, h = world
    made = client.post("/scim/v2/Users", json=user("ada", "ada@acme.example"), headers=h).json()
    before = _state(client, h, admin)
    for what, body, status, scim_type in BAD_BODIES:
        r = client.post("/scim/v2/Users", content=body, headers=h)
        is_scim_error(r, status, scim_type or None)
        r = client.put(f"/scim/v2/Users/{made['id']}", content=body, headers=h)
        is_scim_error(r, status)
        assert _state(client, h, admin) == before, what


def test_oversized_bodies_are_refused_before_parsing(
    world: tuple[TestClient, dict[str, str], dict[str, str]], container: Container
) -> None:
    client, admin, h = world
    before = _state(client, h, admin)
    huge = b'{"userName": "' + b"x" * (container.settings.max_body_bytes + 10) + b'"}'
    is_scim_error(client.post("/scim/v2/Users", content=huge, headers=h), 413)
    assert _state(client, h, admin) == before


BAD_FILTERS = [
    'password eq "x"',  # not filterable (and never stored)
    'title eq "x"',  # an attribute no column holds
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "x"',
    'emails[type eq "work"]',  # only value inside brackets
    'userName eq "x" or',  # syntax
    'userName eq "x"; DROP TABLE users',
    "userName eq x",  # unquoted
    "userName gt 5",
    'active eq "true"',
    'active co "t"',
    " or ".join(['userName eq "a"'] * 60),  # too many terms
    'userName eq "' + "x" * 2100 + '"',  # too long
]


def test_bad_filters_are_invalid_filter(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, _, h = world
    for text in BAD_FILTERS:
        r = client.get("/scim/v2/Users", params={"filter": text}, headers=h)
        is_scim_error(r, 400, "invalidFilter")
        r = client.post("/scim/v2/Groups/.search", json={"filter": text}, headers=h)
        assert r.status_code == 400, text


def test_filter_values_never_reach_the_sql(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, _, h = world
    for name in ("a%b", "a_b", "plain", 'quote"d', "back\\slash"):
        assert client.post("/scim/v2/Users", json=user(name), headers=h).status_code == 201

    def found(text: str) -> list[str]:
        r = client.get("/scim/v2/Users", params={"filter": text}, headers=h)
        assert r.status_code == 200, r.text
        return sorted(u["userName"] for u in r.json()["Resources"])

    assert found('userName co "%"') == ["a%b"]
    assert found('userName co "_"') == ["a_b"]
    assert found('userName sw "a_"') == ["a_b"]
    assert found('userName eq "x\\" or userName pr or userName eq \\"y"') == []
    assert found('userName eq "quote\\"d"') == ['quote"d']
    assert found('userName ew "\\\\slash"') == ["back\\slash"]
    assert found('userName eq "\' OR 1=1 --"') == []


WRONG_AUTH: list[str | None] = [
    None,
    "Basic YWRtaW46YWRtaW4=",
    "Bearer ",
    "Bearer nonsense",
    "Bearer mcscim.",
    "Bearer mcscim.00000000-0000-0000-0000-000000000000.abc",
    "Bearer " + "mcscim." + "x" * 300,
]


def test_wrong_or_absent_tokens_are_401(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, admin, h = world
    for auth in WRONG_AUTH:
        headers = {"Content-Type": "application/scim+json"}
        if auth is not None:
            headers["Authorization"] = auth
        for path in ("/scim/v2/Users", "/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas"):
            is_scim_error(client.get(path, headers=headers), 401)
        r = client.post("/scim/v2/Users", json=user("mallory"), headers=headers)
        is_scim_error(r, 401)
    assert client.get("/scim/v2/Users", headers=h).json()["totalResults"] == 0


def test_a_right_organisation_with_a_wrong_secret_and_a_revoked_token_are_401(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, admin, h = world
    token = h["Authorization"].removeprefix("Bearer ")
    forged = token[: token.rindex(".") + 1] + "A" * 43
    is_scim_error(client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {forged}"}), 401)
    # an API token of the admin is no SCIM token, and a SCIM token is no API token
    is_scim_error(client.get("/scim/v2/Users", headers=admin), 401)
    assert client.get("/api/v1/users", headers=h).status_code == 401
    newer = scim_token(client, admin)  # replaces the first
    is_scim_error(client.get("/scim/v2/Users", headers=h), 401)
    assert client.get("/scim/v2/Users", headers=newer).status_code == 200
    assert client.delete("/api/v1/scim/token", headers=admin).status_code == 204
    is_scim_error(client.get("/scim/v2/Users", headers=newer), 401)


def test_conflicts_and_half_bad_patches_write_nothing(
    world: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, admin, h = world
    ada = client.post("/scim/v2/Users", json=user("ada", "ada@acme.example"), headers=h).json()
    client.post("/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "Ops"}, headers=h)
    before = _state(client, h, admin)
    is_scim_error(client.post("/scim/v2/Users", json=user("ADA"), headers=h), 409, "uniqueness")
    r = client.post("/scim/v2/Users", json=user("other", "ada@acme.example"), headers=h)
    is_scim_error(r, 409, "uniqueness")
    r = client.post("/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "ops"}, headers=h)
    is_scim_error(r, 409, "uniqueness")
    body = {"schemas": [GROUP], "displayName": "New", "members": [{"value": "no-such-user"}]}
    is_scim_error(client.post("/scim/v2/Groups", json=body, headers=h), 400, "invalidValue")
    body = {"schemas": [GROUP], "displayName": "x" * 101}
    is_scim_error(client.post("/scim/v2/Groups", json=body, headers=h), 400, "invalidValue")
    uid = ada["id"]
    half = patch(
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "replace", "path": "userName", "value": 7},
    )
    is_scim_error(client.patch(f"/scim/v2/Users/{uid}", json=half, headers=h), 400)
    for bad in (
        patch({"op": "explode", "path": "displayName", "value": "x"}),
        patch({"op": "remove", "path": "userName"}),  # required
        patch({"op": "replace", "path": "nosuch", "value": "x"}),
        patch({"op": "replace", "path": 'emails[type eq "home"].value', "value": "a@b.example"}),
        patch({"op": "add", "path": "emails[", "value": "x"}),
        {"Operations": "no"},
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]},
    ):
        r = client.patch(f"/scim/v2/Users/{uid}", json=bad, headers=h)
        is_scim_error(r, r.status_code)
        assert r.status_code == 400, (bad, r.text)
    assert _state(client, h, admin) == before
    is_scim_error(client.get("/scim/v2/Users", params={"count": "ten"}, headers=h), 400)
    is_scim_error(client.get("/scim/v2/Users", params={"sortBy": "password"}, headers=h), 400)
    is_scim_error(client.get("/scim/v2/Users/" + "x" * 5000, headers=h), 404)
    is_scim_error(client.get("/scim/v2/Nope", headers=h), 404)
    is_scim_error(client.delete("/scim/v2/ServiceProviderConfig", headers=h), 405)
    is_scim_error(client.post("/scim/v2/.search", json={}, headers=h), 501)
