"""The webhook API on SQLite and PostgreSQL: admins only, one organisation's webhooks invisible
to another, the secret shown once, clear errors for bad input, and a replay over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from tests.conftest import FrozenClock
from tests.integration.test_webhooks import _settings
from tests.integration.webhook_receiver import Receiver, serve

from microcred.bootstrap import Container, build
from microcred.web.api.app import create_app

PASSWORD = "a long enough password"


@pytest.fixture
def api(database_url: str) -> Iterator[tuple[TestClient, Container]]:
    c = build(_settings(database_url), clock=FrozenClock(datetime.now(UTC)))
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield client, c
    c.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def _register(client: TestClient, slug: str) -> dict[str, str]:
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
    r = client.post(
        "/api/v1/auth/token",
        json={"organisation": slug, "email": f"admin@{slug}.test", "password": PASSWORD},
    )
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _issue(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/achievements",
        json={"name": "K8s", "description": "Deploys.", "criteria": "Deploy it."},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    body = {"achievement_id": r.json()["id"], "recipient": {"email": "lea@example.org"}}
    assert client.post("/api/v1/credentials", json=body, headers=auth).status_code == 201


def test_webhooks_over_http(api: tuple[TestClient, Container], receiver: Receiver) -> None:
    client, c = api
    a, b = _register(client, "acme"), _register(client, "globex")
    r = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["credential.issued"], "description": "HR"},
        headers=a,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    secret, wid = made["secret"], made["id"]
    assert secret.startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=a).json()
    assert [w["id"] for w in listed] == [wid] and listed[0]["secret"] is None
    assert secret not in client.get(f"/api/v1/webhooks/{wid}", headers=a).text
    _issue(client, a)
    c.jobs.drain()
    Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    (d,) = client.get(f"/api/v1/webhooks/{wid}/deliveries", headers=a).json()
    assert d["state"] == "delivered" and d["event_id"] == receiver.received[0].headers["webhook-id"]
    one = client.get(f"/api/v1/webhooks/{wid}/deliveries/{d['id']}", headers=a).json()
    assert [x["status_code"] for x in one["log"]] == [200]
    r = client.post(f"/api/v1/webhooks/{wid}/deliveries/{d['id']}/replay", headers=a)
    assert r.status_code == 202, r.text
    c.jobs.drain()
    assert len(receiver.received) == 2
    # organisation B sees and touches nothing of A's
    assert client.get("/api/v1/webhooks", headers=b).json() == []
    for method, path in [
        ("GET", f"/api/v1/webhooks/{wid}"),
        ("PATCH", f"/api/v1/webhooks/{wid}"),
        ("DELETE", f"/api/v1/webhooks/{wid}"),
        ("POST", f"/api/v1/webhooks/{wid}/rotate-secret"),
        ("GET", f"/api/v1/webhooks/{wid}/deliveries"),
        ("GET", f"/api/v1/webhooks/{wid}/deliveries/{d['id']}"),
        ("POST", f"/api/v1/webhooks/{wid}/deliveries/{d['id']}/replay"),
    ]:
        r = client.request(method, path, headers=b, json={} if method == "PATCH" else None)
        assert r.status_code == 404, (method, path, r.text)
    rotated = client.post(f"/api/v1/webhooks/{wid}/rotate-secret", headers=a).json()
    assert rotated["secret"] not in (None, secret)
    r = client.patch(f"/api/v1/webhooks/{wid}", json={"active": False}, headers=a)
    assert r.json()["active"] is False and "Switched off by admin@acme.test" in r.text
    assert client.delete(f"/api/v1/webhooks/{wid}", headers=a).status_code == 204
    assert client.get(f"/api/v1/webhooks/{wid}", headers=a).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "http://10.0.0.1/h", "events": ["credential.issued"]}, 422),
        ({"url": "http://169.254.169.254/", "events": ["credential.issued"]}, 422),
        ({"url": "gopher://127.0.0.1/", "events": ["credential.issued"]}, 422),
        ({"url": "http://[::1", "events": ["credential.issued"]}, 422),
        ({"url": "http://127.0.0.1/", "events": ["credential.eaten"]}, 422),
        ({"url": "http://127.0.0.1/", "events": []}, 422),
        ({"url": "http://127.0.0.1/"}, 422),
        ({"url": "x" * 3000, "events": ["credential.issued"]}, 422),
        ({"url": "http://127.0.0.1/", "events": ["credential.issued"], "extra": 1}, 422),
    ],
)
def test_bad_input_is_a_clear_error(
    api: tuple[TestClient, Container], body: dict, code: int
) -> None:
    client, c = api
    a = _register(client, "acme")
    r = client.post("/api/v1/webhooks", json=body, headers=a)
    assert r.status_code == code, r.text
    assert "Traceback" not in r.text and r.json()["message"]
    assert client.get("/api/v1/webhooks", headers=a).json() == []


def test_only_admins_manage_webhooks(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    a = _register(client, "acme")
    r = client.post(
        "/api/v1/users",
        json={
            "email": "i@acme.test",
            "name": "I",
            "role": "issuer",
            "password": "issuer password!",
        },
        headers=a,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/auth/token",
        json={"organisation": "acme", "email": "i@acme.test", "password": "issuer password!"},
    )
    issuer = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/webhooks", headers=issuer).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 401
