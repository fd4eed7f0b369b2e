"""C2SP tlog-tiles: the tree and the entries as static, cacheable resources.

A tile at level ``L``, index ``N`` holds up to 256 consecutive Merkle hashes of tree level
``8 * L``: hash ``i`` is the full node ``(8 * L, N * 256 + i)``. Entry bundles
(``tile/entries/N``) hold the matching entries, each prefixed by a big-endian uint16 length.
Paths encode ``N`` in 3-digit groups, every group but the last prefixed by ``x``
(1234067 → ``x001/x234/067``); partial tiles end in ``.p/<width>``.

Server side: `read_tile` cuts a tile out of a `LevelStore`, `encode_entry_bundle` packs entries.
Client side: `TiledLog` reads a log through any `TileReader` at one checkpoint and checks every
tile, proof and entry bundle against the checkpoint's root.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

from microcred.errors import InvalidInput, PayloadTooLarge, VerificationError
from microcred.transparency.merkle import (
    HASH_SIZE,
    MAX_TREE_SIZE,
    LevelStore,
    NodeRef,
    ProofPlan,
    consistency_plan,
    fold,
    inclusion_plan,
    leaf_hash,
    range_nodes,
    verify_consistency,
    verify_inclusion,
)

#: Tree levels per tile level.
TILE_HEIGHT = 8
#: Hashes (or entries) in a full tile.
TILE_WIDTH = 256
#: The highest tile level the spec allows.
MAX_TILE_LEVEL = 63
#: The ``level`` of an entry bundle (``tile/entries/...``), as in Go's tlog.
ENTRIES = -1
#: The largest entry an entry bundle can carry (uint16 length prefix).
MAX_BUNDLED_ENTRY = 0xFFFF

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_MAX_GROUPS = 7  # 2**63 has 19 digits


class MalformedTilePath(InvalidInput):
    """A path that is not a tile or entry bundle path (serve it as 404)."""

    code = "malformed_tile_path"


@dataclass(frozen=True, slots=True)
class Tile:
    """A hash tile (``level`` 0..63) or an entry bundle (``level`` = `ENTRIES`)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not ENTRIES <= self.level <= MAX_TILE_LEVEL:
            raise InvalidInput(f"Tile level {self.level} is outside 0..63.")
        if self.index < 0 or self.index > MAX_TREE_SIZE // TILE_WIDTH:
            raise InvalidInput(f"Tile index {self.index} is out of range.")
        if not 1 <= self.width <= TILE_WIDTH:
            raise InvalidInput(f"Tile width {self.width} is outside 1..256.")

    @property
    def is_entries(self) -> bool:
        """True for an entry bundle."""
        return self.level == ENTRIES

    @property
    def is_partial(self) -> bool:
        """True when the tile holds fewer than 256 hashes (or entries)."""
        return self.width < TILE_WIDTH

    @property
    def tree_level(self) -> int:
        """The Merkle tree level of the hashes in this tile (0 for entry bundles)."""
        return max(self.level, 0) * TILE_HEIGHT

    @property
    def refs(self) -> list[NodeRef]:
        """The full nodes this tile holds, in order (for entry bundles: their leaves)."""
        first = self.index * TILE_WIDTH
        return [NodeRef(self.tree_level, first + i) for i in range(self.width)]

    @property
    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]``."""
        level = "entries" if self.is_entries else str(self.level)
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"tile/{level}/{encode_index(self.index)}{suffix}"


def encode_index(n: int) -> str:
    """The path encoding of a tile index: ``1234067`` → ``x001/x234/067``."""
    if n < 0:
        raise InvalidInput("A tile index is not negative.")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def decode_index(text: str) -> int:
    """Parse the path encoding of a tile index (strict: the shortest encoding only)."""
    groups = text.split("/")
    if len(groups) > _MAX_GROUPS or not _LAST.fullmatch(groups[-1]):
        raise MalformedTilePath(f"{text[:60]!r} is not a tile index.")
    value = 0
    for group in groups[:-1]:
        if not _GROUP.fullmatch(group):
            raise MalformedTilePath(f"{text[:60]!r} is not a tile index.")
        value = value * 1000 + int(group[1:])
    value = value * 1000 + int(groups[-1])
    if encode_index(value) != text:
        raise MalformedTilePath(f"{text[:60]!r} is not the shortest encoding of {value}.")
    return value


def parse_tile_path(path: str) -> Tile:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (relative to the prefix)."""
    if len(path) > 128 or not path.startswith("tile/"):
        raise MalformedTilePath("A tile path starts with 'tile/'.")
    level_text, sep, rest = path[5:].partition("/")
    if not sep:
        raise MalformedTilePath("A tile path is tile/<L>/<N>[.p/<W>].")
    width = TILE_WIDTH
    if ".p/" in rest:
        rest, _, width_text = rest.partition(".p/")
        if not _DECIMAL.fullmatch(width_text) or not 1 <= int(width_text) < TILE_WIDTH:
            raise MalformedTilePath(f"{width_text[:8]!r} is not a partial tile width (1..255).")
        width = int(width_text)
    if level_text == "entries":
        level = ENTRIES
    elif _DECIMAL.fullmatch(level_text) and int(level_text) <= MAX_TILE_LEVEL:
        level = int(level_text)
    else:
        raise MalformedTilePath(f"{level_text[:8]!r} is not a tile level (0..63 or 'entries').")
    index = decode_index(rest)
    try:
        return Tile(level, index, width)
    except InvalidInput as exc:
        raise MalformedTilePath(exc.message) from None


def level_width(level: int, size: int) -> int:
    """How many hashes tree ``size`` has at tile level ``level`` (``ENTRIES`` counts leaves)."""
    return size >> (max(level, 0) * TILE_HEIGHT)


def tile_at(level: int, index: int, size: int) -> Tile | None:
    """The tile ``(level, index)`` as it stands at tree ``size`` (None when it has no hashes)."""
    width = min(level_width(level, size) - index * TILE_WIDTH, TILE_WIDTH)
    return Tile(level, index, width) if width > 0 else None


def tile_counts(size: int) -> list[tuple[int, int, int]]:
    """Per tile level of tree ``size``: ``(level, full tiles, partial tile width or 0)``."""
    counts = []
    level = 0
    while level <= MAX_TILE_LEVEL and level_width(level, size):
        hashes = level_width(level, size)
        counts.append((level, hashes // TILE_WIDTH, hashes % TILE_WIDTH))
        level += 1
    return counts


def partial_tiles(size: int) -> list[Tile]:
    """The partial tiles a checkpoint of ``size`` requires a log to serve (entries included)."""
    tiles = []
    for level, full, width in tile_counts(size):
        if width:
            tiles.append(Tile(level, full, width))
            if level == 0:
                tiles.append(Tile(ENTRIES, full, width))
    return tiles


def read_tile(store: LevelStore, tile: Tile) -> bytes:
    """The bytes of a hash tile, read from ``store`` (width × 32 bytes)."""
    if tile.is_entries:
        raise InvalidInput("Entry bundles hold entries, not hashes: use encode_entry_bundle.")
    return b"".join(store.get(ref.level, ref.index) for ref in tile.refs)


def split_hashes(data: bytes, count: int | None = None) -> list[bytes]:
    """Cut tile bytes into 32-byte hashes (exactly ``count`` when given)."""
    if len(data) % HASH_SIZE or (count is not None and len(data) != count * HASH_SIZE):
        expected = "a multiple of 32" if count is None else str(count * HASH_SIZE)
        raise VerificationError(f"The tile has {len(data)} bytes, expected {expected}.")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries, each prefixed by its big-endian uint16 length (at most 256 entries)."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise InvalidInput(f"An entry bundle holds 1..256 entries, not {len(entries)}.")
    out = bytearray()
    for i, entry in enumerate(entries):
        if len(entry) > MAX_BUNDLED_ENTRY:
            raise PayloadTooLarge(f"Entry {i} has {len(entry)} bytes; at most 65535 fit.")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_entry_bundle(data: bytes, count: int | None = None) -> list[bytes]:
    """The entries of a bundle (exactly ``count`` when given); `InvalidInput` when malformed."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if len(entries) == TILE_WIDTH:
            raise InvalidInput("The entry bundle holds more than 256 entries.")
        if pos + 2 > len(data):
            raise InvalidInput("The entry bundle ends inside a length prefix.")
        length = int.from_bytes(data[pos : pos + 2], "big")
        pos += 2
        if pos + length > len(data):
            raise InvalidInput(f"Entry {len(entries)} of the bundle is truncated.")
        entries.append(data[pos : pos + length])
        pos += length
    if count is not None and len(entries) != count:
        raise InvalidInput(f"The entry bundle holds {len(entries)} entries, expected {count}.")
    return entries


class TileReader(Protocol):
    """Fetches tiles and entry bundles (over HTTP, from disk...); nothing is trusted."""

    def read_tiles(self, tiles: Sequence[Tile]) -> Sequence[bytes]:
        """The bytes of each tile, in order (fetch them in parallel if you can)."""
        ...


def _reduce(hashes: Sequence[bytes]) -> bytes:
    """The root of a full block of ``2**k`` consecutive nodes."""
    row = list(hashes)
    while len(row) > 1:
        row = [sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)]
    return row[0]


class TiledLog:
    """A tlog-tiles log as seen at one checkpoint ``(size, root)``, read through a `TileReader`.

    Tiles are fetched lazily and cached; proofs built from them are verified against ``root``
    before they are returned, so an untrusted mirror can serve the tiles.
    """

    def __init__(self, size: int, root: bytes, reader: TileReader) -> None:
        if not 0 <= size <= MAX_TREE_SIZE or len(root) != HASH_SIZE:
            raise InvalidInput("A tiled log needs a tree size and a 32-byte root hash.")
        self.size = size
        self.root = root
        self._reader = reader
        self._tiles: dict[Tile, list[bytes]] = {}

    def _tile_for(self, ref: NodeRef) -> tuple[Tile, int, int]:
        """The tile holding the block of ``ref``, the block's offset in it and its length."""
        level, rest = divmod(ref.level, TILE_HEIGHT)
        first = ref.index << rest
        tile = tile_at(level, first // TILE_WIDTH, self.size)
        count = 1 << rest
        if tile is None or first % TILE_WIDTH + count > tile.width:
            raise InvalidInput(f"Node {ref} is not a full node of a tree of size {self.size}.")
        return tile, first % TILE_WIDTH, count

    def _fetch(self, tiles: Sequence[Tile]) -> None:
        missing = list(dict.fromkeys(t for t in tiles if t not in self._tiles))
        if not missing:
            return
        for tile, data in zip(missing, self._reader.read_tiles(missing), strict=True):
            self._tiles[tile] = split_hashes(data, tile.width)

    def hashes(self, refs: Sequence[NodeRef]) -> dict[NodeRef, bytes]:
        """The hashes of full nodes, computed from the tiles (not yet checked against root)."""
        located = {ref: self._tile_for(ref) for ref in refs}
        self._fetch([tile for tile, _, _ in located.values()])
        return {
            ref: _reduce(self._tiles[tile][offset : offset + count])
            for ref, (tile, offset, count) in located.items()
        }

    def _read(self, plan: ProofPlan) -> list[bytes]:
        return plan.assemble(self.hashes(plan.refs))

    def prove_inclusion(self, index: int, leaf: bytes) -> list[bytes]:
        """The inclusion proof of leaf ``index`` with hash ``leaf``, verified against the root."""
        proof = self._read(inclusion_plan(index, self.size))
        verify_inclusion(leaf, index, self.size, proof, self.root)
        return proof

    def prove_consistency(self, old_size: int, old_root: bytes) -> list[bytes]:
        """The consistency proof from ``(old_size, old_root)`` to this checkpoint, verified."""
        if old_size > self.size:
            raise VerificationError(
                f"The old tree ({old_size}) is larger than this checkpoint ({self.size})."
            )
        proof = self._read(consistency_plan(old_size, self.size))
        if old_size:
            verify_consistency(old_size, self.size, proof, old_root, self.root)
        return proof

    def verify_tile(self, tile: Tile, data: bytes) -> list[bytes]:
        """Check a hash tile against the checkpoint; return its hashes.

        Every hash of the tile must be a full node of this tree. The tile's span (one node for
        a full tile, the right-edge nodes for a partial one) is proven against the root.
        """
        if tile.is_entries:
            raise InvalidInput("Check entry bundles with verify_entries.")
        if (tile.index * TILE_WIDTH + tile.width) > level_width(tile.level, self.size):
            raise VerificationError(
                f"{tile.path} holds nodes a tree of size {self.size} does not have."
            )
        hashes = split_hashes(data, tile.width)
        base = tile.index * TILE_WIDTH
        for ref in range_nodes(base, base + tile.width):
            lo = (ref.index << ref.level) - base
            node = _reduce(hashes[lo : lo + (1 << ref.level)])
            level = tile.tree_level + ref.level
            proof = self._read(inclusion_plan(ref.index, self.size, level=level))
            units = (self.size + (1 << level) - 1) >> level  # the tree seen from that level
            try:
                verify_inclusion(node, ref.index, units, proof, self.root)
            except VerificationError as exc:
                raise VerificationError(
                    f"{tile.path} does not match the checkpoint: {exc.message}"
                ) from None
        self._tiles.setdefault(tile, hashes)
        return hashes

    def verify_entries(self, tile: Tile, data: bytes) -> list[bytes]:
        """Check an entry bundle against the (verified) level-0 tile; return its entries."""
        if not tile.is_entries:
            raise InvalidInput("verify_entries takes an entry bundle tile.")
        entries = decode_entry_bundle(data, tile.width)
        level0 = Tile(0, tile.index, tile.width)
        self._fetch([level0])
        hashes = self.verify_tile(level0, b"".join(self._tiles[level0]))
        for i, (entry, expected) in enumerate(zip(entries, hashes, strict=True)):
            if leaf_hash(entry) != expected:
                raise VerificationError(
                    f"Entry {tile.index * TILE_WIDTH + i} does not hash to its leaf in the tree."
                )
        return entries

    def check_root(self) -> None:
        """Recompute the root from the tiles and compare (a cheap sanity check of a mirror)."""
        if self.size == 0:
            return
        refs = range_nodes(0, self.size)
        got = fold([self.hashes(refs)[r] for r in refs])
        if got != self.root:
            raise VerificationError("The tiles do not add up to the checkpoint's root.")
