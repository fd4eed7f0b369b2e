"""microcred's credentials checked by a real peer: the DCC verifier (verifier-core 1.0.0-beta.11),
offline. Valid passes, revoked is reported revoked, tampered fails."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from dcc_verifier import ensure_installed, run_dcc_verifier

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.credentials.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA
from microcred.domain.achievement import Alignment, ResultDescription, RubricLevel
from microcred.domain.credential import Evidence, Recipient, StatusAction
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    from microcred.adapters.db import migrate

    url = f"sqlite:///{tmp_path_factory.mktemp('dcc') / 'db.sqlite'}"
    migrate.upgrade(url)
    c = build(
        Settings(
            environment="test",
            database_url=url,
            kek_secrets=["dcc-test-kek-0123456789"],
            public_base_url="https://badges.example.org",
        )
    )
    yield c
    c.close()


def _schema() -> dict:
    from importlib import resources

    text = (
        resources.files("microcred.credentials")
        .joinpath("schemas", "ob_v3p0_achievementcredential_schema.json")
        .read_text()
    )
    return json.loads(text)


def test_dcc_verifier_accepts_valid_reports_revoked_and_rejects_tampered(issuer: Container) -> None:
    ensure_installed()
    _, admin = issuer.identity.create_organisation(
        slug="dcc",
        name="DCC Interop Academy",
        admin_email="admin@dcc.test",
        admin_password="a long enough password",
        url="https://academy.example.org",
    )
    p = principal_of(admin)
    achievement = issuer.achievements.create(
        p,
        AchievementInput(
            name="Data Privacy Essentials",
            description="Handles personal data lawfully.",
            criteria_narrative="Pass the case-study assessment.",
            alignments=[
                Alignment(
                    "apply data protection principles",
                    "http://data.europa.eu/esco/skill/1f4d7c35-3b5e-4f5e-9c47-6c2d2f1b7a11",
                    target_framework="ESCO",
                    target_code="S1.2",
                    level=2,
                )
            ],
            effort_hours=3,
            validity_days=365,
            result_descriptions=[
                ResultDescription(
                    "urn:uuid:2b5a4c1e-0f00-4d00-8000-000000000001",
                    "Case study",
                    levels=(RubricLevel("urn:uuid:2b5a4c1e-0f00-4d00-8000-000000000002", "Pass"),),
                )
            ],
        ),
    )
    valid = issuer.issuance.issue(
        p,
        IssueRequest(
            achievement.id,
            Recipient(email="ada@example.org"),
            [
                Evidence(
                    id="https://academy.example.org/work/1",
                    name="Case study",
                    narrative="Graded 9/10.",
                )
            ],
        ),
    )
    revoked = issuer.issuance.issue(
        p, IssueRequest(achievement.id, Recipient(did="did:example:learner-2"))
    )
    issuer.credentials.change_status(p, revoked.id, StatusAction.REVOKE, "withdrawn")
    tampered = json.loads(json.dumps(valid.document))
    tampered["credentialSubject"]["achievement"]["name"] = "Data Privacy Master"

    resources: dict[str, object] = {ACHIEVEMENT_CREDENTIAL_SCHEMA: _schema()}
    for cred in (valid, revoked):
        url = cred.document["credentialStatus"]["statusListCredential"]
        resources[url] = issuer.public.status_list(url.rsplit("/", 1)[1])

    results = run_dcc_verifier([valid.document, revoked.document, tampered], resources)
    ok, rev, bad = results
    assert ok.verified, ok.raw
    assert ok.revoked is False and ok.checks["valid_signature"] == "passed"
    assert ok.checks.get("schema") in ("passed", None), ok.checks
    assert rev.revoked is True and not rev.verified, rev.raw
    assert rev.checks["valid_signature"] == "passed"
    assert not bad.verified and bad.fatal, bad.raw
    assert "invalid_signature" in bad.error_names
    # and microcred agrees with the peer on all three
    assert issuer.verification.verify(valid.document).verified
    assert not issuer.verification.verify(revoked.document).verified
    assert not issuer.verification.verify(tampered).verified
