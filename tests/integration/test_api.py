"""The REST API over both databases: happy paths, tenancy isolation, and hostile input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

PASSWORD = "a long enough password"
ACHIEVEMENT = {
    "name": "Incident Response",
    "description": "Runs a blameless post-incident review.",
    "criteria": "Lead one review and publish the write-up.",
    "alignments": [
        {
            "target_name": "manage incidents",
            "target_url": "http://data.europa.eu/esco/skill/0a0b0c0d-0000-4000-8000-000000000001",
            "target_framework": "ESCO",
            "level": 3,
        }
    ],
    "effort_hours": 5,
    "validity_days": 365,
    "result_descriptions": [
        {
            "name": "Review quality",
            "levels": [{"name": "Developing"}, {"name": "Proficient"}],
            "required_level": "Proficient",
        }
    ],
    "tags": ["operations"],
}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


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
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _issue(client: TestClient, auth: dict[str, str], **extra: object) -> dict:
    r = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=auth)
    assert r.status_code == 201, r.text
    body = {"achievement_id": r.json()["id"], "recipient": {"email": "lea@example.org"}, **extra}
    r = client.post("/api/v1/credentials", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_issue_fetch_verify_revoke_over_http(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    public = client.get(f"/credentials/{issued['id']}")
    assert public.status_code == 200 and public.json() == issued["credential"]
    status_url = issued["credential"]["credentialStatus"]["statusListCredential"]
    assert client.get("/status/" + status_url.rsplit("/", 1)[1]).status_code == 200
    r = client.post("/api/v1/verify", json=issued["credential"])
    assert r.status_code == 200 and r.json()["verified"] is True, r.json()
    assert {c["check"] for c in r.json()["checks"]} >= {
        "context",
        "schema",
        "proof",
        "issuer",
        "validity",
        "status",
    }
    r = client.post(
        f"/api/v1/credentials/{issued['id']}/status",
        json={"action": "revoke", "reason": "left the programme"},
        headers=auth,
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    r = client.post("/api/v1/verify", json={"verifiableCredential": issued["credential"]})
    assert r.json()["verified"] is False
    status = next(c for c in r.json()["checks"] if c["check"] == "status")
    assert status == {
        "check": "status",
        "status": "failed",
        "message": "The issuer has revoked this credential.",
    }


def test_jwt_credentials_are_served_and_verified(client: TestClient) -> None:
    auth = _register(client, "jwtorg")
    issued = _issue(client, auth, suite="vc-jwt-eddsa")
    token = client.get(f"/credentials/{issued['id']}")
    assert token.headers["content-type"].startswith("application/vc+jwt")
    r = client.post(
        "/api/v1/verify", content=token.text, headers={"Content-Type": "application/vc+jwt"}
    )
    assert r.json()["verified"] is True, r.json()


def test_did_documents_are_served(client: TestClient) -> None:
    _register(client, "webco")
    doc = client.get("/orgs/webco/did.json").json()
    assert doc["id"] == "did:web:issuer.test:orgs:webco"
    assert doc["verificationMethod"][0]["type"] == "Multikey"
    assert client.get("/orgs/nobody/did.json").status_code == 404


def test_openapi_is_published(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/credentials" in spec["paths"] and "/api/v1/verify" in spec["paths"]
    assert client.get("/docs").status_code == 200


def test_organisation_a_cannot_read_or_change_b_through_any_endpoint(client: TestClient) -> None:
    a = _register(client, "org-a")
    b = _register(client, "org-b")
    issued = _issue(client, a)
    achievement_id = issued["achievement_id"]
    credential_id = issued["id"]
    attempts = [
        ("GET", f"/api/v1/achievements/{achievement_id}", None),
        ("PUT", f"/api/v1/achievements/{achievement_id}", ACHIEVEMENT),
        ("GET", f"/api/v1/credentials/{credential_id}", None),
        ("GET", f"/api/v1/credentials/{credential_id}/history", None),
        (
            "POST",
            f"/api/v1/credentials/{credential_id}/status",
            {"action": "revoke", "reason": "hostile"},
        ),
        (
            "POST",
            "/api/v1/credentials",
            {"achievement_id": achievement_id, "recipient": {"email": "x@y.test"}},
        ),
    ]
    for method, path, body in attempts:
        r = client.request(method, path, json=body, headers=b)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
    for path in ("/api/v1/achievements", "/api/v1/credentials", "/api/v1/users"):
        listing = client.get(path, headers=b).json()
        assert all(item.get("id") not in (achievement_id, credential_id) for item in listing)
        assert "admin@org-a.test" not in json.dumps(listing)
    tokens = client.get("/api/v1/users", headers=a).json()
    assert [u["email"] for u in tokens] == ["admin@org-a.test"]
    # nothing of A changed
    again = client.get(f"/api/v1/credentials/{credential_id}", headers=a).json()
    assert again["status"] == "active"
    assert (
        client.get(f"/api/v1/achievements/{achievement_id}", headers=a).json()["name"]
        == ACHIEVEMENT["name"]
    )


def test_authentication_is_required_and_checked(client: TestClient) -> None:
    auth = _register(client, "authco")
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer mc_" + "x" * 43},
    ):
        r = client.get("/api/v1/credentials", headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "unauthenticated"
    r = client.post(
        "/api/v1/auth/token",
        json={"organisation": "authco", "email": "admin@authco.test", "password": "wrong!!"},
    )
    assert r.status_code == 401
    r = client.post("/api/v1/tokens", json={"name": "ci"}, headers=auth)
    token = r.json()
    assert (
        client.get(
            "/api/v1/credentials", headers={"Authorization": f"Bearer {token['token']}"}
        ).status_code
        == 200
    )
    assert client.delete(f"/api/v1/tokens/{token['id']}", headers=auth).status_code == 204
    assert (
        client.get(
            "/api/v1/credentials", headers={"Authorization": f"Bearer {token['token']}"}
        ).status_code
        == 401
    )


def _deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    ("path", "body", "content_type", "status"),
    [
        (
            "/api/v1/verify",
            '{"@context": ["https://www.w3.org/ns/credentials/v2"',
            "application/json",
            422,
        ),
        ("/api/v1/verify", "[1, 2, 3]", "application/json", 422),
        ("/api/v1/verify", _deep(10_000), "application/json", 413),
        ("/api/v1/verify", '{"a": ' * 5000 + "1" + "}" * 5000, "application/json", 413),
        ("/api/v1/verify", "x" * 10_000_001, "application/json", 413),
        ("/api/v1/verify", "\xff\xfe", "application/json", 422),
        ("/api/v1/verify", "not.a.jwt.at.all", "application/vc+jwt", 200),
        ("/api/v1/organisations", '{"slug": 5}', "application/json", 422),
        ("/api/v1/organisations", _deep(10_000), "application/json", 413),
        (
            "/api/v1/auth/token",
            '{"organisation": "x", "email": "a@b.c", "password": "x", "extra": 1}',
            "application/json",
            422,
        ),
        ("/api/v1/auth/token", "NaN", "application/json", 422),
    ],
)
def test_malformed_and_hostile_input_gets_a_clear_4xx(
    client: TestClient, path: str, body: str, content_type: str, status: int
) -> None:
    r = client.post(
        path,
        content=body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body,
        headers={"Content-Type": content_type},
    )
    assert r.status_code == status, r.text[:300]
    data = r.json()
    if status != 200:
        assert data["error"] and data["message"] and "Traceback" not in r.text
    else:
        assert data["verified"] is False


def test_hostile_credentials_fail_named_checks(client: TestClient) -> None:
    auth = _register(client, "hostile")
    good = _issue(client, auth)["credential"]

    def checks_of(doc: object) -> dict[str, str]:
        r = client.post("/api/v1/verify", json=doc)
        assert r.status_code == 200, r.text
        return {c["check"]: c["status"] for c in r.json()["checks"]}

    remote = json.loads(json.dumps(good))
    remote["@context"].append("https://evil.example/context.jsonld")
    assert checks_of(remote)["context"] == "failed"
    wrong_type = json.loads(json.dumps(good))
    wrong_type["validFrom"] = 12345
    assert checks_of(wrong_type)["schema"] == "failed"
    wrong_key = json.loads(json.dumps(good))
    wrong_key["proof"]["verificationMethod"] = (
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#"
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    )
    assert checks_of(wrong_key)["proof"] == "failed"
    undefined = json.loads(json.dumps(good))
    undefined["credentialSubject"]["achievement"]["secretLevel"] = "expert"
    r = client.post("/api/v1/verify", json=undefined)
    context = next(c for c in r.json()["checks"] if c["check"] == "context")
    assert context["status"] == "failed" and "secretLevel" in context["message"]
    assert "credentialSubject.achievement" in context["message"]
    assert r.json()["verified"] is False
    no_proof = {k: v for k, v in good.items() if k != "proof"}
    assert checks_of(no_proof)["proof"] == "failed"
    garbage_proof = json.loads(json.dumps(good))
    garbage_proof["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofValue": "z" + "1" * 150,
        "proofPurpose": "assertionMethod",
        "verificationMethod": "did:key:zzzz",
    }
    assert checks_of(garbage_proof)["proof"] == "failed"


def test_issuing_with_bad_input_is_refused_cleanly(client: TestClient) -> None:
    auth = _register(client, "badin")
    r = client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, "achievement_type": "Nonsense"}, headers=auth
    )
    assert r.status_code == 422 and "achievement type" in r.json()["message"]
    r = client.post(
        "/api/v1/achievements",
        json={
            **ACHIEVEMENT,
            "alignments": [{"target_name": "x", "target_url": "javascript:alert(1)"}],
        },
        headers=auth,
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/credentials",
        json={"achievement_id": "nope", "recipient": {"email": "a@b.test"}},
        headers=auth,
    )
    assert r.status_code == 404
    aid = client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=auth).json()["id"]
    for recipient in ({}, {"email": "a@b.test", "did": "did:example:1"}, {"did": "not a did"}):
        r = client.post(
            "/api/v1/credentials",
            json={"achievement_id": aid, "recipient": recipient},
            headers=auth,
        )
        assert r.status_code == 422, (recipient, r.text)
    r = client.post(
        "/api/v1/credentials",
        json={"achievement_id": aid, "recipient": {"email": "a@b.test"}, "suite": "rot13"},
        headers=auth,
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/credentials/unknown/status",
        json={"action": "explode", "reason": "x"},
        headers=auth,
    )
    assert r.status_code == 422
    assert client.get("/api/v1/credentials", headers=auth).json() == []
