"""Public transparency vectors (tests/vectors/transparency), every one through the library."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.vectors import vector

from microcred.errors import VerificationError
from microcred.transparency import merkle, tiles
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.merkle import MerkleTree, verify_consistency, verify_inclusion
from microcred.transparency.note import (
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    InvalidNoteSignature,
    NoteSignature,
    UnverifiedNote,
    open_note,
    parse_note,
    sign_note,
)


def _load(name: str) -> Any:
    return json.loads(vector("transparency", name).read_text(encoding="utf-8"))


def _hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


INCLUSION = _load("tdev_inclusion_probes.json")["probes"]
CONSISTENCY = _load("tdev_consistency_probes.json")["probes"]


def test_probe_files_are_complete() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert sum(not p["wantErr"] for p in INCLUSION) == 6
    assert sum(not p["wantErr"] for p in CONSISTENCY) == 6


@pytest.mark.parametrize("probe", INCLUSION, ids=[p["file"] for p in INCLUSION])
def test_transparency_dev_inclusion_probe(probe: dict[str, Any]) -> None:
    def run() -> None:
        verify_inclusion(
            bytes.fromhex(probe["leafHash_hex"]),
            probe["leafIdx"],
            probe["treeSize"],
            _hexes(probe["proof_hex"]),
            bytes.fromhex(probe["root_hex"]),
        )

    if probe["wantErr"]:
        with pytest.raises(VerificationError):
            run()
    else:
        assert run() is None


@pytest.mark.parametrize("probe", CONSISTENCY, ids=[p["file"] for p in CONSISTENCY])
def test_transparency_dev_consistency_probe(probe: dict[str, Any]) -> None:
    def run() -> None:
        verify_consistency(
            probe["size1"],
            probe["size2"],
            _hexes(probe["proof_hex"]),
            bytes.fromhex(probe["root1_hex"]),
            bytes.fromhex(probe["root2_hex"]),
        )

    if probe["wantErr"]:
        with pytest.raises(VerificationError):
            run()
    else:
        assert run() is None


def test_error_messages_name_the_fault() -> None:
    happy = next(p for p in INCLUSION if p["file"] == "testdata/inclusion/1/happy-path.json")
    args = (bytes.fromhex(happy["leafHash_hex"]), happy["leafIdx"], happy["treeSize"])
    proof, root = _hexes(happy["proof_hex"]), bytes.fromhex(happy["root_hex"])
    with pytest.raises(VerificationError, match="proof has 4 hashes, expected 3"):
        verify_inclusion(*args, [*proof, proof[0]], root)
    with pytest.raises(VerificationError, match="Root mismatch"):
        verify_inclusion(*args, proof, bytes(32))
    with pytest.raises(VerificationError, match="outside a tree of size 8"):
        verify_inclusion(args[0], 8, 8, proof, root)
    cons = next(p for p in CONSISTENCY if p["file"] == "testdata/consistency/2/happy-path.json")
    r1, r2 = bytes.fromhex(cons["root1_hex"]), bytes.fromhex(cons["root2_hex"])
    with pytest.raises(VerificationError, match="root1 mismatch"):
        verify_consistency(6, 8, _hexes(cons["proof_hex"]), bytes(32), r2)
    with pytest.raises(VerificationError, match="root2 mismatch"):
        verify_consistency(6, 8, _hexes(cons["proof_hex"]), r1, bytes(32))
    with pytest.raises(VerificationError, match="proof has 2 hashes, expected 3"):
        verify_consistency(6, 8, _hexes(cons["proof_hex"])[:2], r1, r2)


REFERENCE = _load("reference_tree_8_leaves.json")


def _reference_tree() -> MerkleTree:
    tree = MerkleTree()
    for leaf in _hexes(REFERENCE["leaf_inputs_hex"]):
        tree.append(leaf)
    return tree


def test_reference_tree_roots_and_every_stored_node() -> None:
    tree = MerkleTree()
    for size, leaf in enumerate(_hexes(REFERENCE["leaf_inputs_hex"])):
        assert tree.root().hex() == REFERENCE["roots_hex"][size]
        tree.append(leaf)
    for size, expected in enumerate(REFERENCE["roots_hex"]):
        assert tree.root(size).hex() == expected
    for level, row in enumerate(REFERENCE["node_hashes_hex"]):
        assert [tree.get(level, i).hex() for i in range(len(row))] == row


def test_root_of_leaf_hashes_matches_reference() -> None:
    leaves = [merkle.leaf_hash(x) for x in _hexes(REFERENCE["leaf_inputs_hex"])]
    for size in range(9):
        assert merkle.root(leaves[:size]).hex() == REFERENCE["roots_hex"][size]


CT = _load("ct_cpp_known_answers.json")


@pytest.mark.parametrize("case", CT["inclusion_paths"], ids=lambda c: f"leaf{c['leaf_1based']}")
def test_ct_known_inclusion_paths(case: dict[str, Any]) -> None:
    tree = _reference_tree()
    index, size = case["leaf_index_0based"], case["tree_size"]
    if index < 0:  # the C++ degenerate case: no leaf, no path
        with pytest.raises(VerificationError):
            verify_inclusion(bytes(32), index, size, [], merkle.EMPTY_ROOT)
        return
    proof = tree.inclusion_proof(index, size)
    assert [h.hex() for h in proof] == case["path_hex"]
    verify_inclusion(tree.get(0, index), index, size, proof, tree.root(size))


@pytest.mark.parametrize(
    "case", CT["consistency_proofs"], ids=lambda c: f"{c['size1']}-{c['size2']}"
)
def test_ct_known_consistency_proofs(case: dict[str, Any]) -> None:
    tree = _reference_tree()
    s1, s2 = case["size1"], case["size2"]
    proof = tree.consistency_proof(s1, s2)
    assert [h.hex() for h in proof] == case["proof_hex"]
    verify_consistency(s1, s2, proof, tree.root(s1), tree.root(s2))


def test_rfc6962_hasher_known_answers() -> None:
    vectors = _load("rfc6962_hasher.json")
    tdev = vectors["transparency_dev_merkle"]
    assert merkle.EMPTY_ROOT.hex() == tdev["empty_root"]
    assert merkle.leaf_hash(b"").hex() == tdev["leaf('')"]
    assert merkle.leaf_hash(b"L123456").hex() == tdev["leaf('L123456')"]
    key = "children('N123','N456') [raw ASCII children, not 32-byte hashes]"
    assert merkle.node_hash(b"N123", b"N456").hex() == tdev[key]
    ct = vectors["certificate_transparency_python"]
    assert (
        merkle.leaf_hash(bytes(range(16, 32))).hex()
        == ct["leaf_hex_101112131415161718191a1b1c1d1e1f"]
    )
    children = ct["children"]
    left, right = bytes.fromhex(children["left"]), bytes.fromhex(children["right"])
    assert merkle.node_hash(left, right).hex() == children["hash"]


NOTES = _load("signed_note_vectors.json")


def test_go_sumdb_note_signs_byte_for_byte() -> None:
    go = NOTES["go_sumdb_note"]
    signer = Ed25519NoteSigner.from_skey(go["skey"])
    assert signer.skey == go["skey"]
    assert signer.verifier.vkey == go["vkey"]
    assert sign_note(go["text"], [signer]).format() == go["signed_note"]
    opened = open_note(go["signed_note"], [Ed25519NoteVerifier.from_vkey(go["vkey"])])
    assert opened.text == go["text"]


def test_go_sumdb_note_with_two_signers() -> None:
    go = NOTES["go_sumdb_note"]
    both = go["signed_note"] + go["other_signature_line_EnochRoot"] + "\n"
    peter = Ed25519NoteVerifier.from_vkey(go["vkey"])
    enoch = Ed25519NoteVerifier.from_vkey(go["enoch_vkey"])
    assert len(open_note(both, [peter, enoch]).verified) == 2
    only_enoch = open_note(both, [enoch])  # Peter's signature is from an unknown key: ignored
    assert [sig.name for _, sig in only_enoch.verified] == ["EnochRoot"]
    with pytest.raises(UnverifiedNote):
        open_note(go["signed_note"], [enoch])


def test_go_sumdb_note_tampered_text_is_rejected() -> None:
    go = NOTES["go_sumdb_note"]
    tampered = go["signed_note"].replace("cryptography", "crypt0graphy")
    with pytest.raises(InvalidNoteSignature):
        open_note(tampered, [Ed25519NoteVerifier.from_vkey(go["vkey"])])


def test_c2sp_signed_note_example() -> None:
    example = NOTES["c2sp_signed_note_example"]
    verifier = Ed25519NoteVerifier.from_vkey(example["vkey"])
    assert verifier.vkey == example["vkey"]
    note = open_note(example["signed_note"], [verifier])
    assert note.text == "This is an example message.\n"
    sig = parse_note(example["signed_note"]).signatures[0]
    assert sig == NoteSignature("example.com/foo", 0x530D903A, sig.signature)


def test_go_tlog_tree_note_format() -> None:
    golden = NOTES["go_sumdb_tlog_format_tree"]
    checkpoint = Checkpoint("go.sum database tree", golden["n"], merkle.leaf_hash(b"hello world"))
    assert checkpoint.text == golden["golden"]
    assert Checkpoint.parse(golden["golden"]) == checkpoint


TILES = _load("c2sp_tiles_examples.json")


def test_c2sp_tile_index_paths() -> None:
    for index, path in TILES["index_path"].items():
        assert tiles.encode_index(int(index)) == path
        assert tiles.decode_index(path) == int(index)
    assert TILES["full_tile_hashes"] == tiles.TILE_WIDTH
    assert TILES["full_tile_bytes"] == tiles.TILE_WIDTH * merkle.HASH_SIZE


@pytest.mark.parametrize("name", ["tree_70000", "tree_256"])
def test_c2sp_tile_counts(name: str) -> None:
    size = int(name.removeprefix("tree_"))
    expected = {
        int(level.removeprefix("level")): (row["full"], row["partial_width"])
        for level, row in TILES[name].items()
    }
    assert {level: (full, w) for level, full, w in tiles.tile_counts(size)} == expected
