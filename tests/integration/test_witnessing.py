"""Witnesses cosign honest extensions and refuse forks and rollbacks; credentials carry offline
proofs; the audit names each kind of tampering. The witness apps run in-process (real witness
code and state database, HTTP through the ASGI test transport)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import KEK

from microcred.adapters.db.witness_store import WitnessStore
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.credentials.verify import CheckStatus, Verifier
from microcred.domain.credential import Recipient, StatusAction
from microcred.errors import MicrocredError
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.ledger.audit import Finding, audit_log
from microcred.services.ledger.log_verification import LogProofCheck
from microcred.services.ledger.service import log_policy, tlog_proof
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.merkle import MerkleTree
from microcred.transparency.policy import Policy
from microcred.transparency.witness import Witness
from microcred.web.witness.app import create_witness_app


class InProcessWitnessClient:
    """Routes add-checkpoint requests to witness apps by URL (no sockets)."""

    def __init__(self) -> None:
        self.apps: dict[str, TestClient] = {}
        self.down: set[str] = set()

    def add_checkpoint(self, base_url: str, body: bytes) -> tuple[int, bytes]:
        if base_url in self.down:
            raise MicrocredError(f"The witness at {base_url} is unreachable (ConnectError).")
        r = self.apps[base_url].post("/add-checkpoint", content=body)
        return r.status_code, r.content


@pytest.fixture
def world(database_url: str, clock, tmp_path: Path):
    signers = [CosignatureSigner.generate(f"w{i}.example") for i in (1, 2)]
    settings = Settings(
        environment="test",
        database_url=database_url,
        kek_secrets=[KEK],
        public_base_url="https://issuer.test",
        ledger_interval_ms=0,
        run_worker=False,
        witnesses=[f"https://w{i + 1}.example {s.verifier.vkey}" for i, s in enumerate(signers)],
    )
    c = build(settings, clock=clock)
    client = InProcessWitnessClient()
    c.witnessing._client = client  # route to the in-process witnesses
    with c.uow() as uow:
        log_verifier = c.ledger.keys.signer(uow, c.clock).verifier
        uow.commit()
    stores = []
    for i, signer in enumerate(signers):
        store = WitnessStore(f"sqlite:///{tmp_path / f'w{i + 1}.db'}")
        stores.append(store)
        app = create_witness_app(Witness(signer, {log_verifier.name: [log_verifier]}), store)
        client.apps[f"https://w{i + 1}.example"] = TestClient(app)
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Welding",
            description="Safe MIG welding.",
            criteria_narrative="Pass the bench test.",
        ),
    ).id
    yield c, client, stores, p, aid, log_verifier
    c.close()


def _issue(c: Container, p, aid: str, n: int) -> list:
    out = [
        c.issuance.issue(p, IssueRequest(aid, Recipient(did=f"did:example:{i}"))) for i in range(n)
    ]
    c.jobs.drain()
    return out


def test_checkpoints_get_cosigned_and_proofs_verify_offline(world) -> None:
    c, _client, stores, p, aid, log_verifier = world
    issued = _issue(c, p, aid, 3)
    issued += _issue(c, p, aid, 2)
    with c.uow() as uow:
        size = uow.ledger.latest_checkpoint()[0]
        assert size == 5 and uow.ledger.latest_cosigned(2) == 5
        proof = tlog_proof(uow, issued[1].id, 2)
    assert [s.record(log_verifier.name).size for s in stores] == [5, 5]
    policy = Policy.parse(
        log_policy(
            log_verifier.vkey,
            "https://issuer.test/log",
            [(e.verifier.vkey, e.url) for e in c.witnessing.endpoints.values()],
            2,
        )
    )
    report = Verifier(extra_checks=[LogProofCheck(proof, policy)]).verify(issued[1].document)
    checks = {ch.check: ch for ch in report.checks}
    assert checks["log_inclusion"].status is CheckStatus.PASSED
    assert (
        checks["witnesses"].status is CheckStatus.PASSED
        and "w1.example" in checks["witnesses"].message
    )
    # the proof is for this credential only
    other = Verifier(extra_checks=[LogProofCheck(proof, policy)]).verify(issued[0].document)
    assert {ch.check: ch.status for ch in other.checks}["log_inclusion"] is CheckStatus.FAILED
    # a policy demanding a witness that did not cosign fails the check
    strict = Policy.parse(
        log_policy(
            log_verifier.vkey,
            "x",
            [(CosignatureSigner.generate("w9.example").verifier.vkey, "https://w9.example")],
            1,
        )
    )
    report = Verifier(extra_checks=[LogProofCheck(proof, strict)]).verify(issued[1].document)
    assert {ch.check: ch.status for ch in report.checks}["log_inclusion"] is CheckStatus.FAILED


def test_a_witness_down_catches_up_with_a_consistency_proof(world) -> None:
    c, client, stores, p, aid, log_verifier = world
    _issue(c, p, aid, 2)
    client.down.add("https://w2.example")
    _issue(c, p, aid, 3)
    assert stores[1].record(log_verifier.name).size == 2
    client.down.clear()
    _issue(c, p, aid, 1)
    assert [s.record(log_verifier.name).size for s in stores] == [6, 6]


def test_witnesses_refuse_a_rewritten_history_and_the_audit_names_it(world) -> None:
    c, _client, stores, p, aid, log_verifier = world
    issued = _issue(c, p, aid, 4)
    # the operator rewrites entry 1 and rebuilds the stored tree so it looks consistent
    with c.uow() as uow:
        s = uow.session
        data = bytes(
            s.execute(text("SELECT data FROM log_entries WHERE leaf_index = 1")).scalar_one()
        )
        forged = data.replace(b"event issued", b"event revoked")
        from microcred.transparency.merkle import leaf_hash

        s.execute(
            text("UPDATE log_entries SET data = :d, leaf_hash = :h WHERE leaf_index = 1"),
            {"d": forged, "h": leaf_hash(forged)},
        )
        entries = uow.ledger.entries(0, 4)
        s.execute(text("DELETE FROM log_nodes"))
        tree = MerkleTree()
        from microcred.transparency.merkle import new_nodes

        uow.ledger.store_nodes(0, new_nodes(uow.ledger, 0, [leaf_hash(e) for e in entries]))
        uow.commit()
    _issue(c, p, aid, 1)  # the next checkpoint extends the forged tree
    with c.uow() as uow:
        size = uow.ledger.latest_checkpoint()[0]
        assert size == 5 and uow.ledger.latest_cosigned(1) == 4  # nobody cosigned size 5
        views = {w: uow.ledger.witness_size(w) for w in ("w1.example", "w2.example")}
    assert views == {"w1.example": 4, "w2.example": 4}
    assert all(s.record(log_verifier.name).size == 4 for s in stores)
    for store in stores:
        kinds = [kind for kind, _, _ in store.evidence(log_verifier.name)]
        assert kinds == ["inconsistent"]
    with c.uow() as uow:
        witness_notes = {
            f"w{i + 1}": s.record(log_verifier.name).note for i, s in enumerate(stores)
        }
        report = audit_log(
            uow, uow.public.all_credentials(), [log_verifier], witness_checkpoints=witness_notes
        )
    kinds = {f.kind for f in report.findings}
    assert Finding.TREE_MISMATCH in kinds and Finding.FORK in kinds
    assert any("entry 1" in f.message for f in report.findings)
    tree.extend(entries)
    del issued


def test_audit_names_edited_deleted_and_rolled_back(world, database_url: str) -> None:
    c, _client, stores, p, aid, log_verifier = world
    issued = _issue(c, p, aid, 3)
    c.credentials.change_status(p, issued[0].id, StatusAction.REVOKE, "audit test")
    c.jobs.drain()
    with c.uow() as uow:
        clean = audit_log(uow, uow.public.all_credentials(), [log_verifier])
    assert clean.clean, clean.findings
    with c.uow() as uow:
        s = uow.session
        doc = json.loads(
            s.execute(
                text("SELECT document FROM credentials WHERE id = :i"), {"i": issued[1].id}
            ).scalar_one()
        )
        doc["credentialSubject"]["achievement"]["name"] = "Master Welder"
        s.execute(
            text("UPDATE credentials SET document = :d WHERE id = :i"),
            {"d": json.dumps(doc), "i": issued[1].id},
        )
        s.execute(
            text("UPDATE credentials SET status = 'active' WHERE id = :i"), {"i": issued[0].id}
        )
        s.execute(text("DELETE FROM status_changes WHERE credential_id = :i"), {"i": issued[2].id})
        s.execute(text("DELETE FROM credentials WHERE id = :i"), {"i": issued[2].id})
        uow.commit()
    with c.uow() as uow:
        report = audit_log(uow, uow.public.all_credentials(), [log_verifier])
    kinds = {f.kind for f in report.findings}
    assert {
        Finding.CREDENTIAL_CHANGED,
        Finding.CREDENTIAL_DELETED,
        Finding.STATUS_MISMATCH,
    } <= kinds
    assert any(
        issued[1].id in f.message for f in report.findings if f.kind is Finding.CREDENTIAL_CHANGED
    )
    # roll the log back: drop the last entry and checkpoint; the witnesses know better
    with c.uow() as uow:
        s = uow.session
        s.execute(text("DELETE FROM log_cosignatures WHERE size = 4"))
        s.execute(text("DELETE FROM log_checkpoints WHERE size = 4"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 0 AND idx = 3"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 2 AND idx = 0"))
        s.execute(text("DELETE FROM log_nodes WHERE level = 1 AND idx = 1"))
        s.execute(text("DELETE FROM log_entries WHERE leaf_index = 3"))
        uow.commit()
    with c.uow() as uow:
        witness_notes = {
            f"w{i + 1}": st.record(log_verifier.name).note for i, st in enumerate(stores)
        }
        report = audit_log(
            uow, uow.public.all_credentials(), [log_verifier], witness_checkpoints=witness_notes
        )
    assert Finding.ROLLBACK in {f.kind for f in report.findings}
    # and the witnesses refuse the rolled-back log's next checkpoint
    with c.uow() as uow:
        uow.session.execute(text("DELETE FROM log_witness_views"))
        uow.commit()
    c.issuance.issue(p, IssueRequest(aid, Recipient(did="did:example:after")))
    c.jobs.drain()
    with c.uow() as uow:
        assert uow.ledger.latest_cosigned(1) == 3 or uow.ledger.latest_cosigned(1) is None
    assert all(s.record(log_verifier.name).size == 4 for s in stores)


class _Starting:
    """The in-process client, but one witness is unreachable for its first ``failures`` calls
    (a witness process that is still starting, as beside `make run`)."""

    def __init__(self, inner: InProcessWitnessClient, url: str, failures: int) -> None:
        self.inner, self.url, self.failures, self.calls = inner, url, failures, 0

    def add_checkpoint(self, base_url: str, body: bytes) -> tuple[int, bytes]:
        self.calls += 1
        if base_url == self.url and self.failures > 0:
            self.failures -= 1
            raise MicrocredError(f"The witness at {base_url} is unreachable (ConnectError).")
        return self.inner.add_checkpoint(base_url, body)


def test_bring_up_to_date_waits_for_a_starting_witness_and_says_why_one_is_missing(
    world,
) -> None:
    c, client, stores, p, aid, log_verifier = world
    c.issuance.issue(p, IssueRequest(aid, Recipient(did="did:example:demo")))
    while c.ledger.sequence() is not None:
        pass
    starting = _Starting(client, "https://w2.example", failures=2)
    c.witnessing._client = starting
    assert c.witnessing.bring_up_to_date(wait_seconds=10) == {
        "w1.example": None,
        "w2.example": None,
    }
    assert [s.record(log_verifier.name).size for s in stores] == [1, 1]
    calls = starting.calls
    assert c.witnessing.bring_up_to_date() == {"w1.example": None, "w2.example": None}
    assert starting.calls == calls  # both already hold the latest checkpoint: nothing sent

    c.issuance.issue(p, IssueRequest(aid, Recipient(did="did:example:later")))
    c.ledger.sequence()
    client.down.add("https://w2.example")
    c.witnessing._client = client
    outcome = c.witnessing.bring_up_to_date(wait_seconds=0.3)
    assert outcome["w1.example"] is None
    assert "unreachable" in (outcome["w2.example"] or "")
    assert [s.record(log_verifier.name).size for s in stores] == [2, 1]
