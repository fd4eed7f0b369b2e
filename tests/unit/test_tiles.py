"""C2SP tlog-tiles: paths, tile contents, entry bundles, and client-side verification."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from microcred.errors import InvalidInput, PayloadTooLarge, VerificationError
from microcred.transparency.merkle import MerkleTree, leaf_hash
from microcred.transparency.tiles import (
    ENTRIES,
    MalformedTilePath,
    Tile,
    TiledLog,
    decode_entry_bundle,
    decode_index,
    encode_entry_bundle,
    encode_index,
    parse_tile_path,
    partial_tiles,
    read_tile,
    tile_at,
    tile_counts,
)
from microcred.web.errors import status_of

SIZE = 70_000
DATA = [i.to_bytes(4, "big") * (1 + i % 3) for i in range(SIZE)]


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    t = MerkleTree()
    t.extend(DATA)
    return t


class Server:
    """Serves tiles the way a log would, with optional tampering; counts what it serves."""

    def __init__(self, tree: MerkleTree, tamper: Tile | None = None) -> None:
        self.tree = tree
        self.tamper = tamper
        self.served: list[Tile] = []

    def read_tiles(self, tiles: Sequence[Tile]) -> list[bytes]:
        self.served += tiles
        out = []
        for tile in tiles:
            if tile.is_entries:
                start = tile.index * 256
                data = encode_entry_bundle(DATA[start : start + tile.width])
            else:
                data = read_tile(self.tree, tile)
            if tile == self.tamper:
                data = bytes([data[0] ^ 1]) + data[1:]
            out.append(data)
        return out


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_index_encoding(index: int, path: str) -> None:
    assert encode_index(index) == path
    assert decode_index(path) == index


@pytest.mark.parametrize("bad", ["7", "0007", "x000/007", "001/002", "x01/002", "x001/", "", "abc"])
def test_index_decoding_is_strict(bad: str) -> None:
    with pytest.raises(MalformedTilePath):
        decode_index(bad)


def test_tile_paths_roundtrip() -> None:
    cases = {
        Tile(0, 1234067): "tile/0/x001/x234/067",
        Tile(2, 5, 17): "tile/2/005.p/17",
        Tile(ENTRIES, 1000, 1): "tile/entries/x001/000.p/1",
        Tile(63, 0): "tile/63/000",
    }
    for tile, path in cases.items():
        assert tile.path == path
        assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "bad",
    [
        "tile/64/000",
        "tile/01/000",
        "tile/-1/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/012",
        "tile/0/000.p/",
        "tiles/0/000",
        "tile/0",
        "tile/data/000",
        "tile/0/x000/000",
        "tile/0/" + "x999/" * 7 + "999",
    ],
)
def test_bad_tile_paths_are_404(bad: str) -> None:
    with pytest.raises(MalformedTilePath) as info:
        parse_tile_path(bad)
    assert status_of(info.value) == 404


def test_tile_counts_and_partial_tiles() -> None:
    assert tile_counts(70_000) == [(0, 273, 112), (1, 1, 17), (2, 0, 1)]
    assert tile_counts(256) == [(0, 1, 0), (1, 0, 1)]
    assert tile_counts(0) == []
    assert partial_tiles(70_000) == [
        Tile(0, 273, 112),
        Tile(ENTRIES, 273, 112),
        Tile(1, 1, 17),
        Tile(2, 0, 1),
    ]
    assert tile_at(0, 273, 70_000) == Tile(0, 273, 112)
    assert tile_at(0, 272, 70_000) == Tile(0, 272)
    assert tile_at(0, 274, 70_000) is None


def test_tile_contents_are_the_spec_formula(tree: MerkleTree) -> None:
    data = read_tile(tree, Tile(1, 0))
    assert len(data) == 8192
    # level-1 hash i is MTH(D[i*256:(i+1)*256]) = the full node at tree level 8
    assert data[32:64] == tree.get(8, 1)
    sub = MerkleTree()
    sub.extend(DATA[256:512])
    assert data[32:64] == sub.root()
    assert read_tile(tree, Tile(0, 273, 112))[:32] == leaf_hash(DATA[273 * 256])
    with pytest.raises(InvalidInput):
        read_tile(tree, Tile(ENTRIES, 0))


def test_entry_bundles_roundtrip_and_strictness() -> None:
    entries = [b"", b"a", b"x" * 65535]
    bundle = encode_entry_bundle(entries)
    assert bundle[:2] == b"\x00\x00" and bundle[2:5] == b"\x00\x01a"
    assert decode_entry_bundle(bundle, 3) == entries
    with pytest.raises(InvalidInput, match="expected 2"):
        decode_entry_bundle(bundle, 2)
    with pytest.raises(InvalidInput, match="truncated"):
        decode_entry_bundle(bundle[:-1])
    with pytest.raises(InvalidInput, match="length prefix"):
        decode_entry_bundle(b"\x00\x01a\x00")
    with pytest.raises(InvalidInput, match="more than 256"):
        decode_entry_bundle(b"\x00\x00" * 257)
    with pytest.raises(PayloadTooLarge):
        encode_entry_bundle([b"x" * 65536])
    with pytest.raises(InvalidInput):
        encode_entry_bundle([b""] * 257)


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 65_536, 65_537, 70_000])
def test_client_proofs_from_tiles_at_many_sizes(tree: MerkleTree, size: int) -> None:
    server = Server(tree)
    log = TiledLog(size, tree.root(size), server)
    log.check_root()
    for index in {0, size // 2, size - 1}:
        assert log.prove_inclusion(index, tree.get(0, index)) == tree.inclusion_proof(index, size)
    for old in {1, size // 3 or 1, size}:
        assert log.prove_consistency(old, tree.root(old)) == tree.consistency_proof(old, size)
    assert log.prove_consistency(0, b"") == []
    assert len(set(server.served)) <= 12  # a few tiles, never the whole tree


def test_client_verifies_full_and_partial_tiles(tree: MerkleTree) -> None:
    log = TiledLog(SIZE, tree.root(), Server(tree))
    for level, full, width in tile_counts(SIZE):
        for tile in [Tile(level, 0)] * bool(full) + [Tile(level, full, width)] * bool(width):
            hashes = log.verify_tile(tile, read_tile(tree, tile))
            assert len(hashes) == tile.width
    entries = log.verify_entries(Tile(ENTRIES, 273, 112), encode_entry_bundle(DATA[273 * 256 :]))
    assert entries == DATA[273 * 256 :]


def test_client_refuses_tampered_tiles_and_bundles(tree: MerkleTree) -> None:
    log = TiledLog(SIZE, tree.root(), Server(tree))
    for tile in (Tile(0, 5), Tile(0, 273, 112), Tile(1, 1, 17), Tile(1, 0)):
        data = bytearray(read_tile(tree, tile))
        data[-1] ^= 0x80
        with pytest.raises(VerificationError, match="does not match the checkpoint"):
            log.verify_tile(tile, bytes(data))
    with pytest.raises(VerificationError, match="holds nodes"):
        log.verify_tile(Tile(0, 273, 113), read_tile(tree, Tile(0, 273, 112)) + bytes(32))
    with pytest.raises(VerificationError, match="bytes, expected"):
        log.verify_tile(Tile(0, 2), read_tile(tree, Tile(0, 2))[:-1])
    bad = list(DATA[512:768])
    bad[9] = b"forged"
    with pytest.raises(VerificationError, match="Entry 521"):
        log.verify_entries(Tile(ENTRIES, 2), encode_entry_bundle(bad))


def test_client_refuses_a_lying_mirror(tree: MerkleTree) -> None:
    lying = Server(tree, tamper=Tile(1, 0))
    log = TiledLog(SIZE, tree.root(), lying)
    with pytest.raises(VerificationError):
        log.prove_inclusion(300, tree.get(0, 300))
    log.check_root()  # the root needs other tiles: no lie detected, none used
    with pytest.raises(VerificationError):
        TiledLog(SIZE, tree.root(), Server(tree, tamper=Tile(2, 0, 1))).check_root()
    with pytest.raises(VerificationError):  # a checkpoint of another tree
        TiledLog(SIZE, tree.root(SIZE - 1), Server(tree)).prove_inclusion(5, tree.get(0, 5))
