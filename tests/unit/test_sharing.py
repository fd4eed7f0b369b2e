"""LinkedIn's "Add to profile" link and the Open Graph card, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from microcred.web.pages.sharing import ShareRecord, linkedin_add_url, open_graph

ISSUED = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
UNTIL = datetime(2027, 11, 30, 23, 59, tzinfo=UTC)


def _record(**changes: object) -> ShareRecord:
    base: dict[str, object] = {
        "credential_id": "c-1",
        "credential_url": "https://issuer.example/credentials/c-1",
        "achievement_name": "Incident Response",
        "organisation_name": "Acme",
        "issued_at": ISSUED,
        "valid_until": UNTIL,
    }
    return ShareRecord(**(base | changes))  # type: ignore[arg-type]


def _params(url: str) -> list[tuple[str, str]]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert not parts.fragment
    return parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)


def test_linkedin_link_names_every_field_in_order() -> None:
    assert _params(linkedin_add_url(_record())) == [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", "Incident Response"),
        ("organizationName", "Acme"),
        ("issueYear", "2026"),
        ("issueMonth", "3"),
        ("expirationYear", "2027"),
        ("expirationMonth", "11"),
        ("certUrl", "https://issuer.example/credentials/c-1"),
        ("certId", "c-1"),
    ]


def test_linkedin_link_encodes_ampersand_hash_and_non_ascii() -> None:
    url = linkedin_add_url(
        _record(achievement_name="R&D #1: Überblick — 日本語", organisation_name="A&B #co")
    )
    query = urlsplit(url).query
    assert "&" not in query.split("&name=")[1].split("&organizationName=")[0]
    assert "#" not in url and " " not in url and url.isascii()
    params = dict(_params(url))
    assert params["name"] == "R&D #1: Überblick — 日本語"
    assert params["organizationName"] == "A&B #co"


def test_linkedin_link_without_expiry_has_no_expiration_fields() -> None:
    params = dict(_params(linkedin_add_url(_record(valid_until=None))))
    assert "expirationYear" not in params and "expirationMonth" not in params
    assert params["issueMonth"] == "3"


def test_control_characters_and_long_names_are_flattened() -> None:
    params = dict(_params(linkedin_add_url(_record(achievement_name="a\nb\t\x00c" + "x" * 500))))
    assert params["name"].startswith("a b c") and len(params["name"]) == 200
    assert dict(_params(linkedin_add_url(_record(achievement_name=" \n"))))["name"] == (
        "Micro-credential"
    )


def test_open_graph_without_png_has_no_image() -> None:
    meta = open_graph(_record(), image_url=None, revoked=False)
    assert meta["og:title"] == "Incident Response"
    assert meta["og:description"].startswith("Awarded by Acme on 9 March 2026.")
    assert meta["og:url"] == "https://issuer.example/credentials/c-1"
    assert meta["twitter:card"] == "summary"
    assert "og:image" not in meta and "twitter:image" not in meta


def test_open_graph_with_png_and_revoked() -> None:
    png = "https://issuer.example/credentials/c-1/badge.png"
    meta = open_graph(_record(), image_url=png, revoked=True)
    assert meta["og:image"] == png == meta["twitter:image"]
    assert meta["og:image:type"] == "image/png"
    assert meta["og:title"] == "Incident Response (revoked)"
    assert meta["twitter:card"] == "summary_large_image"
