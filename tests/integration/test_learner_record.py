"""A learner's record as a signed CLR 2.0 ClrCredential, on real SQLite and PostgreSQL: it
verifies (proof and the CLR 2.0 JSON Schema), holds each active credential whole (each still
verifies on its own), relates pathway parts to the pathway, and only its holder or staff get it."""

from __future__ import annotations

import copy
import json

import pytest

from microcred.bootstrap import Container
from microcred.credentials.schema import CLR_CREDENTIAL_SCHEMA, schema_errors
from microcred.credentials.verify import CheckStatus
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal, Role
from microcred.errors import NotFound, PermissionDenied
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of

LEARNER = "ann@acme.test"


def _world(c: Container) -> tuple[Principal, Principal, dict[str, str]]:
    _, admin_user = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    admin = principal_of(admin_user)
    learner = principal_of(c.identity.add_user(admin, email=LEARNER, name="Ann", role=Role.LEARNER))
    ids = {
        name: c.achievements.create(
            admin,
            AchievementInput(
                name=name, description=f"{name}.", criteria_narrative="Pass the practical."
            ),
        ).id
        for name in ("Safety", "Lifting", "Forklift operator", "Unrelated")
    }
    c.learning.create_pathway(
        admin,
        name="Forklift operator",
        description="",
        kind="pathway",
        achievement_id=ids["Forklift operator"],
        requirement={"all_of": [{"earn": ids["Safety"]}, {"earn": ids["Lifting"]}]},
        prerequisites={ids["Lifting"]: [ids["Safety"]]},
    )
    return admin, learner, ids


def _issue(c: Container, admin: Principal, achievement: str, suite: Suite = Suite.EDDSA_RDFC_2022):
    return c.issuance.issue(admin, IssueRequest(achievement, Recipient(email=LEARNER), suite=suite))


def _checks(c: Container, document: dict) -> dict[str, CheckStatus]:
    return {check.check: check.status for check in c.verification.verify(document).checks}


def test_the_record_verifies_holds_every_credential_and_relates_the_pathway(
    container: Container,
) -> None:
    admin, learner, ids = _world(container)
    safety = _issue(container, admin, ids["Safety"])
    lifting = _issue(container, admin, ids["Lifting"])
    revoked = _issue(container, admin, ids["Unrelated"])
    container.credentials.change_status(admin, revoked.id, StatusAction.REVOKE, "issued in error")

    record = container.records.record(learner)

    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert schema_errors(record, CLR_CREDENTIAL_SCHEMA) == []
    checks = _checks(container, record)
    assert checks["proof"] is CheckStatus.PASSED and checks["schema"] is CheckStatus.PASSED
    assert all(s is not CheckStatus.FAILED for s in checks.values()), checks
    subject = record["credentialSubject"]
    inside = {vc["id"] for vc in subject["verifiableCredential"]}
    assert inside == {safety.credential_url, lifting.credential_url}
    for vc in subject["verifiableCredential"]:
        assert _checks(container, vc)["proof"] is CheckStatus.PASSED
    urls = {
        name: vc["credentialSubject"]["achievement"]["id"]
        for vc in subject["verifiableCredential"]
        for name in ("Safety", "Lifting")
        if vc["credentialSubject"]["achievement"]["name"] == name
    }
    pathway_url = container.urls.achievement("acme", ids["Forklift operator"])
    links = {(a["associationType"], a["sourceId"], a["targetId"]) for a in subject["association"]}
    assert links == {
        ("isPartOf", urls["Safety"], pathway_url),
        ("isPartOf", urls["Lifting"], pathway_url),
        ("precedes", urls["Safety"], urls["Lifting"]),
    }
    assert [a["id"] for a in subject["achievement"]] == [pathway_url]
    assert "partial" not in record
    # the learner is identified as in their credentials: a salted hash of the e-mail only
    assert LEARNER not in json.dumps(record)
    assert subject["identifier"][0]["hashed"] is True


def test_a_changed_record_or_a_changed_credential_inside_fails(container: Container) -> None:
    admin, learner, ids = _world(container)
    _issue(container, admin, ids["Safety"])
    record = container.records.record(learner)
    renamed = copy.deepcopy(record)
    renamed["name"] = "Degree in everything"
    assert _checks(container, renamed)["proof"] is CheckStatus.FAILED
    inner = copy.deepcopy(record)
    inner["credentialSubject"]["verifiableCredential"][0]["name"] = "Forged"
    assert _checks(container, inner)["proof"] is CheckStatus.FAILED
    forged_inside = inner["credentialSubject"]["verifiableCredential"][0]
    assert _checks(container, forged_inside)["proof"] is CheckStatus.FAILED


def test_jwt_credentials_make_the_record_partial(container: Container) -> None:
    admin, learner, ids = _world(container)
    _issue(container, admin, ids["Safety"])
    _issue(container, admin, ids["Lifting"], Suite.VC_JWT_EDDSA)
    record = container.records.record(learner)
    assert record["partial"] is True
    assert len(record["credentialSubject"]["verifiableCredential"]) == 1


def test_only_the_holder_or_staff_get_a_record(container: Container) -> None:
    admin, learner, ids = _world(container)
    with pytest.raises(NotFound):
        container.records.record(learner)  # nothing earned yet
    _issue(container, admin, ids["Safety"])
    other = principal_of(
        container.identity.add_user(admin, email="bob@acme.test", name="Bob", role=Role.LEARNER)
    )
    with pytest.raises(PermissionDenied):
        container.records.record(other, LEARNER)
    assert container.records.record(admin, LEARNER)["credentialSubject"]["verifiableCredential"]
    _, foreign_admin = container.identity.create_organisation(
        slug="other",
        name="Other",
        admin_email="a@other.test",
        admin_password="a long enough password",
    )
    with pytest.raises(NotFound):
        container.records.record(principal_of(foreign_admin), LEARNER)


def test_the_wallet_page_offers_the_record_and_the_api_serves_it(container: Container) -> None:
    from tests.integration.web_forms import signed_in

    from microcred.web.api.app import create_app

    admin, _, ids = _world(container)
    container.identity.add_user(
        admin, email="cy@acme.test", name="Cy", role=Role.LEARNER, password="a long enough password"
    )
    app = create_app(container)
    web, _ = signed_in(app, "acme", "cy@acme.test", "a long enough password")
    empty = web.get("/learn/record.json")
    assert empty.status_code == 200 and "No learner record yet" in empty.text
    assert "Traceback" not in empty.text
    container.issuance.issue(admin, IssueRequest(ids["Safety"], Recipient(email="cy@acme.test")))
    assert 'href="/learn/record.json"' in web.get("/learn").text
    download = web.get("/learn/record.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert _checks(container, download.json())["proof"] is CheckStatus.PASSED
    assert web.get("/api/v1/me/record").status_code == 401  # the API wants a token, not a session
    token = container.identity.create_token_for("acme", "cy@acme.test", "record").token
    api = web.get("/api/v1/me/record", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json()["type"][1] == "ClrCredential"
    staff = container.identity.create_token_for("acme", "a@acme.test", "staff").token
    other = web.get(
        "/api/v1/records",
        params={"email": "cy@acme.test"},
        headers={"Authorization": f"Bearer {staff}"},
    )
    assert other.status_code == 200
    refused = web.get(
        "/api/v1/records",
        params={"email": "a@acme.test"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 403 and "error" in refused.json()
    malformed = web.get(
        "/api/v1/records",
        params={"email": "not an address"},
        headers={"Authorization": f"Bearer {staff}"},
    )
    assert malformed.status_code in (400, 422) and "Traceback" not in malformed.text
