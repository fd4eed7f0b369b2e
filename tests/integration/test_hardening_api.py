"""Hardening over both databases: cache and transport headers, image sources on pages, who may
see assessment settings, and achievement definitions that could never be issued."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.integration.test_api import ACHIEVEMENT, PASSWORD, _register

from microcred.bootstrap import Container
from microcred.web.api.app import create_app
from microcred.web.pages.session import COOKIE

PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://issuer.test", raise_server_exceptions=False
    ) as c:
        yield c


def _user(client: TestClient, admin: dict[str, str], email: str, role: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": email, "name": role, "role": role, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/auth/token", json={"organisation": "acme", "email": email, "password": PASSWORD}
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _achievement(client: TestClient, auth: dict[str, str], **extra: object) -> str:
    r = client.post("/api/v1/achievements", json={**ACHIEVEMENT, **extra}, headers=auth)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_authenticated_responses_are_not_stored_and_https_is_strict(client: TestClient) -> None:
    admin = _register(client, "acme")
    for r in (
        client.get("/api/v1/achievements", headers=admin),
        client.get("/api/v1/users", headers=admin),
        client.get("/learn", cookies={COOKIE: admin["Authorization"].split()[1]}),
    ):
        assert r.status_code == 200
        assert r.headers["cache-control"] == "no-store"
    public = client.get("/healthz")
    assert "no-store" not in public.headers.get("cache-control", "")
    assert public.headers["strict-transport-security"].startswith("max-age=")


def test_no_hsts_over_plain_http(container: Container) -> None:
    container.settings.public_base_url = "http://127.0.0.1:8000"
    with TestClient(create_app(container)) as plain:
        assert "strict-transport-security" not in plain.get("/healthz").headers


def test_pages_show_only_images_they_carry(client: TestClient) -> None:
    admin = _register(client, "acme")
    shown = {}
    for image in ("https://tracker.example/pixel.png", PNG):
        aid = _achievement(client, admin, image={"id": image})
        r = client.post(
            "/api/v1/credentials",
            headers=admin,
            json={"achievement_id": aid, "recipient": {"email": "lea@example.org"}},
        )
        assert r.status_code == 201, r.text
        page = client.get(f"/credentials/{r.json()['id']}", headers={"Accept": "text/html"})
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "img-src 'self' data:;" in csp and "https:" not in csp
        shown[image] = f'src="{image}"' in page.text
    assert shown == {"https://tracker.example/pixel.png": False, PNG: True}


def test_learners_cannot_open_assessment_settings(client: TestClient) -> None:
    admin = _register(client, "acme")
    aid = _achievement(client, admin)
    learner = _user(client, admin, "lea@acme.test", "learner")
    viewer = _user(client, admin, "hr@acme.test", "employer_viewer")
    reviewer = _user(client, admin, "rob@acme.test", "reviewer")
    for auth in (learner, viewer):
        for path in (
            f"/api/v1/achievements/{aid}/code-assignment",
            f"/api/v1/achievements/{aid}/trust",
        ):
            r = client.get(path, headers=auth)
            assert r.status_code == 403, (path, r.text)
            assert "may not see assessment settings" in r.json()["message"]
        page = client.get(
            "/instructor",
            cookies={COOKIE: auth["Authorization"].split()[1]},
            headers={"Accept": "text/html"},
        )
        assert page.status_code == 403 and "may not see assessment settings" in page.text
    for auth in (admin, reviewer):  # no code assignment or rubric yet: 404, not 403
        r = client.get(f"/api/v1/achievements/{aid}/code-assignment", headers=auth)
        assert r.status_code == 404, r.text
        page = client.get("/instructor", cookies={COOKIE: auth["Authorization"].split()[1]})
        assert page.status_code == 200


@pytest.mark.parametrize(
    "image",
    [
        "https://example.org/a badge.png",
        'https://example.org/"<>.png',
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_an_image_that_would_break_issuance_is_refused_when_defined(
    client: TestClient, image: str
) -> None:
    admin = _register(client, "acme")
    r = client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "image": {"id": image}}, headers=admin
    )
    assert r.status_code == 422, r.text
    assert "could not be issued" in r.json()["message"] and "image" in r.json()["message"]
    good = _achievement(client, admin)
    r = client.put(
        f"/api/v1/achievements/{good}", json={**ACHIEVEMENT, "image": {"id": image}}, headers=admin
    )
    assert r.status_code == 422, r.text
    assert "could not be issued" in r.json()["message"]
    assert client.get("/api/v1/achievements", headers=admin).json()[0].get("image") is None
