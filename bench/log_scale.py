"""The transparency log at 10^6 / 10^7 entries on PostgreSQL (issue 17, part 5).

Builds a log the way the product stores it (``log_entries`` rows with their indices, every full
tree node in ``log_nodes``, a checkpoint row) in a fresh database made for the run and dropped
after it, then measures, from the database:

* build time (entry generation, COPY of entries, COPY of nodes, with the product's indexes);
* inclusion-proof p50 / p95 / p99 through the product's path (`inclusion_proof` over `SqlLedger`,
  a `BatchLevelStore`: one query for the whole proof) beside the baseline of one query per node
  (what the product did before), every proof verified against the root;
* tile serving through `PublicLog.tile` (the service the ``/log/tile/...`` route calls), full
  level-0 hash tiles and entry bundles at random positions;
* bytes per entry (tables plus indexes).

    python bench/log_scale.py [--size 1000000] [--proofs 2000] [--tiles 500] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from microcred.adapters.db import migrate
from microcred.adapters.db.ledger import SqlLedger
from microcred.crypto.keys import Ed25519KeyPair
from microcred.services.ledger.public_log import PublicLog
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.entry import LogEntry, LogEvent
from microcred.transparency.merkle import (
    inclusion_plan,
    inclusion_proof,
    new_nodes,
    root_at,
    verify_inclusion,
)
from microcred.transparency.note import Ed25519NoteSigner
from microcred.transparency.tiles import encode_index

SERVER = os.environ.get("MICROCRED_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
PROOF_TARGET_MS = 1.0
CHUNK = 1 << 16  # leaves generated and copied per round (a multiple of every tile width)
ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


class LastNodes:
    """The one node per level `new_nodes` may read: the last full node stored so far."""

    def __init__(self) -> None:
        self.last: dict[int, tuple[int, bytes]] = {}

    def get(self, level: int, index: int) -> bytes:
        idx, h = self.last[level]
        if idx != index:
            raise KeyError((level, index))
        return h

    def update(self, size: int, levels: Sequence[Sequence[bytes]]) -> None:
        for level, hashes in enumerate(levels):
            if hashes:
                self.last[level] = ((size >> level) + len(hashes) - 1, hashes[-1])


def entry_bytes(i: int, start: datetime) -> tuple[bytes, str, str]:
    """One log entry as the product writes it (about 330 bytes), its event and credential id."""
    event = (LogEvent.ISSUED, LogEvent.ISSUED, LogEvent.ISSUED, LogEvent.REVOKED)[i % 4]
    cid = str(uuid.UUID(int=i))
    data = LogEntry.for_credential(
        event,
        credential_id=cid,
        canonical_credential=i.to_bytes(8, "big") * 64,
        issuer_did=ISSUER,
        achievement_id=f"https://issuer.example/achievements/{i % 97}",
        time=start + timedelta(seconds=i),
    ).encode()
    return data, event.value, cid


def build(dsn: str, size: int) -> dict[str, float]:
    """Fill the migrated database with ``size`` sequenced entries and their tree."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    store = LastNodes()
    gen = copy_entries = copy_nodes = 0.0
    with psycopg.connect(dsn) as conn:
        for first in range(0, size, CHUNK):
            t0 = time.perf_counter()
            last = min(first + CHUNK, size)
            rows = [entry_bytes(i, start) for i in range(first, last)]
            hashes = [hashlib.sha256(b"\x00" + d).digest() for d, _, _ in rows]
            levels = new_nodes(store, first, hashes)
            store.update(first, levels)
            t1 = time.perf_counter()
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY log_entries (id, leaf_index, data, leaf_hash, event, credential_id,"
                    " created_at) FROM STDIN"
                ) as copy:
                    for offset, ((data, event, cid), h) in enumerate(
                        zip(rows, hashes, strict=True)
                    ):
                        i = first + offset
                        copy.write_row((i + 1, i, data, h, event, cid, start))
                t2 = time.perf_counter()
                with cur.copy("COPY log_nodes (level, idx, hash) FROM STDIN") as copy:
                    for level, hs in enumerate(levels):
                        base = first >> level
                        for k, h in enumerate(hs):
                            copy.write_row((level, base + k, h))
            conn.commit()
            t3 = time.perf_counter()
            gen += t1 - t0
            copy_entries += t2 - t1
            copy_nodes += t3 - t2
            if first and first % (CHUNK * 16) == 0:
                print(f"  built {first:,} entries", flush=True)
        with conn.cursor() as cur:
            cur.execute("SELECT setval('log_entries_id_seq', %s)", (size,))
        conn.commit()
        t4 = time.perf_counter()
        conn.execute("ANALYZE log_entries")
        conn.execute("ANALYZE log_nodes")
        analyze = time.perf_counter() - t4
    return {
        "generate_s": gen,
        "copy_entries_s": copy_entries,
        "copy_nodes_s": copy_nodes,
        "analyze_s": analyze,
    }


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def timed(fn: Callable[[], object], n: int) -> list[float]:
    """Wall milliseconds of ``n`` calls."""
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


class _SingleReads:
    """The ledger seen as a plain `LevelStore`: one query per node (the old proof path)."""

    def __init__(self, ledger: SqlLedger) -> None:
        self.get = ledger.get


class _Once:
    """A `UnitOfWorkFactory` for `PublicLog`: each unit a session with a `ledger`."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def __call__(self) -> Any:
        engine = self.engine

        class Unit:
            def __enter__(self) -> Any:
                self.session = Session(engine)
                self.ledger = SqlLedger(self.session)
                return self

            def __exit__(self, *exc: object) -> None:
                self.session.close()

        return Unit()


def measure(url: str, size: int, proofs: int, tiles: int) -> dict[str, Any]:
    """Proofs, tiles and bytes per entry from the built database."""
    engine = create_engine(url)
    rng = random.Random(17)
    with Session(engine) as s:
        ledger = SqlLedger(s)
        root = root_at(ledger, size)
        key = Ed25519NoteSigner("bench.example/log", Ed25519KeyPair.generate())
        note = Checkpoint("bench.example/log", size, root).sign([key]).format()
        ledger.add_checkpoint(size, root, note, datetime.now(UTC))
        s.commit()
    leaves: dict[int, bytes] = {}
    with Session(engine) as s:
        ledger = SqlLedger(s)
        picks = [rng.randrange(size) for _ in range(proofs)]
        for i in picks:
            leaves[i] = hashlib.sha256(b"\x00" + ledger.entries(i, i + 1)[0]).digest()
        it = iter(picks * 2)

        single = _SingleReads(ledger)

        def per_node() -> None:  # the baseline: what the product did before (one get each)
            i = next(it)
            proof = inclusion_proof(single, i, size)
            verify_inclusion(leaves[i], i, size, proof, root)

        def one_query() -> None:  # the product now: SqlLedger is a BatchLevelStore
            i = next(it)
            proof = inclusion_proof(ledger, i, size)
            verify_inclusion(leaves[i], i, size, proof, root)

        timed(per_node, min(200, proofs // 2))  # warm the connection and the buffer cache
        it = iter([i for i in picks for _ in (0, 1)])
        slow, fast = [], []
        for _ in range(proofs):  # interleaved: both see the same machine at the same moment
            slow += timed(per_node, 1)
            fast += timed(one_query, 1)
    public = PublicLog(_Once(engine), None, [], 0, "")  # type: ignore[arg-type]
    full = size // 256
    hash_paths = [_path(0, rng.randrange(full)) for _ in range(tiles)]
    entry_paths = ["entries/" + _path(0, rng.randrange(full))[2:] for _ in range(tiles)]
    for p in hash_paths[:3] + entry_paths[:3]:
        assert public.tile(p).body, p
    t = time.perf_counter()
    for p in hash_paths:
        assert len(public.tile(p).body) == 256 * 32
    hash_rate = tiles / (time.perf_counter() - t)
    t = time.perf_counter()
    body = 0
    for p in entry_paths:
        body += len(public.tile(p).body)
    entry_rate = tiles / (time.perf_counter() - t)
    with engine.connect() as conn:
        sizes = {
            name: int(conn.execute(text(f"SELECT pg_total_relation_size('{name}')")).scalar() or 0)
            for name in ("log_entries", "log_nodes")
        }
        nodes = int(conn.execute(text("SELECT count(*) FROM log_nodes")).scalar() or 0)
    engine.dispose()
    return {
        "proof_per_node_ms": _stats(slow),
        "proof_one_query_ms": _stats(fast),
        "proof_nodes": len(inclusion_plan(size // 3, size).refs),
        "hash_tiles_per_s": hash_rate,
        "entry_tiles_per_s": entry_rate,
        "entry_tile_bytes": body / tiles,
        "bytes": sizes,
        "nodes": nodes,
        "bytes_per_entry": sum(sizes.values()) / size,
    }


def _path(level: int, index: int) -> str:
    """A tlog-tiles path (below ``tile/``) for a full tile."""
    return f"{level}/{encode_index(index)}"


def _stats(ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(ms),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "mean": statistics.fmean(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--tiles", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    name = f"logscale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = f"{SERVER}/{name}"
    url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        migrate.upgrade(url)
        t = time.perf_counter()
        parts = build(dsn, args.size)
        build_s = time.perf_counter() - t
        result = {"size": args.size, "build_s": build_s, **parts}
        result.update(measure(url, args.size, args.proofs, args.tiles))
        result["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    finally:
        if not args.keep:
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.json:
        print(json.dumps(result, indent=2))
        return
    _table(result)


def _table(r: dict[str, Any]) -> None:
    n = r["size"]
    print(f"\nThe log at {n:,} entries on PostgreSQL (load average at the end: {r['load']})")
    print(f"{'measure':<52}{'value':>16}")
    print("-" * 68)
    print(f"{'build, total (s)':<52}{r['build_s']:>16.1f}")
    print(f"{'  of which: generate entries + tree (s)':<52}{r['generate_s']:>16.1f}")
    print(f"{'  COPY log_entries (s)':<52}{r['copy_entries_s']:>16.1f}")
    print(f"{'  COPY log_nodes (s)':<52}{r['copy_nodes_s']:>16.1f}")
    print(f"{'build rate (entries/s)':<52}{n / r['build_s']:>16,.0f}")
    print(f"{'nodes stored':<52}{r['nodes']:>16,}")
    print(f"{'nodes per inclusion proof':<52}{r['proof_nodes']:>16}")
    for label, key in (
        ("one query per node (old)", "proof_per_node_ms"),
        ("one query (product)", "proof_one_query_ms"),
    ):
        s = r[key]
        for p in ("p50", "p95", "p99"):
            print(f"{'inclusion proof, ' + label + ' ' + p + ' (ms)':<52}{s[p]:>16.3f}")
    print(f"{'level-0 hash tiles served (per s)':<52}{r['hash_tiles_per_s']:>16,.0f}")
    print(f"{'entry bundles served (per s)':<52}{r['entry_tiles_per_s']:>16,.0f}")
    print(f"{'entry bundle size (bytes)':<52}{r['entry_tile_bytes']:>16,.0f}")
    for table, b in r["bytes"].items():
        print(f"{table + ' incl. indexes (MiB)':<52}{b / 2**20:>16,.1f}")
    print(f"{'bytes per entry (tables + indexes)':<52}{r['bytes_per_entry']:>16,.0f}")
    best = r["proof_one_query_ms"]["p50"]
    verdict = "met" if best < PROOF_TARGET_MS else "MISSED"
    print(f"\ntarget inclusion proof p50 < {PROOF_TARGET_MS} ms: {verdict} ({best:.3f} ms)")


if __name__ == "__main__":
    main()
