"""Open Badges 2.0 assertions checked against the 1EdTech validator's own test resources
(tests/vectors/ob20, Apache-2.0): the signed ones are RS256 JWS made by 1EdTech's tooling."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.vectors import vector

from microcred.credentials.ob2 import is_ob2, jws_payload, verify_ob2
from microcred.domain.verification import CheckStatus
from microcred.errors import MicrocredError, NotFound

NOW = datetime(2026, 12, 4, tzinfo=UTC)
EMAIL = "nobody@example.org"  # sha256("nobody@example.org" + "deadsea") is the vectors' recipient


def _doc(name: str) -> dict[str, Any]:
    return json.loads(vector(f"ob20/{name}").read_text())


def _web() -> dict[str, dict[str, Any]]:
    """The vectors' example.org documents, by the URLs they name themselves."""
    names = [
        "key1.json",
        "key2.json",
        "key3.json",
        "robotics-badge.json",
        "organization.json",
        "badge-from-organization-with-revocation-list.json",
        "badge-from-organization-with-empty-revocation-list.json",
        "organization-with-revocation-list.json",
        "organization-with-empty-revocation-list.json",
        "revocation-list.json",
        "empty-revocation-list.json",
        "basic-assertion.json",
    ]
    return {_doc(n)["id"]: _doc(n) for n in names}


def _fetch(web: dict[str, dict[str, Any]]):
    def fetch(url: str) -> dict[str, Any]:
        if url not in web:
            raise NotFound(f"{url} was not found (404).")
        return web[url]

    return fetch


def _statuses(report) -> dict[str, CheckStatus]:
    return {c.check: c.status for c in report.checks}


def test_a_signed_assertion_verifies_and_a_revoked_one_does_not() -> None:
    web = _web()
    token = vector("ob20/simple.jwt").read_text().strip()
    assert jws_payload(token)["verification"]["type"] == "signed"
    report = verify_ob2(token, _fetch(web), NOW, EMAIL)
    assert report.verified, report.checks
    assert report.method == "signed" and report.badge["name"] == "Awesome Robotics Badge"

    not_revoked = verify_ob2(
        vector("ob20/simple-not-revoked.jwt").read_text().strip(), _fetch(web), NOW, EMAIL
    )
    assert not_revoked.verified, not_revoked.checks
    revoked = verify_ob2(
        vector("ob20/simple-revoked.jwt").read_text().strip(), _fetch(web), NOW, EMAIL
    )
    statuses = _statuses(revoked)
    assert statuses["signature"] is CheckStatus.PASSED
    assert statuses["revocation"] is CheckStatus.FAILED and not revoked.verified
    assert "A good reason, for sure" in next(
        c.message for c in revoked.checks if c.check == "revocation"
    )


def test_a_changed_signed_assertion_or_someone_elses_fails() -> None:
    web = _web()
    token = vector("ob20/simple.jwt").read_text().strip()
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    assert (
        _statuses(verify_ob2(f"{header}.{payload}.{flipped}", _fetch(web), NOW, EMAIL))["signature"]
        is CheckStatus.FAILED
    )
    someone_else = verify_ob2(token, _fetch(web), NOW, "beth@example.org")
    assert _statuses(someone_else)["recipient"] is CheckStatus.FAILED
    # the key is not listed by the issuer the badge names
    web["https://example.org/organization.json"] = dict(
        web["https://example.org/organization.json"], publicKey="http://example.org/key2.json"
    )
    assert _statuses(verify_ob2(token, _fetch(web), NOW, EMAIL))["signature"] is CheckStatus.FAILED


def test_a_hosted_assertion_is_fetched_again_and_compared() -> None:
    web = _web()
    assertion = _doc("basic-assertion.json")
    assert is_ob2(assertion)
    report = verify_ob2(assertion, _fetch(web), NOW, EMAIL)
    assert report.verified, report.checks
    assert _statuses(report)["hosted"] is CheckStatus.PASSED
    changed = dict(assertion, issuedOn="2015-01-01T00:00:00Z")
    assert _statuses(verify_ob2(changed, _fetch(web), NOW, EMAIL))["hosted"] is CheckStatus.FAILED
    web[assertion["id"]] = dict(assertion, revoked=True, revocationReason="Cheated")
    gone = verify_ob2(web[assertion["id"]], _fetch(web), NOW, EMAIL)
    assert _statuses(gone)["revocation"] is CheckStatus.FAILED and not gone.verified
    del web[assertion["id"]]
    missing = verify_ob2(assertion, _fetch(web), NOW, EMAIL)
    assert _statuses(missing)["hosted"] is CheckStatus.FAILED


def test_dates_are_checked() -> None:
    web = _web()
    for name, words in (
        ("basic-assertion-expired.json", "Expired"),
        ("basic-assertion-in-future.json", "future"),
    ):
        assertion = _doc(name)
        web[assertion["id"]] = assertion
        report = verify_ob2(assertion, _fetch(web), NOW, EMAIL)
        check = next(c for c in report.checks if c.check == "validity")
        assert check.status is CheckStatus.FAILED and words in check.message


@pytest.mark.parametrize(
    "presented",
    [
        {},
        {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"},
        {"type": "Assertion", "badge": 7, "id": 1},
        "not.a.jws",
        "a" * 600_000,
        "eyJhbGciOiJub25lIn0.eyJ0eXBlIjoiQXNzZXJ0aW9uIn0.",
    ],
)
def test_malformed_input_fails_the_format_check_without_fetching(presented: Any) -> None:
    def refuse(url: str) -> dict[str, Any]:
        raise MicrocredError(f"no fetch expected: {url}")

    report = verify_ob2(presented, refuse, NOW, EMAIL)
    assert not report.verified
    assert report.checks[0].check == "format" and report.checks[0].status is CheckStatus.FAILED
