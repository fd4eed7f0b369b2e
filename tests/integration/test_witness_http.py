"""Hostile input to the witness and tile endpoints gets the specified status codes and never
changes state."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from microcred.adapters.db.witness_store import WitnessStore
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.merkle import MerkleTree
from microcred.transparency.note import Ed25519NoteSigner
from microcred.transparency.witness import AddCheckpointRequest, Witness
from microcred.web.witness.app import create_witness_app

ORIGIN = "issuer.test/microcred"


@pytest.fixture
def setup(tmp_path: Path):
    log = Ed25519NoteSigner.generate(ORIGIN)
    witness = Witness(CosignatureSigner.generate("w.example"), {ORIGIN: [log.verifier]})
    store = WitnessStore(f"sqlite:///{tmp_path / 'w.db'}")
    client = TestClient(create_witness_app(witness, store))
    tree = MerkleTree()
    tree.extend([f"entry {i}".encode() for i in range(10)])
    return log, store, client, tree


def _body(
    log: Ed25519NoteSigner,
    tree: MerkleTree,
    old: int,
    size: int,
    *,
    signer: Ed25519NoteSigner | None = None,
    root: bytes | None = None,
) -> bytes:
    note = Checkpoint(ORIGIN, size, root or tree.root(size)).sign([signer or log])
    proof = tree.consistency_proof(old, size) if 0 < old < size else []
    return AddCheckpointRequest.build(old, proof, note).encode()


def test_honest_sequence_then_hostile_requests(setup) -> None:
    log, store, client, tree = setup
    assert client.post("/add-checkpoint", content=_body(log, tree, 0, 4)).status_code == 200
    assert store.record(ORIGIN).size == 4
    cases = [
        (b"not a request", 400),
        (b"old 4\n" + b"A" * 10 + b"\n\nnot a note", 400),
        (b"old 04\n\n" + _body(log, tree, 4, 6).split(b"\n\n", 1)[1], 400),
        (_body(log, tree, 4, 6, signer=Ed25519NoteSigner.generate(ORIGIN)), 403),  # wrong key
        (_body(log, tree, 2, 6), 409),  # stale old size
        (_body(log, tree, 4, 3), 400),  # old size above the checkpoint size (non-monotonic)
        (_body(log, tree, 4, 4, root=bytes(32)), 422),  # a fork of size 4
        (_body(log, tree, 4, 8, root=tree.root(7)), 422),  # proof that does not hold
    ]
    for body, status in cases:
        r = client.post("/add-checkpoint", content=body)
        assert r.status_code == status, (status, r.status_code, r.text)
        assert "Traceback" not in r.text
    r = client.post("/add-checkpoint", content=_body(log, tree, 2, 6))
    assert r.headers["content-type"].startswith("text/x.tlog.size") and r.text == "4\n"
    too_many = b"old 4\n" + b"".join(b"A" * 43 + b"=\n" for _ in range(80)) + b"\n" + b"x"
    assert client.post("/add-checkpoint", content=too_many).status_code in (400, 413)
    assert client.post("/add-checkpoint", content=b"x" * 2_000_000).status_code == 413
    unknown = Ed25519NoteSigner.generate("other.example/log")
    body = AddCheckpointRequest.build(
        0, [], Checkpoint("other.example/log", 1, tree.root(1)).sign([unknown])
    ).encode()
    assert client.post("/add-checkpoint", content=body).status_code == 404
    # nothing of the honest state was lost or changed
    record = store.record(ORIGIN)
    assert record.size == 4 and record.root_hash == tree.root(4)
    assert client.post("/add-checkpoint", content=_body(log, tree, 4, 10)).status_code == 200
    assert store.record(ORIGIN).size == 10
    kinds = sorted(k for k, _, _ in store.evidence(ORIGIN))
    assert kinds == ["fork", "inconsistent"]


def test_tile_endpoints_refuse_bad_paths(container) -> None:
    from microcred.web.api.app import create_app

    with TestClient(create_app(container)) as client:
        for path in (
            "/log/tile/0/000",
            "/log/tile/entries/000",
            "/log/tile/x/001",
            "/log/tile/0/x000/001",
            "/log/tile/99/000",
            "/log/tile/0/000.p/0",
            "/log/tile/0/000.p/300",
            "/log/tile/0/" + "x001/" * 40 + "001",
            "/log/tile/../../etc/passwd",
        ):
            r = client.get(path)
            assert r.status_code in (404, 422), (path, r.status_code)
            assert "Traceback" not in r.text
        assert client.get("/log/checkpoint").status_code == 409  # no checkpoint yet
