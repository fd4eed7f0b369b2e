"""Tampering with the database directly (no keys), as an attacker with database access would:
the audit names status lists written back, edited recipients, dates and status-change reasons,
and a rollback when it is given a checkpoint a third party kept; without one it says so. Status
lists expire, are re-signed before they do, and a stale copy fails verification. Real SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from microcred.bootstrap import Container
from microcred.credentials.verify import CheckStatus, Verifier
from microcred.domain.credential import Recipient, StatusAction
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.ledger.audit import AuditReport, Finding, audit_log
from microcred.services.ledger.service import cosigned_note


def _org(c: Container, status_purpose: str = "revocation"):
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Forklift safety",
            description="Operates a forklift safely.",
            criteria_narrative="Pass the practical.",
            validity_days=365,
        ),
    ).id
    return p, aid


def _audit(c: Container, against: dict[str, str] | None = None) -> AuditReport:
    with c.uow() as uow:
        verifier = c.ledger.keys.verifier(uow)
        return audit_log(
            uow, uow.public.all_credentials(), [verifier] if verifier else [], against=against
        )


def _sql(c: Container, statement: str, **params: object) -> object:
    with c.uow() as uow:
        result = uow.session.execute(text(statement), params)
        value = result.scalar() if result.returns_rows else None
        uow.commit()
    return value


def _list_id(credential) -> str:
    return credential.document["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]


def test_an_older_signed_status_list_written_back_is_named(container: Container) -> None:
    p, aid = _org(container)
    issued = [
        container.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test")))
        for i in range(2)
    ]
    list_id = _list_id(issued[0])
    old_document = _sql(
        container, "SELECT signed_document FROM status_lists WHERE id = :i", i=list_id
    )
    container.credentials.change_status(p, issued[0].id, StatusAction.REVOKE, "cheated")
    container.jobs.drain()
    assert _audit(container).clean
    revoked = container.verification.verify(issued[0].document)
    assert revoked.get("status").status is CheckStatus.FAILED
    # the attack: write the older signed list back (no keys needed); the credential verifies again
    _sql(
        container,
        "UPDATE status_lists SET signed_document = :d WHERE id = :i",
        d=old_document,
        i=list_id,
    )
    assert container.verification.verify(issued[0].document).get("status").status is (
        CheckStatus.PASSED
    )
    report = _audit(container)
    mismatches = [f for f in report.findings if f.kind is Finding.STATUS_LIST_MISMATCH]
    assert len(mismatches) == 1 and issued[0].id in mismatches[0].message, report.findings
    assert "revoked" in mismatches[0].message and "signed" in mismatches[0].message


def test_status_lists_expire_are_resigned_in_time_and_a_stale_copy_fails(
    container: Container, clock
) -> None:
    p, aid = _org(container)
    issued = container.issuance.issue(p, IssueRequest(aid, Recipient(email="a@x.test")))
    list_id = _list_id(issued)
    first = container.public.status_list(list_id)
    valid_from = datetime.fromisoformat(first["validFrom"].replace("Z", "+00:00"))
    until = datetime.fromisoformat(first["validUntil"].replace("Z", "+00:00"))
    assert until - valid_from == timedelta(hours=24)
    assert first["credentialSubject"]["ttl"] == 300_000
    url = issued.document["credentialStatus"]["statusListCredential"]

    def status_at(moment: datetime, listing: dict) -> object:
        verifier = Verifier(documents={url: listing}, clock=lambda: moment)
        return verifier.verify(issued.document).get("status")

    inside = status_at(until - timedelta(minutes=1), first)
    assert inside.status is CheckStatus.PASSED, inside
    stale = status_at(until + timedelta(seconds=1), first)
    assert stale.status is CheckStatus.FAILED
    assert f"The status list expired on {first['validUntil']}" in stale.message
    # read before half of the window is gone: the same signed list; after: re-signed, so the
    # server never hands out a list that is about to expire (and revocations still show)
    clock.advance(hours=11)
    assert container.public.status_list(list_id) == first
    clock.advance(hours=2)
    second = container.public.status_list(list_id)
    assert second["validUntil"] > first["validUntil"]
    assert status_at(clock.now() + timedelta(hours=20), second).status is CheckStatus.PASSED
    assert _audit(container).clean


def test_the_audit_compares_recipient_dates_and_status_change_records(
    container: Container,
) -> None:
    p, aid = _org(container)
    issued = [
        container.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test")))
        for i in range(4)
    ]
    container.credentials.change_status(p, issued[3].id, StatusAction.REVOKE, "plagiarism")
    container.jobs.drain()
    assert _audit(container).clean
    # whose wallet and skills a credential counts for
    _sql(
        container,
        "UPDATE credentials SET recipient_email = 'mallory@x.test' WHERE id = :i",
        i=issued[0].id,
    )
    _sql(
        container,
        "UPDATE credentials SET issued_at = :t WHERE id = :i",
        t=datetime(2020, 1, 1, tzinfo=UTC),
        i=issued[1].id,
    )
    _sql(
        container,
        "UPDATE credentials SET valid_until = :t WHERE id = :i",
        t=datetime(2099, 1, 1, tzinfo=UTC),
        i=issued[2].id,
    )
    _sql(
        container,
        "UPDATE status_changes SET reason = 'issued in error' WHERE credential_id = :i",
        i=issued[3].id,
    )
    report = _audit(container)
    records = {
        cid: f.message
        for f in report.findings
        if f.kind is Finding.RECORD_MISMATCH
        for cid in (c.id for c in issued)
        if cid in f.message
    }
    assert "recipient_email" in records[issued[0].id]
    assert "issued_at" in records[issued[1].id]
    assert "valid_until" in records[issued[2].id]
    altered = [f for f in report.findings if f.kind is Finding.CHANGE_RECORD_ALTERED]
    assert len(altered) == 1 and issued[3].id in altered[0].message
    # the actor too, with the reason put back
    _sql(
        container,
        "UPDATE status_changes SET reason = 'plagiarism', actor_user_id = NULL "
        "WHERE credential_id = :i",
        i=issued[3].id,
    )
    report = _audit(container)
    assert Finding.CHANGE_RECORD_ALTERED in {f.kind for f in report.findings}
    # the log holds a commitment, never the reason itself
    with container.uow() as uow:
        entries = uow.ledger.entries(0, uow.ledger.size())
    assert b"change " in entries[-1] and b"plagiarism" not in b"".join(entries)


def test_a_rollback_is_caught_against_a_kept_checkpoint_and_unseen_without_one(
    container: Container,
) -> None:
    p, aid = _org(container)
    issued = [
        container.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test")))
        for i in range(3)
    ]
    container.jobs.drain()
    list_id = _list_id(issued[0])
    before = _sql(container, "SELECT signed_document FROM status_lists WHERE id = :i", i=list_id)
    container.credentials.change_status(p, issued[0].id, StatusAction.REVOKE, "withdrawn")
    container.jobs.drain()
    with container.uow() as uow:
        kept = cosigned_note(uow, 4)  # a third party (a monitor, a relying party) kept this
    report = _audit(container)
    assert report.clean and not report.independent
    assert any("No independent evidence" in w and "rollback" in w for w in report.warnings)
    assert _audit(container, {"kept.note": kept}).evidence == [
        "checkpoint file kept.note: checkpoint of size 4"
    ]
    # the rollback: the newest entry, its tree nodes and checkpoint go; the status is set back
    with container.uow() as uow:
        s = uow.session
        s.execute(text("DELETE FROM log_checkpoints WHERE size = 4"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 0 AND idx = 3"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 1 AND idx = 1"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 2 AND idx = 0"))
        s.execute(text("DELETE FROM log_entries WHERE leaf_index = 3"))
        s.execute(text("DELETE FROM status_changes"))
        s.execute(text("UPDATE credentials SET status = 'active'"))
        s.execute(
            text("UPDATE status_lists SET signed_document = :d, bits = :b WHERE id = :i"),
            {"d": before, "b": bytes(131_072 // 8), "i": list_id},
        )
        uow.commit()
    silent = _audit(container)
    assert silent.clean and silent.warnings  # undetectable from the database alone: said so
    caught = _audit(container, {"kept.note": kept})
    rollbacks = [f for f in caught.findings if f.kind is Finding.ROLLBACK]
    assert rollbacks and "4 entries" in rollbacks[0].message and "3" in rollbacks[0].message
