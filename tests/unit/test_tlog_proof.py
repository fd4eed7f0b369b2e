"""C2SP tlog-proof (the offline proof a credential carries) and microcred's log entries."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import InvalidInput, PayloadTooLarge, VerificationError
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.entry import (
    MAX_ENTRY_BYTES,
    LogEntry,
    LogEvent,
    MalformedEntry,
    credential_id_hash,
)
from microcred.transparency.merkle import MerkleTree
from microcred.transparency.note import Ed25519NoteSigner, InvalidNoteSignature, Note
from microcred.transparency.policy import Policy
from microcred.transparency.proof import MalformedProof, TlogProof, build_proof

ORIGIN = "issuer.example/microcred"
LOG = Ed25519NoteSigner(ORIGIN, Ed25519KeyPair(bytes(range(32))))
W1 = CosignatureSigner("w1.example", Ed25519KeyPair(bytes([1]) * 32))
W2 = CosignatureSigner("w2.example", Ed25519KeyPair(bytes([2]) * 32))
POLICY = Policy.parse(
    f"log {LOG.verifier.vkey}\nwitness a {W1.verifier.vkey}\nwitness b {W2.verifier.vkey}\n"
    "group both all a b\nquorum both\n"
)
WHEN = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _entry(i: int, event: LogEvent = LogEvent.ISSUED) -> LogEntry:
    return LogEntry.for_credential(
        event,
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        canonical_credential=f"canonical credential {i}".encode(),
        issuer_did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        achievement_id=f"https://issuer.example/achievements/{i % 3}",
        time=WHEN + timedelta(seconds=i),
    )


ENTRIES = [_entry(i) for i in range(13)]
TREE = MerkleTree()
TREE.extend([e.encode() for e in ENTRIES])


def _proof(index: int = 6, *, witnesses: tuple[CosignatureSigner, ...] = (W1, W2)) -> TlogProof:
    checkpoint = Checkpoint(ORIGIN, TREE.size, TREE.root())
    note = checkpoint.sign([LOG]).with_signatures(
        *(w.cosign(checkpoint.text, 1_800_000_000) for w in witnesses)
    )
    return build_proof(index, TREE.inclusion_proof(index), note)


def test_proof_format_matches_the_spec_layout() -> None:
    text = _proof().format()
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "index 6"
    hashes = TREE.inclusion_proof(6)
    assert lines[2 : 2 + len(hashes)] == [base64.b64encode(h).decode() for h in hashes]
    assert lines[2 + len(hashes)] == ""
    assert text.endswith(_proof().note.format())


def test_proof_roundtrip_with_and_without_extra() -> None:
    plain = _proof()
    assert TlogProof.parse(plain.format()) == plain
    extra = build_proof(6, TREE.inclusion_proof(6), plain.note, extra=b"context")
    text = extra.format()
    assert text.split("\n")[1] == "extra " + base64.b64encode(b"context").decode()
    assert TlogProof.parse(text.encode()) == extra


def test_offline_verification_of_every_entry() -> None:
    for index, entry in enumerate(ENTRIES):
        proof = TlogProof.parse(_proof(index).format())
        final = proof.verify(entry.leaf_hash, POLICY)
        assert final.checkpoint.size == 13 and set(final.cosigners) == {"a", "b"}


def test_verification_failures_are_named() -> None:
    proof = _proof(6)
    with pytest.raises(VerificationError, match="not proven to be in the log at index 6"):
        proof.verify(ENTRIES[7].leaf_hash, POLICY)
    with pytest.raises(VerificationError, match="witness b has not cosigned"):
        _proof(6, witnesses=(W1,)).verify(ENTRIES[6].leaf_hash, POLICY)
    moved = build_proof(7, proof.inclusion, proof.note)
    with pytest.raises(VerificationError):
        moved.verify(ENTRIES[6].leaf_hash, POLICY)
    tampered = proof.format().replace(f"\n{TREE.size}\n", f"\n{TREE.size + 1}\n")
    with pytest.raises(InvalidNoteSignature):
        TlogProof.parse(tampered).verify(ENTRIES[6].leaf_hash, POLICY)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), "starts with"),
        (lambda t: t.replace("index 6", "index 06"), "leading zeroes"),
        (lambda t: t.replace("index 6", "idx 6"), "index"),
        (lambda t: t.replace("index 6\n", "index 6\nnot-base64\n"), "base64"),
        (lambda t: t.replace("index 6\n", "index 6\nAAAA\n"), "32 bytes"),
        (lambda t: t.replace("\n\n", "\n"), "empty line"),
        (lambda t: t.split("\n\n")[0] + "\n\nnot a note\n", "blank line"),
        (lambda t: t.replace("index 6\n", "extra !!\nindex 6\n"), "base64"),
    ],
)
def test_malformed_proofs(mutate: object, message: str) -> None:
    text = _proof().format()
    with pytest.raises(MalformedProof, match=message):
        TlogProof.parse(mutate(text))  # type: ignore[operator]


def test_proof_limits() -> None:
    base = _proof().format()
    with pytest.raises(MalformedProof, match="at most 63"):
        TlogProof.parse(base.replace("index 6\n", "index 6\n" + ("A" * 43 + "=\n") * 64, 1))
    with pytest.raises(PayloadTooLarge):
        TlogProof.parse("x" * 300_000)
    big = LogEntry.decode(ENTRIES[0].encode())
    big = LogEntry(big.event, big.credential_id_hash, big.credential_sha256, big.issuer_did,
                   "https://issuer.example/" + "a" * 60_000, WHEN)  # fmt: skip
    carried = build_proof(6, TREE.inclusion_proof(6), _proof().note, extra=big.encode())
    assert TlogProof.parse(carried.format()).extra == big.encode()
    with pytest.raises(MalformedProof, match="extra data"):
        build_proof(6, TREE.inclusion_proof(6), _proof().note, extra=b"x" * (MAX_ENTRY_BYTES + 1))
    not_a_checkpoint = Note("just text\n", _proof().note.signatures)
    with pytest.raises(MalformedProof, match="not a checkpoint"):
        build_proof(0, [], not_a_checkpoint)


# --- log entries --------------------------------------------------------------------------


def test_entry_encoding_is_the_documented_text() -> None:
    entry = ENTRIES[0]
    cid = "urn:uuid:00000000-0000-4000-8000-000000000000"
    text = entry.encode().decode()
    assert text.splitlines() == [
        "microcred/log-entry/v1",
        "event issued",
        f"credential-id-hash {credential_id_hash(cid).hex()}",
        f"credential-sha256 {entry.credential_sha256.hex()}",
        "issuer did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "achievement https://issuer.example/achievements/0",
        "time 2026-11-01T12:00:00Z",
    ]
    assert LogEntry.decode(entry.encode()) == entry
    assert entry.matches(cid, b"canonical credential 0")
    assert not entry.matches(cid, b"edited")


def test_entry_is_deterministic_and_normalises_time() -> None:
    paris = timezone(timedelta(hours=1))
    a = _entry(1)
    b = LogEntry(
        LogEvent.ISSUED,
        a.credential_id_hash,
        a.credential_sha256,
        a.issuer_did,
        a.achievement_id,
        datetime(2026, 11, 1, 13, 0, 1, 999_999, tzinfo=paris),
    )
    assert a.encode() == b.encode() and a.leaf_hash == b.leaf_hash
    for event in LogEvent:
        e = _entry(2, event)
        assert LogEntry.decode(e.encode()).event is event


def test_entry_refuses_bad_fields_and_large_sizes() -> None:
    a = _entry(1)
    with pytest.raises(InvalidInput, match="timezone"):
        LogEntry(a.event, a.credential_id_hash, a.credential_sha256, a.issuer_did,
                 a.achievement_id, datetime(2026, 1, 1))  # fmt: skip
    with pytest.raises(InvalidInput, match="32 bytes"):
        LogEntry(a.event, b"short", a.credential_sha256, a.issuer_did, a.achievement_id, WHEN)
    with pytest.raises(InvalidInput, match="DID"):
        LogEntry(a.event, a.credential_id_hash, a.credential_sha256, "not a did", "x", WHEN)
    with pytest.raises(InvalidInput, match="printable ASCII"):
        LogEntry(a.event, a.credential_id_hash, a.credential_sha256, a.issuer_did, "a b", WHEN)
    with pytest.raises(InvalidInput, match="printable ASCII"):
        LogEntry(a.event, a.credential_id_hash, a.credential_sha256, a.issuer_did, "a\nb", WHEN)
    with pytest.raises(PayloadTooLarge):
        LogEntry(a.event, a.credential_id_hash, a.credential_sha256, a.issuer_did,
                 "x" * MAX_ENTRY_BYTES, WHEN)  # fmt: skip
    with pytest.raises(ValueError, match="published"):
        LogEvent("published")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.replace(b"event issued", b"event published"), "not a log event"),
        (lambda b: b.replace(b"v1", b"v2"), "seven 'key value'"),  # v2 adds 'change'
        (lambda b: b.replace(b"v1", b"v3"), "starts with"),
        (lambda b: b + b"extra line\n", "six 'key value'"),
        (lambda b: b[:-1], "newline"),
        (lambda b: b.replace(b"issuer ", b"issuer:"), "issuer"),
        (lambda b: b.replace(b"T12:00:00Z", b"T25:00:00Z"), "valid time"),
        (lambda b: b.replace(b"T12:00:00Z", b" 12:00:00Z"), "YYYY"),
        (lambda b: b.replace(b"credential-sha256 ", b"credential-sha256 A"), "hex"),
        (lambda b: b.replace(b"microcred", b"micr\xc3\xb6cred"), "ASCII"),
    ],
)
def test_entry_decoding_is_strict(mutate: object, message: str) -> None:
    with pytest.raises(MalformedEntry, match=message):
        LogEntry.decode(mutate(ENTRIES[0].encode()))  # type: ignore[operator]


def test_entry_decoding_refuses_oversized_input() -> None:
    with pytest.raises(PayloadTooLarge):
        LogEntry.decode(b"x" * (MAX_ENTRY_BYTES + 1))
