"""Issuing, revoking and verifying on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json

import pytest

from microcred.bootstrap import Container
from microcred.credentials.verify import CheckStatus, Verifier
from microcred.domain.achievement import Alignment, StatusPurpose
from microcred.domain.credential import CredentialStatus, Evidence, Recipient, StatusAction
from microcred.domain.identity import Principal
from microcred.errors import Conflict, NotFound, PermissionDenied
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of


def _org(c: Container, slug: str = "acme", did_method: str = "key") -> Principal:
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password="a long enough password",
        did_method=did_method,
    )
    return principal_of(admin)


def _achievement(
    c: Container,
    p: Principal,
    purpose: StatusPurpose = StatusPurpose.REVOCATION,
    validity_days: int | None = 365,
) -> str:
    return c.achievements.create(
        p,
        AchievementInput(
            name="Kubernetes Basics",
            description="Deploys and debugs workloads.",
            criteria_narrative="Deploy a service with a health check and fix a broken pod.",
            alignments=[
                Alignment(
                    "Kubernetes",
                    "http://data.europa.eu/esco/skill/6d3b8d5c-2bc2-4c5b-8c5b-1b1b1b1b1b1b",
                    target_framework="ESCO",
                    target_code="k8s",
                    level=2,
                )
            ],
            effort_hours=4,
            validity_days=validity_days,
            status_purpose=purpose,
        ),
    ).id


def _verify(c: Container, document: dict | str) -> dict[str, CheckStatus]:
    report = c.verification.verify(document)
    return {check.check: check.status for check in report.checks}


@pytest.mark.parametrize("suite", list(Suite))
def test_issue_each_suite_verifies(container: Container, suite: Suite) -> None:
    p = _org(container, did_method="web" if suite is Suite.VC_JWT_RS256 else "key")
    aid = _achievement(container, p)
    issued = container.issuance.issue(
        p,
        IssueRequest(
            aid,
            Recipient(email="Learner@Example.org"),
            [Evidence(name="Cluster", narrative="Did it")],
            suite,
        ),
    )
    credential = issued.jwt or issued.document
    checks = _verify(container, credential)
    assert all(s is not CheckStatus.FAILED for s in checks.values()), checks
    assert checks["proof"] is CheckStatus.PASSED and checks["status"] is CheckStatus.PASSED
    doc = issued.document
    assert doc["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    identifier = doc["credentialSubject"]["identifier"][0]
    assert identifier["hashed"] is True and "learner@example.org" not in json.dumps(doc)
    stored = container.credentials.get(p, issued.id)
    assert stored.recipient_email == "learner@example.org"


def test_revocation_is_visible_to_the_next_verification(container: Container) -> None:
    p = _org(container)
    issued = container.issuance.issue(
        p, IssueRequest(_achievement(container, p), Recipient(did="did:example:learner"))
    )
    assert _verify(container, issued.document)["status"] is CheckStatus.PASSED
    container.credentials.change_status(p, issued.id, StatusAction.REVOKE, "issued in error")
    report = container.verification.verify(issued.document)
    assert not report.verified
    assert report.get("status").message == "The issuer has revoked this credential."
    with pytest.raises(Conflict, match="cannot be undone"):
        container.credentials.change_status(p, issued.id, StatusAction.REINSTATE, "oops")
    history = container.credentials.history(p, issued.id)
    assert [h.action for h in history] == [StatusAction.REVOKE]
    assert history[0].reason == "issued in error"


def test_suspend_and_reinstate_need_a_suspension_entry(container: Container) -> None:
    p = _org(container)
    revocable = container.issuance.issue(
        p, IssueRequest(_achievement(container, p), Recipient(email="a@b.test"))
    )
    with pytest.raises(Conflict, match="revocation entry"):
        container.credentials.change_status(p, revocable.id, StatusAction.SUSPEND, "audit")
    aid = _achievement(container, p, StatusPurpose.SUSPENSION)
    issued = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@b.test")))
    assert issued.document["credentialStatus"]["statusPurpose"] == "suspension"
    container.credentials.change_status(p, issued.id, StatusAction.SUSPEND, "under audit")
    report = container.verification.verify(issued.document)
    assert report.get("status").status is CheckStatus.FAILED
    assert "suspended" in report.get("status").message
    container.credentials.change_status(p, issued.id, StatusAction.REINSTATE, "audit passed")
    assert container.verification.verify(issued.document).verified
    assert container.credentials.get(p, issued.id).status is CredentialStatus.ACTIVE


def test_expired_credential_fails_validity(container: Container, clock) -> None:
    p = _org(container)
    issued = container.issuance.issue(
        p, IssueRequest(_achievement(container, p, validity_days=30), Recipient(email="a@b.test"))
    )
    clock.advance(days=31)
    report = container.verification.verify(issued.document)
    assert report.get("validity").status is CheckStatus.FAILED
    assert "expired" in report.get("validity").message


def test_key_rotation_keeps_old_credentials_verifiable(container: Container) -> None:
    for method in ("key", "web"):
        p = _org(container, slug=f"rot-{method}", did_method=method)
        aid = _achievement(container, p)
        old = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@b.test")))
        container.identity.rotate_key(p)
        new = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@b.test")))
        assert (
            old.document["proof"]["verificationMethod"]
            != new.document["proof"]["verificationMethod"]
        )
        assert container.verification.verify(old.document).verified, method
        assert container.verification.verify(new.document).verified, method
        # revoking an old credential still works: its list is signed by the key that issued it
        container.credentials.change_status(p, old.id, StatusAction.REVOKE, "rotated away")
        assert not container.verification.verify(old.document).verified
        assert container.verification.verify(new.document).verified


def test_tampered_credential_fails_proof(container: Container) -> None:
    p = _org(container)
    issued = container.issuance.issue(
        p, IssueRequest(_achievement(container, p), Recipient(email="a@b.test"))
    )
    forged = json.loads(json.dumps(issued.document))
    forged["credentialSubject"]["achievement"]["name"] = "Kubernetes Expert"
    report = container.verification.verify(forged)
    assert report.get("proof").status is CheckStatus.FAILED
    assert "changed after it was signed" in report.get("proof").message


def test_tenants_cannot_see_or_change_each_other(container: Container) -> None:
    a = _org(container, "org-a")
    b = _org(container, "org-b")
    aid = _achievement(container, a)
    issued = container.issuance.issue(a, IssueRequest(aid, Recipient(email="a@b.test")))
    with pytest.raises(NotFound):
        container.achievements.get(b, aid)
    with pytest.raises(NotFound):
        container.issuance.issue(b, IssueRequest(aid, Recipient(email="x@y.test")))
    with pytest.raises(NotFound):
        container.credentials.get(b, issued.id)
    with pytest.raises(NotFound):
        container.credentials.change_status(b, issued.id, StatusAction.REVOKE, "hostile")
    assert container.credentials.list(b) == []
    assert container.credentials.get(a, issued.id).status is CredentialStatus.ACTIVE


def test_roles_are_enforced(container: Container) -> None:
    from microcred.domain.identity import Role

    admin = _org(container)
    learner = principal_of(
        container.identity.add_user(
            admin, email="l@acme.test", name="Lea", role=Role.LEARNER, password="learner password"
        )
    )
    with pytest.raises(PermissionDenied):
        container.issuance.issue(
            learner, IssueRequest(_achievement(container, admin), Recipient(email="l@acme.test"))
        )
    with pytest.raises(PermissionDenied):
        _achievement(container, learner)


def test_private_keys_are_sealed_at_rest(container: Container) -> None:
    from sqlalchemy import text

    p = _org(container)
    signer_seed = None
    with container.uow() as uow:
        scope = uow.tenant(p.organisation_id)
        record = scope.keys.active("Ed25519")
        signer_seed = container.keys.unseal(record).seed  # type: ignore[union-attr]
        raw = uow.session.execute(text("SELECT sealed_private FROM signing_keys")).scalar_one()
    assert signer_seed not in bytes(raw) and signer_seed.hex() not in bytes(raw).hex()


def test_failed_issuance_stores_nothing(container: Container, monkeypatch) -> None:
    p = _org(container)
    aid = _achievement(container, p)
    from microcred.services.credentials import issuance

    def broken(*_a, **_k):
        raise RuntimeError("crash in the middle")

    monkeypatch.setattr(issuance.IssuanceService, "_verify_before_storing", broken)
    with pytest.raises(RuntimeError):
        container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@b.test")))
    assert container.credentials.list(p) == []
    with container.uow() as uow:
        sql = __import__("sqlalchemy").text
        lists = uow.session.execute(sql("SELECT allocated FROM status_lists")).scalars().all()
        entries = uow.session.execute(sql("SELECT count(*) FROM log_entries")).scalar_one()
    # only the block of positions reserved in its own transaction before issuing remains (a
    # counter, no entry: the list's bits are all zero); no credential, no log entry
    from microcred.services.credentials.status_lists import BLOCK

    assert lists == [BLOCK]
    assert entries == 0


def test_status_list_is_large_and_signed(container: Container) -> None:
    p = _org(container)
    issued = container.issuance.issue(
        p, IssueRequest(_achievement(container, p), Recipient(email="a@b.test"))
    )
    url = issued.document["credentialStatus"]["statusListCredential"]
    list_id = url.rsplit("/", 1)[1]
    listing = container.public.status_list(list_id)
    from microcred.credentials.status_list import Bitstring

    assert len(Bitstring.decode(listing["credentialSubject"]["encodedList"])) >= 131_072
    # the list is valid for a window from the (frozen) issuer clock: verify at that time
    assert Verifier(check_status=False, clock=container.clock.now).verify(listing).verified
    assert listing["validUntil"] > listing["validFrom"]


def test_remembered_status_lists_still_check_the_bit_and_the_window(container: Container) -> None:
    """A status list verified once is not verified again for the same bytes, but a revoked
    bit (new bytes) and an ended validity window are still caught."""
    from datetime import timedelta

    p = _org(container)
    aid = _achievement(container, p)
    issued = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@b.test")))
    url = issued.document["credentialStatus"]["statusListCredential"]
    listing = container.public.status_list(issued.status_list_id)
    seen: dict[str, bool] = {}
    now = container.clock.now
    for _ in range(2):
        verifier = Verifier(documents={url: listing}, verified_lists=seen, clock=now)
        report = verifier.verify(issued.document)
        assert report.verified, report.checks
    assert len(seen) == 1
    later = container.clock.now() + timedelta(days=30)  # past the list's validUntil
    stale = Verifier(documents={url: listing}, verified_lists=seen, clock=lambda: later)
    status = next(c for c in stale.verify(issued.document).checks if c.check == "status")
    assert status.status is CheckStatus.FAILED
    container.credentials.change_status(p, issued.id, StatusAction.REVOKE, "issued in error")
    revoked = container.public.status_list(issued.status_list_id)
    verifier = Verifier(documents={url: revoked}, verified_lists=seen, clock=now)
    report = verifier.verify(issued.document)
    status = next(c for c in report.checks if c.check == "status")
    assert status.status is CheckStatus.FAILED and "revoked" in status.message
    assert len(seen) == 2
