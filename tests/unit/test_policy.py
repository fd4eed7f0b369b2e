"""C2SP tlog-policy: parsing rules, quorum evaluation, and checking cosigned checkpoints."""

from __future__ import annotations

import pytest

from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import PayloadTooLarge, VerificationError
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.note import (
    Ed25519NoteSigner,
    InvalidNoteSignature,
    Note,
    NoteSignature,
)
from microcred.transparency.policy import MalformedPolicy, Policy

ORIGIN = "issuer.example/microcred"
LOG = Ed25519NoteSigner(ORIGIN, Ed25519KeyPair(bytes(range(32))))
W = {
    name: CosignatureSigner(f"{name.lower()}.witness.example", Ed25519KeyPair(bytes([i]) * 32))
    for i, name in enumerate(["X1", "X2", "X3", "Y1", "Y2", "Y3"], start=1)
}
NOW = 1_800_000_000

SPEC_EXAMPLE = f"""\
log {LOG.verifier.vkey}

witness X1 {W["X1"].verifier.vkey}
witness X2 {W["X2"].verifier.vkey}
witness X3 {W["X3"].verifier.vkey}
group X-witnesses 2 X1 X2 X3

witness Y1 {W["Y1"].verifier.vkey}
witness Y2 {W["Y2"].verifier.vkey}
witness Y3 {W["Y3"].verifier.vkey}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
"""

POLICY = Policy.parse(SPEC_EXAMPLE)


def _cosigned(*names: str, root: bytes = bytes(32), size: int = 9) -> Note:
    checkpoint = Checkpoint(ORIGIN, size, root)
    note = checkpoint.sign([LOG])
    return note.with_signatures(*(W[n].cosign(checkpoint.text, NOW) for n in names))


def test_spec_example_structure() -> None:
    assert [p.origin for p in POLICY.logs] == [ORIGIN]
    assert list(POLICY.witnesses) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
    assert POLICY.groups["X-witnesses"].threshold == 2
    assert POLICY.groups["Y-witnesses"].threshold == 1
    assert POLICY.groups["X-and-Y"].threshold == 2
    assert POLICY.quorum == "X-and-Y"
    assert Policy.parse(POLICY.format()) == POLICY


@pytest.mark.parametrize(
    ("cosigners", "final"),
    [
        ({"X1", "X2", "Y1"}, True),
        ({"X1", "X3", "Y3"}, True),
        ({"X1", "X2", "X3"}, False),
        ({"X1", "Y1", "Y2", "Y3"}, False),
        (set(), False),
    ],
)
def test_quorum_evaluation(cosigners: set[str], final: bool) -> None:
    assert POLICY.satisfied(cosigners) is final


def test_check_accepts_a_final_checkpoint_and_reports_cosigners() -> None:
    result = POLICY.check(_cosigned("X1", "X3", "Y2").format())
    assert result.checkpoint.size == 9 and result.log.origin == ORIGIN
    assert dict(result.cosigners) == {"X1": NOW, "X3": NOW, "Y2": NOW}


def test_check_explains_a_missing_quorum() -> None:
    with pytest.raises(VerificationError, match="group Y-witnesses needs 1 of 3, has 0"):
        POLICY.check(_cosigned("X1", "X2"))


def test_check_needs_the_log_signature() -> None:
    checkpoint = Checkpoint(ORIGIN, 9, bytes(32))
    only_witnesses = Note(
        checkpoint.text, tuple(W[n].cosign(checkpoint.text, NOW) for n in ("X1", "X2", "Y1"))
    )
    with pytest.raises(VerificationError, match="not signed by the log"):
        POLICY.check(only_witnesses)
    other_origin = Checkpoint("other.example/log", 9, bytes(32)).sign(
        [Ed25519NoteSigner("other.example/log", LOG.key)]
    )
    with pytest.raises(VerificationError, match="no log with origin"):
        POLICY.check(other_origin)


def test_a_bad_cosignature_from_a_known_witness_rejects_the_checkpoint() -> None:
    note = _cosigned("X1", "X2", "Y1")
    w = W["Y2"]
    broken = note.with_signatures(
        NoteSignature(w.name, w.key_id, NOW.to_bytes(8, "big") + bytes(64))
    )
    with pytest.raises(InvalidNoteSignature):
        POLICY.check(broken)


def test_cosignatures_over_another_checkpoint_do_not_count() -> None:
    honest = Checkpoint(ORIGIN, 9, bytes(32))
    other = Checkpoint(ORIGIN, 9, bytes(31) + b"\x01")
    note = honest.sign([LOG]).with_signatures(
        W["X1"].cosign(honest.text, NOW), W["X2"].cosign(other.text, NOW)
    )
    with pytest.raises(InvalidNoteSignature):
        POLICY.check(note)


def test_future_cosignatures_do_not_count_when_now_is_given() -> None:
    checkpoint = Checkpoint(ORIGIN, 9, bytes(32))
    note = checkpoint.sign([LOG]).with_signatures(
        W["X1"].cosign(checkpoint.text, NOW),
        W["X2"].cosign(checkpoint.text, NOW + 86_400),
        W["Y1"].cosign(checkpoint.text, NOW),
    )
    assert POLICY.check(note).cosigners["X2"] == NOW + 86_400
    with pytest.raises(VerificationError, match="witness X2 has not cosigned"):
        POLICY.check(note, now=NOW)


def test_quorum_none_and_single_witness() -> None:
    none = Policy.parse(f"log {LOG.verifier.vkey}\nquorum none\n")
    assert none.check(Checkpoint(ORIGIN, 1, bytes(32)).sign([LOG])).cosigners == {}
    single = Policy.parse(
        f"log {LOG.verifier.vkey} https://issuer.example/log/\n"
        f"witness X1 {W['X1'].verifier.vkey} https://w1.example/\nquorum X1\n"
    )
    assert single.logs[0].url == "https://issuer.example/log/"
    assert single.witnesses["X1"].url == "https://w1.example/"
    assert single.check(_cosigned("X1")).cosigners.keys() == {"X1"}
    with pytest.raises(VerificationError):
        single.check(_cosigned("X2"))


def test_policy_without_logs_takes_logs_from_context() -> None:
    policy = Policy.parse(f"witness X1 {W['X1'].verifier.vkey}\nquorum X1\n")
    with pytest.raises(VerificationError, match="no log"):
        policy.check(_cosigned("X1"))
    assert policy.check(_cosigned("X1"), extra_logs=[LOG.verifier]).log.origin == ORIGIN


def test_comments_whitespace_tabs_and_missing_final_newline() -> None:
    text = (
        f"# a policy\n\n  \t\nlog\t{LOG.verifier.vkey}  \n"
        f"   # indented comment\nwitness  X1 \t{W['X1'].verifier.vkey}\nquorum X1"
    )
    assert Policy.parse(text).quorum == "X1"


X1, X2 = W["X1"].verifier.vkey, W["X2"].verifier.vkey
LOGK = LOG.verifier.vkey


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"log {LOGK}\n", "no quorum"),
        (f"witness X1 {X1}\nquorum X1\nquorum X1\n", "exactly one quorum"),
        ("quorum X1\n", "not defined above"),
        (f"quorum X1\nwitness X1 {X1}\n", "Line 1"),
        (f"witness X1 {X1}\nwitness X1 {X2}\nquorum X1\n", "already defined"),
        (f"witness X1 {X1}\nwitness X2 {X1}\nquorum X1\n", "already listed"),
        (f"log {LOGK}\nlog {LOGK}\nquorum none\n", "already listed"),
        (f"witness none {X1}\nquorum none\n", "reserved"),
        (f"witness X1 {X1}\ngroup G 1 X1 none\nquorum G\n", "'none' cannot"),
        (f"witness X1 {X1}\ngroup G 1 X1 X1\nquorum G\n", "at most once"),
        (f"witness X1 {X1}\ngroup G 2 X1\nquorum G\n", "threshold"),
        (f"witness X1 {X1}\ngroup G 0 X1\nquorum G\n", "threshold"),
        (f"witness X1 {X1}\ngroup G 01 X1\nquorum G\n", "threshold"),
        (f"witness X1 {X1}\ngroup G any\nquorum G\n", "group line"),
        (f"witness X1 {X1}\ngroup X1 any X1\nquorum X1\n", "already defined"),
        (f"witness X1 {LOGK}\nquorum X1\n", "not 0x04"),
        (f"log {X1}\nquorum none\n", "not 0x01"),
        ("logs abc\nquorum none\n", "Unknown keyword"),
        (f"witness X1 {X1} url extra\nquorum X1\n", "witness line"),
        ("quorum none\x00\n", "control"),
        ("quorum\rnone\n", "control"),
    ],
)
def test_invalid_policies(text: str, message: str) -> None:
    with pytest.raises(MalformedPolicy, match=message):
        Policy.parse(text)


def test_high_bit_octets_are_opaque_names_and_size_is_limited() -> None:
    text = f"witness K {X1}\nwitness \u212a {X2}\ngroup G all K \u212a\nquorum G\n"
    policy = Policy.parse(text.encode())
    assert set(policy.witnesses) == {"K", "\u212a"}
    with pytest.raises(PayloadTooLarge):
        Policy.parse(b"#" * 300_000)
