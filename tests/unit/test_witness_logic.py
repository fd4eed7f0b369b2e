"""C2SP tlog-witness add-checkpoint: every status code, the state to persist, kept evidence."""

from __future__ import annotations

import pytest

from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import InvalidInput
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner, cosignature_timestamp
from microcred.transparency.merkle import MerkleTree
from microcred.transparency.note import (
    Ed25519NoteSigner,
    InvalidNoteSignature,
    MalformedNote,
    Note,
    NoteSignature,
    open_note,
)
from microcred.transparency.witness import (
    MAX_BODY_BYTES,
    SIZE_CONTENT_TYPE,
    AddCheckpointRequest,
    EvidenceKind,
    LogRecord,
    MalformedRequest,
    Witness,
    WitnessDecision,
    origin_hash,
    parse_add_checkpoint,
    parse_cosignatures,
    parse_size_body,
)

ORIGIN = "issuer.example/microcred"
LOG = Ed25519NoteSigner(ORIGIN, Ed25519KeyPair(bytes(range(32))))
OTHER_KEY = Ed25519NoteSigner(ORIGIN, Ed25519KeyPair(bytes(range(1, 33))))
SIGNER = CosignatureSigner("witness.example/w1", Ed25519KeyPair(bytes(range(2, 34))))
NOW = 1_800_000_000


def _tree(n: int, tag: str = "") -> MerkleTree:
    t = MerkleTree()
    t.extend([f"{tag}entry {i}".encode() for i in range(n)])
    return t


TREE = _tree(40)


class Store:
    """The caller's side: one record per origin, evidence kept, CAS on the old size."""

    def __init__(self) -> None:
        self.records: dict[str, LogRecord] = {}
        self.evidence: list[object] = []

    def load(self, origin: str) -> LogRecord | None:
        return self.records.get(origin)

    def apply(self, decision: WitnessDecision, expected: LogRecord | None) -> None:
        if decision.evidence is not None:
            self.evidence.append(decision.evidence)
        if decision.new_state is not None:
            assert self.records.get(decision.new_state.origin) == expected  # compare-and-set
            self.records[decision.new_state.origin] = decision.new_state


WITNESS = Witness(SIGNER, {ORIGIN: [LOG.verifier]})


def _note(
    size: int, tree: MerkleTree = TREE, signers: tuple[Ed25519NoteSigner, ...] = (LOG,)
) -> Note:
    return Checkpoint(ORIGIN, size, tree.root(size)).sign(list(signers))


def _body(old: int, size: int, tree: MerkleTree = TREE, proof: list[bytes] | None = None) -> bytes:
    if proof is None:
        proof = tree.consistency_proof(old, size) if old else []
    return AddCheckpointRequest.build(old, proof, _note(size, tree)).encode()


def _submit(store: Store, body: bytes, now: int = NOW) -> WitnessDecision:
    before = store.load(ORIGIN)
    decision = WITNESS.add_checkpoint(body, store.load, now)
    store.apply(decision, before)
    return decision


def test_first_checkpoint_then_extensions_are_cosigned() -> None:
    store = Store()
    first = _submit(store, _body(0, 10))
    assert first.status == 200 and first.ok
    assert store.records[ORIGIN].size == 10
    cosigs = parse_cosignatures(first.body, _note(10), [SIGNER.verifier])
    assert cosignature_timestamp(cosigs[0]) == NOW
    second = _submit(store, _body(10, 25), now=NOW + 5)
    assert second.status == 200
    record = store.records[ORIGIN]
    assert (record.size, record.root_hash, record.timestamp) == (25, TREE.root(25), NOW + 5)
    # the stored note is what GET <origin hash>/checkpoint serves: log + witness signatures
    opened = open_note(record.note, [LOG.verifier, SIGNER.verifier])
    assert len(opened.verified) == 2
    assert len(origin_hash(ORIGIN)) == 64


def test_resubmitting_the_same_checkpoint_is_cosigned_again() -> None:
    store = Store()
    _submit(store, _body(0, 10))
    again = _submit(store, _body(10, 10), now=NOW + 1)
    assert again.status == 200 and store.records[ORIGIN].size == 10


def test_timestamps_never_go_backwards() -> None:
    store = Store()
    _submit(store, _body(0, 10), now=NOW)
    later = _submit(store, _body(10, 12), now=NOW - 100)  # the clock stepped back
    assert cosignature_timestamp(later.cosignatures[0]) == NOW


def test_unknown_origin_is_404() -> None:
    other = Ed25519NoteSigner("someone.else/log", LOG.key)
    note = Checkpoint("someone.else/log", 1, TREE.root(1)).sign([other])
    decision = WITNESS.add_checkpoint(
        AddCheckpointRequest.build(0, [], note).encode(), Store().load, NOW
    )
    assert decision.status == 404 and decision.new_state is None


def test_wrong_key_or_bad_signature_is_403() -> None:
    wrong = AddCheckpointRequest.build(0, [], _note(5, signers=(OTHER_KEY,))).encode()
    assert _submit(Store(), wrong).status == 403
    note = _note(5)
    forged = Note(note.text, (NoteSignature(LOG.name, LOG.key_id, bytes(64)),))
    decision = _submit(Store(), AddCheckpointRequest.build(0, [], forged).encode())
    assert decision.status == 403 and "does not verify" in decision.reason
    # a good log signature plus a bad one from the same known key: the note is malformed
    both = note.with_signatures(NoteSignature(LOG.name, LOG.key_id, bytes(64)))
    assert _submit(Store(), AddCheckpointRequest.build(0, [], both).encode()).status == 403
    with pytest.raises(InvalidNoteSignature):
        open_note(both.format(), [LOG.verifier])


def test_unknown_extra_signatures_are_ignored() -> None:
    note = _note(5).with_signatures(NoteSignature("someone.else", 1234, b"x" * 64))
    body = AddCheckpointRequest.build(0, [], note).encode()
    assert _submit(Store(), body).status == 200


def test_old_size_larger_than_checkpoint_is_400() -> None:
    decision = _submit(Store(), AddCheckpointRequest.build(12, [], _note(10)).encode())
    assert decision.status == 400


def test_stale_old_size_is_409_with_the_recorded_size() -> None:
    store = Store()
    _submit(store, _body(0, 10))
    decision = _submit(store, _body(5, 20))
    assert decision.status == 409
    assert decision.content_type == SIZE_CONTENT_TYPE and decision.body == b"10\n"
    assert parse_size_body(decision.body) == 10
    assert decision.evidence is None  # a larger tree with a stale view is not misbehaviour
    fresh = _submit(Store(), _body(3, 20))  # never cosigned: the recorded size is 0
    assert (fresh.status, fresh.body) == (409, b"0\n")
    assert store.records[ORIGIN].size == 10


def test_rollback_is_refused_and_kept_as_evidence() -> None:
    store = Store()
    _submit(store, _body(0, 30))
    smaller = _submit(store, _body(0, 20))
    assert smaller.status == 409 and smaller.body == b"30\n"
    assert smaller.evidence is not None and smaller.evidence.kind is EvidenceKind.ROLLBACK
    assert store.records[ORIGIN].size == 30
    assert len(store.evidence) == 1


def test_fork_of_the_same_size_is_422_and_kept_as_evidence() -> None:
    store = Store()
    _submit(store, _body(0, 20))
    forked = _tree(20, tag="evil ")
    decision = _submit(store, _body(20, 20, tree=forked))
    assert decision.status == 422
    assert decision.evidence is not None and decision.evidence.kind is EvidenceKind.FORK
    assert decision.evidence.recorded == store.records[ORIGIN]
    assert decision.evidence.submitted == _note(20, forked).format()
    assert store.records[ORIGIN].root_hash == TREE.root(20)  # the honest state is kept
    # a fork seen with a stale old size is a 409, and still evidence
    stale = _submit(store, _body(0, 20, tree=forked))
    assert stale.status == 409 and stale.evidence is not None
    assert stale.evidence.kind is EvidenceKind.FORK


def test_inconsistent_extension_is_422_and_kept_as_evidence() -> None:
    store = Store()
    _submit(store, _body(0, 20))
    rewritten = MerkleTree()  # entry 0 rewritten, then extended: no proof can link the two
    rewritten.extend([b"rewritten", *[f"entry {i}".encode() for i in range(1, 30)]])
    decision = _submit(store, _body(20, 30, tree=rewritten))
    assert decision.status == 422 and "consistency proof" in decision.reason
    assert decision.evidence is not None
    assert decision.evidence.kind is EvidenceKind.INCONSISTENT
    garbage = _submit(store, _body(20, 21, proof=[bytes(32)] * 2))
    assert garbage.status == 422
    assert store.records[ORIGIN].size == 20


def test_proof_rules_for_old_zero_and_equal_sizes() -> None:
    assert _submit(Store(), _body(0, 10, proof=[bytes(32)])).status == 422
    store = Store()
    _submit(store, _body(0, 10))
    assert _submit(store, _body(10, 10, proof=[bytes(32)])).status == 422


def test_empty_tree_checkpoint() -> None:
    ok = Checkpoint(ORIGIN, 0, MerkleTree().root()).sign([LOG])
    assert _submit(Store(), AddCheckpointRequest.build(0, [], ok).encode()).status == 200
    bad = Checkpoint(ORIGIN, 0, bytes(32)).sign([LOG])
    assert _submit(Store(), AddCheckpointRequest.build(0, [], bad).encode()).status == 422


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 1\n",
        b"old 01\n\n",
        b"old -1\n\n",
        b"old 1 \n\n",
        b"new 1\n\n",
        b"old 1\nnot base64!\n\n",
        b"old 1\nAAAA\n\n",
        b"old 1\n\nnot a note\n",
        b"old 1\n\norigin\n1\nAAAA\n\n\xe2\x80\x94 a AAAAAAAAAA==\n",
        b"old \xff\n\n",
        b"old 99999999999999999999\n\n",
    ],
)
def test_malformed_bodies_are_400_and_change_nothing(body: bytes) -> None:
    store = Store()
    _submit(store, _body(0, 5))
    decision = _submit(store, body)
    assert decision.status == 400 and decision.new_state is None
    assert store.records[ORIGIN].size == 5


def test_limits_on_proof_lines_and_body_size() -> None:
    sixty_four = b"old 5\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\n"
    with pytest.raises(MalformedRequest, match="64 proof lines"):
        parse_add_checkpoint(sixty_four + _note(10).encode())
    huge = b"old 0\n\n" + b"x" * MAX_BODY_BYTES
    assert _submit(Store(), huge).status == 400
    with pytest.raises(InvalidInput, match="at most 63"):
        AddCheckpointRequest.build(0, [bytes(32)] * 64, _note(10))


def test_request_encoding_roundtrips() -> None:
    request = AddCheckpointRequest.build(10, TREE.consistency_proof(10, 25), _note(25))
    body = request.encode()
    assert body.startswith(b"old 10\n") and b"\n\n" + _note(25).encode() in body
    assert parse_add_checkpoint(body) == request


def test_log_side_parsing_of_answers() -> None:
    decision = _submit(Store(), _body(0, 7))
    other = CosignatureSigner("witness.example/w2", Ed25519KeyPair(bytes(range(3, 35))))
    mixed = decision.body + other.cosign(_note(7).text, NOW).line.encode()
    assert len(parse_cosignatures(mixed, _note(7), [SIGNER.verifier])) == 1
    assert len(parse_cosignatures(mixed, _note(7), [SIGNER.verifier, other.verifier])) == 2
    with pytest.raises(InvalidNoteSignature):
        parse_cosignatures(decision.body, _note(8), [SIGNER.verifier])  # another checkpoint
    with pytest.raises(MalformedNote, match="decimal"):
        parse_size_body(b"010\n")


def test_decide_with_a_preparsed_request_matches_add_checkpoint() -> None:
    store = Store()
    _submit(store, _body(0, 10))
    request = parse_add_checkpoint(_body(10, 15))
    decision = WITNESS.decide(request, store.load(ORIGIN), NOW)
    assert decision.status == 200 and decision.new_state is not None
    assert decision.new_state.size == 15
    with pytest.raises(InvalidInput, match="another log"):
        WITNESS.decide(request, LogRecord("x", 1, bytes(32), "", 1), NOW)
