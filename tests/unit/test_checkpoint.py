"""C2SP tlog-checkpoint and tlog-cosignature (Ed25519 cosignature/v1)."""

from __future__ import annotations

import base64

import pytest

from microcred.crypto.keys import Ed25519KeyPair
from microcred.errors import InvalidInput
from microcred.transparency.checkpoint import Checkpoint, MalformedCheckpoint, open_checkpoint
from microcred.transparency.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_timestamp,
    cosigned_message,
)
from microcred.transparency.merkle import EMPTY_ROOT
from microcred.transparency.note import (
    Ed25519NoteSigner,
    InvalidNoteSignature,
    MalformedNote,
    Note,
    UnverifiedNote,
    open_note,
    parse_note,
)

ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
SPEC_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
LOG = Ed25519NoteSigner("example.com/behind-the-sofa", Ed25519KeyPair(bytes(range(32))))
WITNESS = CosignatureSigner("witness.example.com/w1", Ed25519KeyPair(bytes(range(5, 37))))


def test_spec_example_parses_and_formats_back() -> None:
    checkpoint = Checkpoint.parse(SPEC_TEXT)
    assert checkpoint == Checkpoint("example.com/behind-the-sofa", 20852163, ROOT)
    assert checkpoint.text == SPEC_TEXT


def test_spec_example_signature_lines_parse() -> None:
    signed = (
        SPEC_TEXT + "\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOo"
        "RDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n— witness.example.com/w1 jWbPPwAAAABkGFD"
        "LEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
    )
    note = parse_note(signed)
    assert Checkpoint.parse(note.text).size == 20852163
    assert cosignature_timestamp(note.signatures[1]) == 1679315147  # the spec's "time" line


def test_extension_lines_are_kept_and_signed() -> None:
    checkpoint = Checkpoint("o", 3, ROOT, ("ext one", "ext two"))
    assert Checkpoint.parse(checkpoint.text) == checkpoint
    signer = Ed25519NoteSigner("o", LOG.key)
    opened = open_checkpoint(checkpoint.sign([signer]).format(), [signer.verifier])
    assert opened.checkpoint.extensions == ("ext one", "ext two")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("o\n12\n", "three lines"),
        ("o\n012\n" + base64.b64encode(ROOT).decode() + "\n", "leading zeroes"),
        ("o\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n1 \n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n99999999999999999999\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "32"),
        ("o\n1\nnot base64\n", "base64"),
        ("\n1\n" + base64.b64encode(ROOT).decode() + "\n", "origin"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension"),
        ("o\n1\n" + base64.b64encode(ROOT).decode(), "newline"),
    ],
)
def test_malformed_checkpoints(text: str, message: str) -> None:
    with pytest.raises(MalformedNote, match=message):
        Checkpoint.parse(text)


def test_size_zero_and_limits() -> None:
    assert Checkpoint.parse(f"o\n0\n{base64.b64encode(EMPTY_ROOT).decode()}\n").size == 0
    top = (1 << 63) - 1
    assert Checkpoint.parse(f"o\n{top}\n{base64.b64encode(ROOT).decode()}\n").size == top
    with pytest.raises(MalformedCheckpoint):
        Checkpoint.parse(f"o\n{top + 1}\n{base64.b64encode(ROOT).decode()}\n")
    with pytest.raises(MalformedCheckpoint):
        Checkpoint("bad\norigin", 1, ROOT)


def test_open_checkpoint_checks_origin_and_signature() -> None:
    signed = Checkpoint(LOG.name, 5, ROOT).sign([LOG]).format()
    assert open_checkpoint(signed, [LOG.verifier], origin=LOG.name).checkpoint.size == 5
    with pytest.raises(InvalidInput, match=r"expected 'other\.example'"):
        open_checkpoint(signed, [LOG.verifier], origin="other.example")
    with pytest.raises(UnverifiedNote):
        open_checkpoint(signed, [WITNESS.verifier])
    with pytest.raises(InvalidNoteSignature):
        open_checkpoint(signed.replace("\n5\n", "\n6\n"), [LOG.verifier])


def test_cosignature_sign_verify_and_message_format() -> None:
    text = Checkpoint(LOG.name, 5, ROOT).text
    sig = WITNESS.cosign(text, 1679315147)
    assert cosignature_timestamp(sig) == 1679315147
    assert (
        cosigned_message(text, 1679315147) == b"cosignature/v1\ntime 1679315147\n" + text.encode()
    )
    raw = sig.signature
    assert WITNESS.key.public.verify(raw[8:], cosigned_message(text, 1679315147))
    note = Checkpoint(LOG.name, 5, ROOT).sign([LOG]).with_signatures(sig)
    opened = open_note(note.format(), [LOG.verifier, WITNESS.verifier])
    assert opened.signed_by(WITNESS.verifier)
    other = type(sig)(sig.name, sig.key_id, (1679315148).to_bytes(8, "big") + raw[8:])
    with pytest.raises(InvalidNoteSignature):  # a changed timestamp breaks the signature
        open_note(Note(note.text, (other,)).format(), [WITNESS.verifier])


def test_cosigner_key_id_uses_type_0x04_and_differs_from_note_key() -> None:
    same_key_as_note = Ed25519NoteSigner(WITNESS.name, WITNESS.key)
    assert same_key_as_note.key_id != WITNESS.key_id
    text = Checkpoint(LOG.name, 5, ROOT).text
    plain = same_key_as_note.sign(text.encode())
    assert not WITNESS.verifier.verify(text.encode(), plain)  # not a cosignature
    assert CosignatureVerifier.from_vkey(WITNESS.verifier.vkey) == WITNESS.verifier
    assert CosignatureSigner.from_skey(WITNESS.skey).key == WITNESS.key
    with pytest.raises(MalformedNote, match="not 0x04"):
        CosignatureVerifier.from_vkey(LOG.verifier.vkey)
    with pytest.raises(MalformedNote, match="not 0x04"):
        CosignatureSigner.from_skey(LOG.skey)


def test_cosignature_timestamps_are_bounded() -> None:
    text = Checkpoint(LOG.name, 5, ROOT).text
    with pytest.raises(InvalidInput):
        WITNESS.cosign(text, 0)
    with pytest.raises(InvalidInput):
        cosigned_message(text, 1 << 63)
    too_big = (1 << 63).to_bytes(8, "big") + bytes(64)
    assert not WITNESS.verifier.verify(text.encode(), too_big)
    assert not WITNESS.verifier.verify(text.encode(), b"short")
    with pytest.raises(MalformedNote):
        cosignature_timestamp(b"short")
