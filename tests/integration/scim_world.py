"""Helpers for the SCIM tests: organisations with SCIM tokens on one test client."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "a long enough password"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def register(client: TestClient, slug: str) -> dict[str, str]:
    """A new organisation; its admin's API auth headers."""
    r = client.post(
        "/api/v1/organisations",
        json={
            "slug": slug,
            "name": slug.upper(),
            "admin_email": f"admin@{slug}.test",
            "admin_password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    return login(client, slug, f"admin@{slug}.test")


def login(client: TestClient, slug: str, email: str) -> dict[str, str]:
    """API auth headers for a user with the test password."""
    r = client.post(
        "/api/v1/auth/token", json={"organisation": slug, "email": email, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def scim_token(client: TestClient, admin: dict[str, str]) -> dict[str, str]:
    """SCIM request headers with a new token of the admin's organisation."""
    r = client.post("/api/v1/scim/token", headers=admin)
    assert r.status_code == 201, r.text
    return {
        "Authorization": f"Bearer {r.json()['token']}",
        "Content-Type": "application/scim+json",
    }


def user(name: str, email: str | None = None, **extra: Any) -> dict[str, Any]:
    """A SCIM User body."""
    body: dict[str, Any] = {"schemas": [USER], "userName": name, **extra}
    if email:
        body["emails"] = [{"value": email, "type": "work", "primary": True}]
    return body


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp body."""
    return {"schemas": [PATCH], "Operations": list(operations)}


def is_scim_error(r: Any, status: int, scim_type: str | None = None) -> None:
    """``r`` is a SCIM Error with ``status`` (and ``scimType``)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/scim+json"), r.headers
    body = r.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status), body
    assert "Traceback" not in r.text
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
