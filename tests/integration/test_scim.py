"""SCIM 2.0 provisioning on SQLite and PostgreSQL: users and filters, tenancy (one
organisation's token never reaches another's people), deprovisioning that ends sessions and
keeps credentials valid, Groups as teams with managers, PATCH path filters and ETags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.scim_world import (
    ENTERPRISE,
    GROUP,
    PASSWORD,
    is_scim_error,
    login,
    patch,
    register,
    scim_token,
    user,
)
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.web.api.app import create_app


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as found:
        yield found


def _make(client: TestClient, h: dict[str, str], body: dict[str, Any], kind: str = "Users") -> Any:
    r = client.post(f"/scim/v2/{kind}", json=body, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/scim+json")
    assert r.headers["ETag"] == r.json()["meta"]["version"]
    assert r.headers["Location"] == r.json()["meta"]["location"]
    return r.json()


def _find(client: TestClient, h: dict[str, str], text: str, **params: Any) -> list[str]:
    r = client.get("/scim/v2/Users", params={"filter": text, **params}, headers=h)
    assert r.status_code == 200, r.text
    return sorted(u["userName"] for u in r.json()["Resources"])


def test_users_are_created_read_filtered_and_paged(client: TestClient) -> None:
    h = scim_token(client, register(client, "acme"))
    _make(
        client,
        h,
        user("Ada@acme.example", "ada@acme.example", externalId="E-1", displayName="Ada L"),
    )
    _make(client, h, user("bob", "bob@corp.example", externalId="e-2", active=False))
    _make(client, h, user("carol", "carol@acme.example", displayName="Carol K"))
    assert _find(client, h, 'userName eq "ada@ACME.example"') == ["Ada@acme.example"]
    assert _find(client, h, 'externalId eq "e-1"') == []  # externalId is case-exact
    assert _find(client, h, 'externalId eq "E-1"') == ["Ada@acme.example"]
    assert _find(client, h, 'emails.value co "acme"') == ["Ada@acme.example", "carol"]
    assert _find(client, h, 'emails[value ew "corp.example"]') == ["bob"]
    assert _find(client, h, "active eq false") == ["bob"]
    assert _find(client, h, 'displayName sw "car"') == ["carol"]
    assert _find(client, h, "externalId pr") == ["Ada@acme.example", "bob"]
    assert _find(client, h, 'userName ne "bob" and not (displayName sw "Ada")') == ["carol"]
    assert _find(client, h, 'userName eq "bob" or emails co "carol"') == ["bob", "carol"]
    page = client.get(
        "/scim/v2/Users", params={"startIndex": 2, "count": 1, "sortBy": "userName"}, headers=h
    ).json()
    assert page["totalResults"] == 3 and page["startIndex"] == 2 and page["itemsPerPage"] == 1
    assert [u["userName"] for u in page["Resources"]] == ["bob"]
    only = client.get("/scim/v2/Users", params={"count": 0}, headers=h).json()
    assert only["totalResults"] == 3 and only["Resources"] == []
    picked = client.get("/scim/v2/Users", params={"attributes": "userName"}, headers=h).json()
    assert all("emails" not in u and "userName" in u for u in picked["Resources"])
    searched = client.post(
        "/scim/v2/Users/.search",
        json={"filter": 'userName sw "c"', "startIndex": 1, "count": 10},
        headers=h,
    ).json()
    assert [u["userName"] for u in searched["Resources"]] == ["carol"]


def test_one_organisations_token_never_reaches_another(
    client: TestClient, container: Container
) -> None:
    a = scim_token(client, register(client, "acme"))
    b = scim_token(client, register(client, "globex"))
    theirs = _make(client, b, user("gina", "gina@globex.example"))
    group = _make(client, b, {"schemas": [GROUP], "displayName": "Ops"}, "Groups")
    assert client.get("/scim/v2/Users", headers=a).json()["totalResults"] == 0
    assert _find(client, a, 'userName eq "gina"') == []
    for kind, rid in (("Users", theirs["id"]), ("Groups", group["id"])):
        is_scim_error(client.get(f"/scim/v2/{kind}/{rid}", headers=a), 404)
        is_scim_error(client.delete(f"/scim/v2/{kind}/{rid}", headers=a), 404)
        body = patch({"op": "replace", "path": "externalId", "value": "x"})
        is_scim_error(client.patch(f"/scim/v2/{kind}/{rid}", json=body, headers=a), 404)
    is_scim_error(client.put(f"/scim/v2/Users/{theirs['id']}", json=user("g2"), headers=a), 404)
    # a group of org A cannot take org B's person as a member
    body = {"schemas": [GROUP], "displayName": "Steal", "members": [{"value": theirs["id"]}]}
    is_scim_error(client.post("/scim/v2/Groups", json=body, headers=a), 400, "invalidValue")
    # the same e-mail in org A is a new person of org A, not globex's
    mine = _make(client, a, user("gina", "gina@globex.example"))
    assert mine["id"] != theirs["id"]
    globex, acme = _org(container, "globex"), _org(container, "acme")
    with container.uow() as uow:
        gina = uow.tenant(globex).users.get(theirs["id"])
        assert gina is not None and gina.active
        assert uow.tenant(acme).users.get(theirs["id"]) is None


def _org(container: Container, slug: str) -> str:
    with container.uow() as uow:
        found = uow.organisations.by_slug(slug)
    assert found is not None
    return found.id


def test_deprovisioning_ends_sessions_and_keeps_credentials(
    client: TestClient, container: Container
) -> None:
    admin = register(client, "acme")
    h = scim_token(client, admin)
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "lea@acme.example", "name": "Lea", "role": "learner", "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    lea_id = r.json()["id"]
    r = client.post(
        "/api/v1/achievements",
        json={"name": "K8s", "description": "Deploys.", "criteria": "Deploy it."},
        headers=admin,
    )
    body = {"achievement_id": r.json()["id"], "recipient": {"email": "lea@acme.example"}}
    issued = client.post("/api/v1/credentials", json=body, headers=admin)
    assert issued.status_code == 201, issued.text
    lea = login(client, "acme", "lea@acme.example")
    web, _ = signed_in(client.app, "acme", "lea@acme.example", PASSWORD)
    assert client.get("/api/v1/organisations/me", headers=lea).status_code == 200
    # the identity provider takes over the existing account (same e-mail)
    made = _make(client, h, user("lea@acme.example", "lea@acme.example", displayName="Lea M"))
    assert made["id"] == lea_id
    body = patch({"op": "replace", "value": {"active": False}})
    r = client.patch(f"/scim/v2/Users/{lea_id}", json=body, headers=h)
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    assert client.get("/api/v1/organisations/me", headers=lea).status_code == 401
    page = web.get("/learn", follow_redirects=False)
    assert page.status_code in (302, 303) and "/login" in page.headers["location"]
    r = client.post(
        "/api/v1/auth/token",
        json={"organisation": "acme", "email": "lea@acme.example", "password": PASSWORD},
    )
    assert r.status_code in (401, 403), r.text
    cred = client.get(f"/api/v1/credentials/{issued.json()['id']}", headers=admin).json()
    assert cred["status"] == "active"
    events = client.get("/api/v1/security-events", headers=admin).json()
    assert any("deactivated by SCIM provisioning" in e["detail"] for e in events)
    # reactivated, then deleted: deactivated again, gone from SCIM, account and credential kept
    body = patch({"op": "replace", "path": "active", "value": True})
    assert client.patch(f"/scim/v2/Users/{lea_id}", json=body, headers=h).json()["active"]
    login(client, "acme", "lea@acme.example")
    assert client.delete(f"/scim/v2/Users/{lea_id}", headers=h).status_code == 204
    is_scim_error(client.get(f"/scim/v2/Users/{lea_id}", headers=h), 404)
    acme = _org(container, "acme")
    with container.uow() as uow:
        kept = uow.tenant(acme).users.get(lea_id)
    assert kept is not None and not kept.active
    cred = client.get(f"/api/v1/credentials/{issued.json()['id']}", headers=admin).json()
    assert cred["status"] == "active"


def _team(container: Container, org: str, user_id: str) -> str | None:
    with container.uow() as uow:
        return uow.tenant(org).skills.placement(user_id).team


def test_groups_become_teams_with_managers(client: TestClient, container: Container) -> None:
    admin = register(client, "acme")
    h = scim_token(client, admin)
    org = _org(container, "acme")
    u1 = _make(client, h, user("u1", "u1@acme.example"))["id"]
    u2 = _make(client, h, user("u2", "u2@acme.example"))["id"]
    boss = _make(client, h, user("boss", "boss@acme.example"))["id"]
    body = user("u1", "u1@acme.example", **{ENTERPRISE: {"manager": {"value": boss}}})
    body["schemas"] = [*body["schemas"], ENTERPRISE]
    r = client.put(f"/scim/v2/Users/{u1}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()[ENTERPRISE]["manager"]["value"] == boss
    people = {u["id"]: u["role"] for u in client.get("/api/v1/users", headers=admin).json()}
    assert people[boss] == "employer_viewer" and people[u1] == "learner"
    members = [{"value": u1}, {"value": u2}]
    group = _make(
        client, h, {"schemas": [GROUP], "displayName": "Platform", "members": members}, "Groups"
    )
    assert _team(container, org, u1) == _team(container, org, u2) == "Platform"
    boss_auth = _boss_auth(client, container, org, boss)
    teams = client.get("/api/v1/teams", headers=boss_auth)
    assert teams.status_code == 200, teams.text
    assert {"Platform": 2}.items() <= {t["team"]: t["size"] for t in teams.json()}.items()
    gid = group["id"]
    body = patch({"op": "remove", "path": f'members[value eq "{u2}"]'})
    r = client.patch(f"/scim/v2/Groups/{gid}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert [m["value"] for m in r.json()["members"]] == [u1]
    assert _team(container, org, u2) is None
    body = patch(
        {"op": "replace", "path": "displayName", "value": "Platform Eng"},
        {"op": "add", "path": "members", "value": [{"value": u2}]},
    )
    r = client.patch(f"/scim/v2/Groups/{gid}", json=body, headers=h)
    assert r.status_code == 200, r.text
    assert _team(container, org, u1) == _team(container, org, u2) == "Platform Eng"
    found = client.get(
        "/scim/v2/Groups", params={"filter": f'members.value eq "{u2}"'}, headers=h
    ).json()
    assert [g["id"] for g in found["Resources"]] == [gid]
    assert client.delete(f"/scim/v2/Users/{u2}", headers=h).status_code == 204
    left = client.get(f"/scim/v2/Groups/{gid}", headers=h).json()
    assert [m["value"] for m in left["members"]] == [u1]
    assert client.delete(f"/scim/v2/Groups/{gid}", headers=h).status_code == 204
    assert _team(container, org, u1) is None


def _boss_auth(client: TestClient, container: Container, org: str, boss: str) -> dict[str, str]:
    """Give the provisioned manager a password (as an admin reset would) and sign them in."""
    from microcred.crypto.passwords import hash_password

    with container.uow() as uow:
        scope = uow.tenant(org)
        person = scope.users.get(boss)
        assert person is not None
        person.password_hash = hash_password(PASSWORD)
        scope.users.update(person)
        uow.commit()
    return login(client, "acme", "boss@acme.example")


def test_patch_path_filters_and_etags(client: TestClient, container: Container) -> None:
    h = scim_token(client, register(client, "acme"))
    made = _make(client, h, user("ada", "ada@acme.example"))
    uid, v1 = made["id"], made["meta"]["version"]
    body = patch(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "ada@new.example"}
    )
    stale = {**h, "If-Match": 'W/"99"'}
    is_scim_error(client.patch(f"/scim/v2/Users/{uid}", json=body, headers=stale), 412)
    is_scim_error(client.put(f"/scim/v2/Users/{uid}", json=user("x"), headers=stale), 412)
    is_scim_error(client.delete(f"/scim/v2/Users/{uid}", headers=stale), 412)
    assert client.get(f"/scim/v2/Users/{uid}", headers=h).json()["meta"]["version"] == v1
    r = client.patch(f"/scim/v2/Users/{uid}", json=body, headers={**h, "If-Match": v1})
    assert r.status_code == 200, r.text
    assert r.json()["emails"][0]["value"] == "ada@new.example"
    assert r.json()["meta"]["version"] != v1 and r.headers["ETag"] == r.json()["meta"]["version"]
    acme = _org(container, "acme")
    with container.uow() as uow:
        person = uow.tenant(acme).users.get(uid)
    assert person is not None and person.email == "ada@new.example"
    unchanged = client.get(
        f"/scim/v2/Users/{uid}", headers={**h, "If-None-Match": r.headers["ETag"]}
    )
    assert unchanged.status_code == 304
    body = patch(
        {"op": "remove", "path": "emails"}, {"op": "add", "path": "nickName", "value": "A"}
    )
    r = client.patch(f"/scim/v2/Users/{uid}", json=body, headers=h)
    assert r.status_code == 200 and "emails" not in r.json() and r.json()["nickName"] == "A"


def test_entra_style_manager_patch_and_okta_style_bodies(
    client: TestClient, container: Container
) -> None:
    admin = register(client, "acme")
    h = scim_token(client, admin)
    boss = _make(client, h, user("boss", "boss@acme.example"))["id"]
    # Okta sends no $ref; Entra patches the manager as a bare id with an "Add" operation
    body = user("u1", "u1@acme.example", **{ENTERPRISE: {"manager": {"value": "nobody"}}})
    body["schemas"] = [*body["schemas"], ENTERPRISE]
    is_scim_error(client.post("/scim/v2/Users", json=body, headers=h), 400, "invalidValue")
    uid = _make(client, h, user("u1", "u1@acme.example"))["id"]
    op = {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss}
    r = client.patch(f"/scim/v2/Users/{uid}", json=patch(op), headers=h)
    assert r.status_code == 200, r.text
    assert r.json()[ENTERPRISE]["manager"]["value"] == boss
    people = {u["id"]: u["role"] for u in client.get("/api/v1/users", headers=admin).json()}
    assert people[boss] == "employer_viewer"
    nested = {"schemas": [GROUP], "displayName": "G", "members": [{"value": uid, "type": "Group"}]}
    is_scim_error(client.post("/scim/v2/Groups", json=nested, headers=h), 400, "invalidValue")
