"""C2SP signed-note: strict parsing, key formats and the unknown/known signature rules."""

from __future__ import annotations

import base64

import pytest

from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.transparency.cosignature import CosignatureSigner, verifier_from_vkey
from microcred.transparency.note import (
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    InvalidNoteSignature,
    MalformedNote,
    Note,
    NoteSignature,
    UnverifiedNote,
    key_id,
    open_note,
    parse_note,
    parse_vkey,
    sign_note,
)

ALICE = Ed25519NoteSigner("example.com/alice", Ed25519KeyPair(bytes(range(32))))
BOB = Ed25519NoteSigner("example.com/bob", Ed25519KeyPair(bytes(range(1, 33))))
TEXT = "hello\n\nworld\n"


def _signed(*signers: Ed25519NoteSigner, text: str = TEXT) -> str:
    return sign_note(text, list(signers)).format()


def test_sign_and_open_roundtrip_with_blank_lines_in_text() -> None:
    note = _signed(ALICE, BOB)
    opened = open_note(note, [ALICE.verifier, BOB.verifier])
    assert opened.text == TEXT
    assert opened.signed_by(ALICE.verifier) and opened.signed_by(BOB.verifier)
    assert parse_note(note).format() == note
    assert parse_note(note.encode()) == parse_note(note)


def test_unknown_signatures_are_ignored() -> None:
    opened = open_note(_signed(ALICE, BOB), [ALICE.verifier])
    assert [s.name for _, s in opened.verified] == [ALICE.name]


def test_same_name_other_key_id_is_unknown_and_ignored() -> None:
    impostor = Ed25519NoteSigner(ALICE.name, Ed25519KeyPair(bytes(32)))
    opened = open_note(_signed(impostor, ALICE), [ALICE.verifier])
    assert len(opened.verified) == 1
    with pytest.raises(UnverifiedNote, match="no signature from a known key"):
        open_note(_signed(impostor), [ALICE.verifier])


def test_a_known_key_with_a_bad_signature_rejects_the_note() -> None:
    note = parse_note(_signed(ALICE))
    sig = note.signatures[0]
    forged = Note(note.text, (NoteSignature(sig.name, sig.key_id, bytes(64)),))
    with pytest.raises(InvalidNoteSignature, match="does not verify"):
        open_note(forged.format(), [ALICE.verifier])
    both = Note(note.text, (sig, NoteSignature(BOB.name, BOB.key_id, bytes(64))))
    with pytest.raises(InvalidNoteSignature):  # even though Alice's signature is fine
        open_note(both.format(), [ALICE.verifier, BOB.verifier])
    altered = _signed(ALICE).replace("world", "w0rld")
    with pytest.raises(InvalidNoteSignature):
        open_note(altered, [ALICE.verifier])


def test_no_known_keys_rejects() -> None:
    with pytest.raises(UnverifiedNote, match="no keys are known"):
        open_note(_signed(ALICE), [])


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("hello\n", "blank line"),
        ("hello\n\n", "at least one signature"),
        ("hello\n\n— a AAAAAA==\n", "too short"),
        ("hello\n\n— a AAAA*AAA\n", "base64"),
        ("hello\n\n— a AAAAAAB=\n", "canonical"),
        ("hello\n\n- a AAAAAAAAAA==\n", "em dash"),
        ("hello\n\n— a+b AAAAAAAAAA==\n", "key name"),
        ("hello\n\n—  AAAAAAAAAA==\n", "key name"),
        ("hello\n\n— a AAAAAAAAAA== x\n", "signature line"),
        ("hello\n\n— a AAAAAAAAAA==", "newline"),
        ("he\tllo\n\n— a AAAAAAAAAA==\n", "control"),
        ("he\rllo\n\n— a AAAAAAAAAA==\n", "control"),
        ("hello\n\n— a AAAAAAAAAA==\n\n", "signature"),
    ],
)
def test_malformed_notes_are_refused(note: str, message: str) -> None:
    with pytest.raises(MalformedNote, match=message):
        parse_note(note)


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(MalformedNote, match="UTF-8"):
        parse_note(b"caf\xe9\n\n\xe2\x80\x94 a AAAAAAAAAA==\n")


def test_limits_on_size_and_signature_count() -> None:
    with pytest.raises(PayloadTooLarge, match="bytes"):
        parse_note(_signed(ALICE, text="x" * 200_000 + "\n"))
    many = sign_note(TEXT, [ALICE])
    lines = [NoteSignature(f"k{i}", i, b"sig") for i in range(65)]
    with pytest.raises(PayloadTooLarge, match="66 signatures"):
        parse_note(many.with_signatures(*lines).format())
    sixteen = many.with_signatures(*lines[:15])  # the spec's minimum must pass
    assert open_note(sixteen.format(), [ALICE.verifier]).text == TEXT
    with pytest.raises(PayloadTooLarge):
        parse_note(sixteen.format(), max_signatures=8)


def test_note_text_rules_when_signing() -> None:
    with pytest.raises(MalformedNote, match="newline"):
        sign_note("no newline", [ALICE])
    with pytest.raises(MalformedNote, match="control"):
        sign_note("bell\x07\n", [ALICE])
    with pytest.raises(InvalidInput):
        sign_note(TEXT, [])
    with pytest.raises(MalformedNote, match="at least one signature"):
        Note(TEXT).format()


def test_vkey_and_skey_roundtrip_and_key_id() -> None:
    vkey = ALICE.verifier.vkey
    name, hex_id, material = vkey.split("+", 2)
    assert name == ALICE.name and int(hex_id, 16) == ALICE.key_id
    assert base64.b64decode(material)[0] == 0x01
    assert ALICE.key_id == key_id(ALICE.name, 0x01, ALICE.key.public.raw)
    assert Ed25519NoteVerifier.from_vkey(vkey) == ALICE.verifier
    assert Ed25519NoteSigner.from_skey(ALICE.skey).key == ALICE.key
    assert ALICE.skey.startswith("PRIVATE+KEY+example.com/alice+")
    assert "seed" not in repr(ALICE) and ALICE.skey not in repr(ALICE)


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("example.com/alice", "name"),
        ("example.com/alice+00000000+AQ==", "no public key"),
        ("example.com/alice+00000000+AQAA", "32-byte"),
        ("example.com/alice+XYZ+AQ==", "8 lowercase hex"),
        ("+00000000+AQ==", "key name"),
        ("example.com/alice+00000000+!!!!", "base64"),
    ],
)
def test_bad_vkeys(vkey: str, message: str) -> None:
    with pytest.raises(MalformedNote, match=message):
        Ed25519NoteVerifier.from_vkey(vkey)


def test_vkey_with_wrong_key_id_or_type_is_refused() -> None:
    name, _, material = ALICE.verifier.vkey.split("+", 2)
    with pytest.raises(MalformedNote, match="does not match"):
        Ed25519NoteVerifier.from_vkey(f"{name}+deadbeef+{material}")
    cosigner = CosignatureSigner(ALICE.name, ALICE.key)
    with pytest.raises(MalformedNote, match="not 0x01"):
        Ed25519NoteVerifier.from_vkey(cosigner.verifier.vkey)
    assert parse_vkey(cosigner.verifier.vkey).sig_type == 0x04
    assert verifier_from_vkey(cosigner.verifier.vkey) == cosigner.verifier
    assert verifier_from_vkey(ALICE.verifier.vkey) == ALICE.verifier
    unknown = f"x+00000000+{base64.b64encode(bytes([0x02]) + bytes(33)).decode()}"
    with pytest.raises(MalformedNote, match="supports"):
        verifier_from_vkey(unknown)


def test_bad_skeys() -> None:
    with pytest.raises(MalformedNote):
        Ed25519NoteSigner.from_skey("PRIVATE+KEY+a+00000000")
    tampered = ALICE.skey.replace(f"{ALICE.key_id:08x}", "00000000")
    with pytest.raises(MalformedNote, match="does not match"):
        Ed25519NoteSigner.from_skey(tampered)
    with pytest.raises(MalformedNote, match="not 0x01"):
        Ed25519NoteSigner.from_skey(CosignatureSigner("w", ALICE.key).skey)


class _Colliding:
    """A verifier that claims Alice's name and key ID (a key ID collision)."""

    name = ALICE.name
    key_id = ALICE.key_id

    def verify(self, text: bytes, signature: bytes) -> bool:
        return False


def test_ambiguous_verifiers_are_refused() -> None:
    twin = _Colliding()
    assert open_note(_signed(ALICE), [ALICE.verifier, ALICE.verifier]).text == TEXT
    with pytest.raises(InvalidInput, match="share the name"):
        open_note(_signed(ALICE), [ALICE.verifier, twin])


def test_with_signatures_does_not_duplicate_lines() -> None:
    note = sign_note(TEXT, [ALICE])
    again = note.with_signatures(*note.signatures)
    assert again == note
