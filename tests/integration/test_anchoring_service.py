"""Anchoring as the product runs it: after checkpoints, a job writes the newest (cosigned)
checkpoint to an in-process EVM (eth-tester + py-evm) and keeps the receipt; it verifies."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from microcred.bootstrap import Container
from microcred.domain.credential import Recipient
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.ledger.anchoring import ANCHOR_JOB, Anchoring
from microcred.services.ledger.service import cosigned_note, log_origin


def test_checkpoints_are_anchored_and_verify(container: Container, clock) -> None:
    eth_tester = pytest.importorskip("eth_tester")
    from web3 import EthereumTesterProvider, Web3

    from microcred.adapters.anchors.ethereum import EthereumAnchor

    w3 = Web3(EthereumTesterProvider(eth_tester.EthereumTester(eth_tester.PyEVMBackend())))
    key = hashlib.sha256(b"anchoring service test").digest()
    from eth_account import Account

    w3.eth.send_transaction(
        {"from": w3.eth.accounts[0], "to": Account.from_key(key).address, "value": 10**18}
    )
    chain = EthereumAnchor(
        w3,
        chain_id=w3.eth.chain_id,
        private_key=key,
        origin=log_origin(container.settings.public_base_url),
    )
    chain.deploy_contract()
    anchoring = Anchoring(container.uow, clock, chain, quorum=0, interval=timedelta(seconds=60))
    container.ledger.after_checkpoint.append(anchoring.schedule)
    container.jobs.handlers[ANCHOR_JOB] = anchoring.anchor

    _, admin = container.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = container.achievements.create(
        p,
        AchievementInput(
            name="Rigging", description="Rigs loads.", criteria_narrative="Pass the test."
        ),
    ).id
    for i in range(3):
        container.issuance.issue(p, IssueRequest(aid, Recipient(did=f"did:example:{i}")))
    container.jobs.drain()
    with container.uow() as uow:
        assert uow.ledger.anchors() == []  # not before the interval
    clock.advance(seconds=61)
    container.jobs.drain()
    with container.uow() as uow:
        anchors = uow.ledger.anchors()
        assert len(anchors) == 1
        size, chain_id, tx_hash, block, gas = anchors[0]
        note = cosigned_note(uow, size).encode()
    assert size == 3 and chain_id == w3.eth.chain_id and block and 21_000 < gas < 30_000
    verification = chain.verify_anchor(tx_hash, note)
    assert verification.verified, verification.to_json()
    assert not chain.verify_anchor(tx_hash, note.replace(b"\n3\n", b"\n4\n")).verified
    assert anchoring.anchor() is None  # nothing new to anchor
