"""Binding a credential to a wallet's DID (the re-issue both wallet flows end in), on real
SQLite and PostgreSQL: the copy verifies, carries the DID, follows the original's status and is
logged; bad DIDs, revoked or expired originals and other organisations are refused."""

from __future__ import annotations

import pytest

from conftest import FrozenClock
from microcred.bootstrap import Container
from microcred.credentials.verify import CheckStatus
from microcred.crypto.did import did_key
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.credential import CredentialStatus, Recipient, StatusAction
from microcred.errors import InvalidInput, NotFound
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of
from microcred.services.ledger.audit import audit_log


def _issue(c: Container, slug: str = "acme", suite: Suite = Suite.EDDSA_RDFC_2022):
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password="a long enough password",
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Forklift safety",
            description="Operates a forklift safely.",
            criteria_narrative="Pass the practical.",
            validity_days=30,
        ),
    ).id
    issued = c.issuance.issue(p, IssueRequest(aid, Recipient(email="ann@example.org"), suite=suite))
    return p, issued


def _holder() -> str:
    return did_key(Ed25519KeyPair.generate().public)


def _checks(c: Container, document: dict) -> dict[str, CheckStatus]:
    return {check.check: check.status for check in c.verification.verify(document).checks}


def test_the_bound_copy_verifies_carries_the_did_and_is_logged(container: Container) -> None:
    p, original = _issue(container)
    holder = _holder()
    copy = container.issuance.bind(p.organisation_id, original.id, holder)
    subject = copy.document["credentialSubject"]
    assert subject["id"] == holder
    assert subject["identifier"] == original.document["credentialSubject"]["identifier"]
    assert copy.document["id"] != original.document["id"]
    assert copy.document["credentialStatus"] != original.document["credentialStatus"]
    assert copy.document["validUntil"] == original.document["validUntil"]
    assert copy.document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert copy.bound_from == original.id and copy.recipient_email == original.recipient_email
    checks = _checks(container, copy.document)
    assert checks["proof"] is CheckStatus.PASSED and checks["status"] is CheckStatus.PASSED
    # the same DID again: the same copy; the wallet list shows the original only
    again = container.issuance.bind(p.organisation_id, copy.id, holder)
    assert again.id == copy.id
    assert [c.id for c in container.credentials.list(p)] == [original.id]
    with container.uow() as uow:
        verifier = container.ledger.keys.verifier(uow)
        report = audit_log(uow, uow.public.all_credentials(), [verifier] if verifier else [])
        assert report.clean, report
        assert len(uow.tenant(p.organisation_id).credentials.bound_copies(original.id)) == 1


def test_the_copy_follows_the_original_but_one_revoked_alone_stays_revoked(
    container: Container,
) -> None:
    p, original = _issue(container)
    first = container.issuance.bind(p.organisation_id, original.id, _holder())
    second = container.issuance.bind(p.organisation_id, original.id, _holder())
    container.credentials.change_status(p, second.id, StatusAction.REVOKE, "lost phone")
    container.credentials.change_status(p, original.id, StatusAction.REVOKE, "withdrawn")
    with container.uow() as uow:
        scope = uow.tenant(p.organisation_id)
        stored = {c.id: c for c in scope.credentials.bound_copies(original.id)}
        changes = [ch.reason for ch in scope.credentials.changes(second.id)]
    assert stored[first.id].status is CredentialStatus.REVOKED
    assert changes == ["lost phone"]
    assert _checks(container, first.document)["status"] is CheckStatus.FAILED
    with pytest.raises(InvalidInput, match="revoked"):
        container.issuance.bind(p.organisation_id, original.id, _holder())


def test_suspension_and_reinstatement_reach_the_copies(container: Container) -> None:
    _, admin = container.identity.create_organisation(
        slug="susp", name="Susp", admin_email="a@susp.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    from microcred.domain.achievement import StatusPurpose

    aid = container.achievements.create(
        p,
        AchievementInput(
            name="First aid",
            description="Gives first aid.",
            criteria_narrative="Pass.",
            status_purpose=StatusPurpose.SUSPENSION,
        ),
    ).id
    original = container.issuance.issue(p, IssueRequest(aid, Recipient(email="b@example.org")))
    copy = container.issuance.bind(p.organisation_id, original.id, _holder())
    container.credentials.change_status(p, original.id, StatusAction.SUSPEND, "audit")
    assert _checks(container, copy.document)["status"] is CheckStatus.FAILED
    container.credentials.change_status(p, original.id, StatusAction.REINSTATE, "audit passed")
    assert _checks(container, copy.document)["status"] is CheckStatus.PASSED


@pytest.mark.parametrize(
    "did", ["", "not a did", "did:key:" + "z" * 3000, "did:key:zabc\nx", "mailto:a@b.c"]
)
def test_a_malformed_holder_is_refused_and_nothing_is_stored(
    container: Container, did: str
) -> None:
    p, original = _issue(container)
    with pytest.raises(InvalidInput):
        container.issuance.bind(p.organisation_id, original.id, did)
    with container.uow() as uow:
        assert uow.tenant(p.organisation_id).credentials.bound_copies(original.id) == []


def test_foreign_and_expired_credentials_are_refused_and_jwt_ones_get_a_proof(
    container: Container, clock: FrozenClock
) -> None:
    p, original = _issue(container)
    other, _ = _issue(container, "other")
    with pytest.raises(NotFound):
        container.issuance.bind(other.organisation_id, original.id, _holder())
    with pytest.raises(NotFound):
        container.issuance.bind(p.organisation_id, "no-such-id", _holder())
    _, token = _issue(container, "jwt", Suite.VC_JWT_EDDSA)
    from_jwt = container.issuance.bind(token.organisation_id, token.id, _holder())
    assert _checks(container, from_jwt.document)["proof"] is CheckStatus.PASSED
    assert from_jwt.jwt is None and from_jwt.suite == "eddsa-rdfc-2022"
    clock.advance(days=31)
    with pytest.raises(InvalidInput, match="expired"):
        container.issuance.bind(p.organisation_id, original.id, _holder())
