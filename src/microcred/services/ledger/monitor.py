"""Following another instance's log: every new checkpoint must be signed by the log's key and be
an append-only extension of the last one seen (checked with a consistency proof computed from
the log's tiles), and its new entries must be valid. A third party can watch an issuer."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from microcred.errors import InvalidInput, MicrocredError, VerificationError
from microcred.transparency.checkpoint import open_checkpoint
from microcred.transparency.entry import LogEntry
from microcred.transparency.note import NoteVerifier
from microcred.transparency.tiles import ENTRIES, TILE_WIDTH, Tile, TiledLog, tile_at

#: fetches a URL's body (raises `MicrocredError` when it cannot)
Fetch = Callable[[str], bytes]
MAX_NEW_ENTRIES = 100_000


@dataclass(slots=True)
class MonitorState:
    """What the monitor last verified: persisted between runs."""

    size: int = 0
    root_hex: str = ""
    note: str = ""

    @classmethod
    def load(cls, path: Path) -> MonitorState:
        """The saved state (fresh when the file does not exist)."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(int(data["size"]), str(data["root"]), str(data["note"]))

    def save(self, path: Path) -> None:
        """Write atomically."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps({"size": self.size, "root": self.root_hex, "note": self.note}))
        tmp.replace(path)


@dataclass(slots=True)
class MonitorReport:
    """The outcome of one poll."""

    ok: bool
    old_size: int
    new_size: int
    problems: list[str] = field(default_factory=list)
    new_entries: list[LogEntry] = field(default_factory=list)


class _HttpTiles:
    def __init__(self, base: str, fetch: Fetch) -> None:
        self._base = base.rstrip("/")
        self._fetch = fetch

    def read_tiles(self, tiles: Sequence[Tile]) -> Sequence[bytes]:
        return [self._fetch(f"{self._base}/{t.path}") for t in tiles]


class Monitor:
    """Polls one log (``<base>/checkpoint`` and ``<base>/tile/...``)."""

    def __init__(
        self,
        base_url: str,
        log_keys: Sequence[NoteVerifier],
        fetch: Fetch,
        origin: str | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._keys = list(log_keys)
        self._fetch = fetch
        self._origin = origin

    def poll(self, state: MonitorState) -> MonitorReport:
        """Check the log's current checkpoint against ``state``; update ``state`` when it holds."""
        report = MonitorReport(True, state.size, state.size)
        try:
            note = self._fetch(f"{self._base}/checkpoint")
            signed = open_checkpoint(note, self._keys, origin=self._origin)
        except MicrocredError as exc:
            report.ok = False
            report.problems.append(f"The log's checkpoint is not acceptable: {exc.explain()}")
            return report
        cp = signed.checkpoint
        report.new_size = cp.size
        log = TiledLog(cp.size, cp.root_hash, _HttpTiles(self._base, self._fetch))
        old_root = bytes.fromhex(state.root_hex) if state.root_hex else b""
        if cp.size < state.size:
            report.ok = False
            report.problems.append(
                f"The log shrank from {state.size} to {cp.size} entries: "
                "it was rolled back (misbehaviour)."
            )
            return report
        if cp.size == state.size:
            if state.size and cp.root_hash != old_root:
                report.ok = False
                report.problems.append(
                    f"The log signed two different trees of size {cp.size}: a fork (misbehaviour)."
                )
            return report
        try:
            log.prove_consistency(state.size, old_root)
            report.new_entries = self._new_entries(log, state.size, cp.size)
        except (VerificationError, InvalidInput) as exc:
            report.ok = False
            report.problems.append(
                f"The new checkpoint does not extend the old one: {exc.explain()} (misbehaviour)."
            )
            return report
        except MicrocredError as exc:
            report.ok = False
            report.problems.append(f"The log could not be read: {exc.explain()}")
            return report
        state.size, state.root_hex, state.note = cp.size, cp.root_hash.hex(), signed.note.text
        return report

    def _new_entries(self, log: TiledLog, start: int, end: int) -> list[LogEntry]:
        if end - start > MAX_NEW_ENTRIES:
            end = start + MAX_NEW_ENTRIES
        entries: list[LogEntry] = []
        for n in range(start // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            tile = tile_at(ENTRIES, n, log.size)
            if tile is None:
                break
            bundle = self._fetch(f"{self._base}/{tile.path}")
            for i, data in enumerate(log.verify_entries(tile, bundle)):
                index = n * TILE_WIDTH + i
                if start <= index < end:
                    try:
                        entries.append(LogEntry.decode(data))
                    except MicrocredError as exc:
                        raise VerificationError(
                            f"Entry {index} is malformed: {exc.message}"
                        ) from None
        return entries
