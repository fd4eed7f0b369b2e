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


def _schema(name: str = "ob_v3p0_achievementcredential_schema.json") -> dict:
    from importlib import resources

    text = resources.files("microcred.credentials").joinpath("schemas", name).read_text()
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


def test_dcc_verifier_accepts_a_wallet_bound_copy_and_a_clr_learner_record(
    issuer: Container,
) -> None:
    """The copy re-issued to a wallet's DID and the CLR 2.0 record verify with the peer too."""
    from importlib.resources import files as resources_of

    from microcred.credentials.clr import CLR_V2
    from microcred.credentials.schema import CLR_CREDENTIAL_SCHEMA
    from microcred.crypto.did import did_key
    from microcred.crypto.keys import Ed25519KeyPair

    ensure_installed()
    _, admin = issuer.identity.create_organisation(
        slug="clr",
        name="CLR Academy",
        admin_email="admin@clr.test",
        admin_password="a long enough password",
    )
    p = principal_of(admin)
    achievement = issuer.achievements.create(
        p,
        AchievementInput(
            name="Warehouse safety",
            description="Works safely in a warehouse.",
            criteria_narrative="Pass the walk-through.",
        ),
    )
    held = [
        issuer.issuance.issue(p, IssueRequest(achievement.id, Recipient(email="lin@example.org")))
        for _ in range(2)
    ]
    holder = did_key(Ed25519KeyPair.generate().public)
    bound = issuer.issuance.bind(p.organisation_id, held[0].id, holder)
    record = issuer.records.record(p, "lin@example.org")

    resources: dict[str, object] = {
        ACHIEVEMENT_CREDENTIAL_SCHEMA: _schema(),
        CLR_CREDENTIAL_SCHEMA: _schema("clr_v2p0_clrcredential_schema.json"),
        # the DCC's document loader bundles the OB 3.0 contexts but not CLR 2.0's
        CLR_V2: json.loads(
            resources_of("microcred.credentials")
            .joinpath("contexts", "clr-v2p0-2.0.1.json")
            .read_text()
        ),
    }
    for document in (*(h.document for h in held), bound.document):
        url = document["credentialStatus"]["statusListCredential"]
        resources[url] = issuer.public.status_list(url.rsplit("/", 1)[1])

    forged = json.loads(json.dumps(record))
    forged["credentialSubject"]["verifiableCredential"][1]["name"] = "Warehouse manager"
    copy_result, record_result, forged_result = run_dcc_verifier(
        [bound.document, record, forged], resources
    )
    assert not forged_result.verified and "invalid_signature" in forged_result.error_names
    assert copy_result.verified, copy_result.raw
    assert copy_result.checks["valid_signature"] == "passed"
    assert bound.document["credentialSubject"]["id"] == holder
    assert record_result.checks["valid_signature"] == "passed", record_result.raw
    assert record_result.verified, record_result.raw
