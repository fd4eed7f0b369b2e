"""Baked badges over HTTP: each credential's badge downloads as PNG (from the issuer's PNG) or
SVG (the issuer's SVG, its PNG wrapped, or the default badge), carries the stored credential and
verifies again on the verify page; a tampered bake fails; hostile images get a 400 with a
message; the admin form takes only real PNG, safe SVG, JPEG or WebP images."""

from __future__ import annotations

import base64
import json
import random
import struct
import zlib
from collections.abc import Iterator

import pytest
from defusedxml.ElementTree import fromstring
from fastapi.testclient import TestClient
from tests.unit.test_baking import LAUGHS, XXE, _two_chunks, tiny_png

from microcred.bootstrap import Container
from microcred.credentials import baking
from microcred.credentials.baking import png
from microcred.web.api.app import create_app

from .test_admin_pages import _browser
from .test_api import ACHIEVEMENT, _register

HTML = {"Accept": "text/html"}
SVG_IMAGE = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">'
    b'<circle cx="4" cy="4" r="4" fill="#146136"/></svg>'
)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    ) as c:
        yield c


def _issue_with(
    client: TestClient, auth: dict[str, str], image: str | None, **extra: object
) -> dict:
    achievement = {**ACHIEVEMENT, **({"image": {"id": image}} if image else {})}
    r = client.post("/api/v1/achievements", json=achievement, headers=auth)
    assert r.status_code == 201, r.text
    body = {"achievement_id": r.json()["id"], "recipient": {"email": "lea@example.org"}, **extra}
    r = client.post("/api/v1/credentials", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def _uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def _upload(client: TestClient, name: str, data: bytes, kind: str) -> tuple[int, str]:
    r = client.post("/verify", files={"file": (name, data, kind)}, headers=HTML)
    return r.status_code, r.text


def test_png_badge_round_trip_and_tampering(client: TestClient) -> None:
    auth = _register(client, "acme")
    issued = _issue_with(client, auth, _uri("image/png", tiny_png(5, 5)))
    cid = issued["id"]
    page = client.get(f"/credentials/{cid}", headers=HTML).text
    assert f'href="/credentials/{cid}/badge.png"' in page
    assert f'href="/credentials/{cid}/badge.svg"' in page

    r = client.get(f"/credentials/{cid}/badge.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].endswith('.png"')
    found = baking.extract(r.content)
    assert json.loads(found.text) == issued["credential"]  # the stored credential, whole

    status, result = _upload(client, "badge.png", r.content, "image/png")
    assert status == 200 and 'data-verdict="verified"' in result
    assert "extracted from a baked PNG badge" in result

    forged = json.loads(found.text)
    forged["credentialSubject"]["achievement"]["name"] = "Forged"
    tampered = baking.bake_png(tiny_png(5, 5), json.dumps(forged))
    status, result = _upload(client, "badge.png", tampered, "image/png")
    assert status == 200 and 'data-verdict="not-verified"' in result

    # the issuer's PNG wrapped in an SVG carries the same credential
    r = client.get(f"/credentials/{cid}/badge.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in r.headers["content-security-policy"]
    assert json.loads(baking.extract(r.content).text) == issued["credential"]


def test_the_largest_issuer_image_still_verifies_on_the_verify_page(client: TestClient) -> None:
    """A 340 KB PNG (the form takes 350 KB) is also inside the credential as a data URI, so the
    baked file carries it twice; it must still fit the verify page's upload limit."""
    width, height, noise = 200, 560, random.Random(5)
    rows = b"".join(b"\x00" + noise.randbytes(width * 3) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    image = (
        png.SIGNATURE
        + png.Chunk(b"IHDR", ihdr).encode()
        + png.Chunk(b"IDAT", zlib.compress(rows)).encode()
        + png.Chunk(b"IEND", b"").encode()
    )
    assert 300_000 < len(image) < 350_000
    auth = _register(client, "acme")
    issued = _issue_with(client, auth, _uri("image/png", image))
    badge = client.get(f"/credentials/{issued['id']}/badge.png").content
    assert len(badge) > 2 * len(image)  # pixels, and the credential's copy of them
    status, result = _upload(client, "badge.png", badge, "image/png")
    assert status == 200 and 'data-verdict="verified"' in result


def test_svg_badges_default_and_issuer_image(client: TestClient) -> None:
    auth = _register(client, "acme")
    plain = _issue_with(client, auth, None)
    cid = plain["id"]
    page = client.get(f"/credentials/{cid}", headers=HTML).text
    assert f'href="/credentials/{cid}/badge.svg"' in page and "badge.png" not in page
    r = client.get(f"/credentials/{cid}/badge.png")
    assert r.status_code == 404 and "download it as SVG" in r.text
    r = client.get(f"/credentials/{cid}/badge.svg")
    assert r.status_code == 200
    words = " ".join(fromstring(r.content).itertext())
    assert "Incident Response" in words and "manage incidents" in words and "ACME" in words
    status, result = _upload(client, "badge.svg", r.content, "image/svg+xml")
    assert status == 200 and 'data-verdict="verified"' in result
    assert "extracted from a baked SVG badge" in result

    own = _issue_with(client, auth, _uri("image/svg+xml", SVG_IMAGE))
    r = client.get(f"/credentials/{own['id']}/badge.svg")
    assert b'fill="#146136"' in r.content  # the issuer's own picture
    assert json.loads(baking.extract(r.content).text) == own["credential"]

    # an SVG with a script, stored through the API, is never served: the default badge instead
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bad = _issue_with(client, auth, _uri("image/svg+xml", hostile))
    r = client.get(f"/credentials/{bad['id']}/badge.svg")
    assert r.status_code == 200 and b"<script" not in r.content and b"MICRO-CREDENTIAL" in r.content

    # a broken PNG stored through the API: no PNG badge, the default SVG one
    broken = _issue_with(client, auth, _uri("image/png", tiny_png()[:-6]))
    r = client.get(f"/credentials/{broken['id']}/badge.png", headers=HTML)
    assert r.status_code == 404 and "no usable PNG image" in r.text
    r = client.get(f"/credentials/{broken['id']}/badge.svg")
    assert b"MICRO-CREDENTIAL" in r.content and baking.extract(r.content).text

    for url in (f"/credentials/{cid}/badge.gif", "/credentials/nope/badge.svg"):
        assert client.get(url, headers=HTML).status_code == 404


def test_jwt_credentials_bake_the_token(client: TestClient) -> None:
    auth = _register(client, "jwtorg")
    issued = _issue_with(client, auth, None, suite="vc-jwt-eddsa")
    r = client.get(f"/credentials/{issued['id']}/badge.svg")
    root = fromstring(r.content)
    token = root[0].get("verify")
    assert token is not None and token.count(".") == 2
    assert token == client.get(f"/credentials/{issued['id']}.jwt").text
    status, result = _upload(client, "badge.svg", r.content, "image/svg+xml")
    assert status == 200 and 'data-verdict="verified"' in result


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_two_chunks(), "more than one openbadgecredential chunk"),
        (tiny_png()[:-7], "truncated"),
        (tiny_png(), "carries no credential"),
        (XXE, "DTD or entities"),
        (LAUGHS, "DTD or entities"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_000_000, "larger than"),
    ],
)
def test_hostile_badges_on_the_verify_page(client: TestClient, data: bytes, message: str) -> None:
    status, page = _upload(client, "badge.png", data, "image/png")
    assert status in (400, 413), page
    assert message in page and "Traceback" not in page


def test_the_admin_form_checks_uploaded_images(client: TestClient) -> None:
    auth = _register(client, "acme")
    admin, csrf = _browser(client, "acme", "admin@acme.test")
    form = {"name": "Forklift", "criteria": "Drive safely.", "op": "save", "csrf": csrf}

    def save(name: str, data: bytes, kind: str) -> tuple[int, str]:
        r = admin.post("/admin/achievements/new", data=form, files={"image": (name, data, kind)})
        return r.status_code, r.text

    for data, kind, message in (
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>", "image/svg+xml", "event"),
        (XXE, "image/svg+xml", "DTD or entities"),
        (tiny_png()[:-6], "image/png", "truncated"),
        (b"GIF89a....", "image/png", "must be a PNG, SVG, JPEG or WebP"),  # the type lies
        (baking.bake_png(tiny_png(), "{}"), "image/png", "already carries a credential"),
        (b"\x89PNG" + b"\x00" * 360_000, "image/png", "larger than 350 KB"),
    ):
        status, page = save("badge", data, kind)
        assert status == 422 and message in page and "Traceback" not in page, message

    status, page = save("badge.svg", SVG_IMAGE, "application/octet-stream")
    assert status == 200 and "Saved." in page
    listed = client.get("/api/v1/achievements", headers=auth).json()
    stored = next(a for a in listed if a["name"] == "Forklift")["image"]["id"]
    # stored by what the bytes are, not by the type the browser claimed
    assert stored == _uri("image/svg+xml", SVG_IMAGE)
