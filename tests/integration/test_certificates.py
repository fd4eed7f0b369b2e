"""PDF certificates over HTTP, on SQLite and PostgreSQL: both paper sizes open in poppler at
the right size, the QR code decodes (zxing-cpp) to the credential's public URL, the attached
credential (read by pypdf) verifies with microcred's verifier and fails once tampered, a
revoked credential's certificate says so, unknown ids and papers get clear errors, and nothing
of the recipient's address or another organisation is printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.certificate_pdf import (
    PAGE_POINTS,
    attachments,
    page_points,
    qr_texts,
    rasterise,
    text_of,
)

from microcred.bootstrap import Container
from microcred.web.api.app import create_app

from .test_api import ACHIEVEMENT, PASSWORD, _issue, _register

HTML = {"Accept": "text/html"}
ACHIEVEMENT_SUSPENDABLE = {**ACHIEVEMENT, "status_purpose": "suspension"}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _verified(client: TestClient, document: object) -> bool:
    r = client.post("/api/v1/verify", json=document)
    assert r.status_code == 200, r.text
    return bool(r.json()["verified"])


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_certificate_opens_scans_and_carries_the_credential(
    client: TestClient, paper: str, tmp_path: Path
) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    cid = issued["id"]
    page = client.get(f"/credentials/{cid}", headers=HTML).text
    assert f'href="/credentials/{cid}/certificate.pdf"' in page
    assert f'href="/credentials/{cid}/certificate.pdf?paper=letter"' in page

    r = client.get(f"/credentials/{cid}/certificate.pdf", params={"paper": paper})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == (
        f'attachment; filename="incident-response-{cid}.pdf"'
    )
    pdf = r.content
    assert pdf.startswith(b"%PDF-")
    assert page_points(pdf) == PAGE_POINTS[paper]
    image = rasterise(pdf, tmp_path)
    expected_px = tuple(round(p * 150 / 72) for p in PAGE_POINTS[paper])
    assert all(abs(a - b) <= 2 for a, b in zip(image.size, expected_px, strict=True))
    if Path("var").is_dir():  # for a person to look at
        image.save(Path("var") / f"certificate-{paper}.png")
    assert qr_texts(image) == [f"https://issuer.test/credentials/{cid}"]

    (attached,) = attachments(pdf)
    assert attached.name == "credential.json"
    assert attached.mime_type == "application/vc+ld+json"
    assert "Incident Response" in attached.description
    credential = json.loads(attached.data)
    assert credential == issued["credential"]
    assert _verified(client, credential)
    credential["credentialSubject"]["achievement"]["name"] = "Forged Response"
    assert not _verified(client, credential)

    words = text_of(pdf, tmp_path)
    assert "Incident Response" in words and "ACME" in words
    assert "Issued to the holder of this credential" in words
    assert "Issued 1 November 2026" in words and "valid until 1 November 2027" in words
    assert "manage incidents" in words
    assert f"https://issuer.test/credentials/{cid}" in words
    assert "REVOKED" not in words
    # the credential names its holder by a salted hash: the address is printed nowhere
    assert "lea@example.org" not in words and b"lea@example.org" not in attached.data
    # the same credential gives the same bytes
    assert client.get(f"/credentials/{cid}/certificate.pdf", params={"paper": paper}).content == pdf


def test_a_revoked_credentials_certificate_carries_a_banner(
    client: TestClient, tmp_path: Path
) -> None:
    auth = _register(client, "acme")
    issued = _issue(client, auth)
    cid = issued["id"]
    before = client.get(f"/credentials/{cid}/certificate.pdf").content
    r = client.post(
        f"/api/v1/credentials/{cid}/status",
        json={"action": "revoke", "reason": "left the programme"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    r = client.get(f"/credentials/{cid}/certificate.pdf")
    assert r.status_code == 200
    words = text_of(r.content, tmp_path)
    assert "REVOKED" in words and "no longer stands" in words
    assert "left the programme" not in words  # the issuer's reason stays private
    assert r.content != before
    (attached,) = attachments(r.content)
    assert not _verified(client, json.loads(attached.data))  # the status list says revoked


def test_a_suspended_credentials_certificate_says_so(client: TestClient, tmp_path: Path) -> None:
    auth = _register(client, "acme")
    r = client.post("/api/v1/achievements", json=ACHIEVEMENT_SUSPENDABLE, headers=auth)
    assert r.status_code == 201, r.text
    body = {"achievement_id": r.json()["id"], "recipient": {"email": "lea@example.org"}}
    cid = client.post("/api/v1/credentials", json=body, headers=auth).json()["id"]
    r = client.post(
        f"/api/v1/credentials/{cid}/status",
        json={"action": "suspend", "reason": "under review"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    words = text_of(client.get(f"/credentials/{cid}/certificate.pdf").content, tmp_path)
    assert "SUSPENDED" in words and "does not stand for now" in words
    assert "REVOKED" not in words and "under review" not in words


def test_errors_are_pages_not_pdfs(client: TestClient) -> None:
    r = client.get("/credentials/no-such-id/certificate.pdf", headers=HTML)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "No such credential." in r.text
    issued = _issue(client, _register(client, "acme"))
    r = client.get(f"/credentials/{issued['id']}/certificate.pdf?paper=legal", headers=HTML)
    assert r.status_code == 422 and "paper=a4 or paper=letter" in r.text
    r = client.get(f"/credentials/{issued['id']}/certificate.pdf?paper=LETTER")
    assert r.status_code == 200 and page_points(r.content) == PAGE_POINTS["letter"]


def test_another_organisations_data_never_appears(client: TestClient, tmp_path: Path) -> None:
    acme = _register(client, "acme")
    beta = _register(client, "beta")
    mine = _issue(client, acme)
    _issue(client, beta)
    pdf = client.get(f"/credentials/{mine['id']}/certificate.pdf").content
    words = text_of(pdf, tmp_path)
    assert "ACME" in words and "BETA" not in words
    (attached,) = attachments(pdf)
    assert json.loads(attached.data) == mine["credential"]


def test_a_jwt_credential_attaches_the_token(client: TestClient) -> None:
    auth = _register(client, "jwtorg")
    issued = _issue(client, auth, suite="vc-jwt-eddsa")
    token = client.get(f"/credentials/{issued['id']}.jwt").text
    r = client.get(f"/credentials/{issued['id']}/certificate.pdf")
    assert r.status_code == 200
    (attached,) = attachments(r.content)
    assert attached.name == "credential.jwt" and attached.mime_type == "application/vc+jwt"
    assert attached.data.decode() == token
    assert _verified(client, {"verifiableCredential": token})


def test_an_issuer_name_the_font_cannot_print_gets_a_clear_page(client: TestClient) -> None:
    r = client.post(
        "/api/v1/organisations",
        json={
            "slug": "tokyo",
            "name": "東京アカデミー",
            "admin_email": "admin@tokyo.test",
            "admin_password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/v1/auth/token",
        json={"organisation": "tokyo", "email": "admin@tokyo.test", "password": PASSWORD},
    )
    issued = _issue(client, {"Authorization": f"Bearer {r.json()['token']}"})
    r = client.get(f"/credentials/{issued['id']}/certificate.pdf", headers=HTML)
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "cannot print the issuer&#39;s name" in r.text and "東 (U+6771)" in r.text
    assert "Download the credential or its badge instead" in r.text
    assert client.get(f"/credentials/{issued['id']}.json").status_code == 200
