"""Transparency log throughput: Merkle appends against raw SHA-256, proofs at 10^6 entries.

The physical limit is ``hashlib.sha256`` over the same entry bytes, measured in the same run:
an RFC 9162 append must hash each entry once (as a leaf) and, on average, one interior node.
Targets (issue 3): in-memory appends within 3x of that limit; inclusion proof generation
p50 < 200 µs at 10^6 entries; durable appends >= 10,000 entries/s on SQLite (see
`durable_rows`, which the persistence layer plugs in).

    python bench/ledger.py [--json] [--size 1000000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from microcred.crypto.keys import Ed25519KeyPair
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.entry import LogEntry, LogEvent
from microcred.transparency.merkle import MerkleTree, verify_inclusion
from microcred.transparency.note import Ed25519NoteSigner
from microcred.transparency.proof import build_proof

APPEND_TARGET_RATIO = 3.0
PROOF_TARGET_US = 200.0
DURABLE_TARGET_PER_S = 10_000.0
BATCH = 256  # entries per in-memory batch (one tile)
DURABLE_BATCH = 1000  # the sequencer's default batch (MICROCRED_LEDGER_BATCH_SIZE)


def sample_entries(n: int) -> list[bytes]:
    """Realistic log entries (about 330 bytes each, as microcred writes them)."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    events = list(LogEvent)
    return [
        LogEntry.for_credential(
            events[i % 4],
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            canonical_credential=i.to_bytes(8, "big") * 512,
            issuer_did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            achievement_id=f"https://issuer.example/achievements/{i % 97}",
            time=start + timedelta(seconds=i),
        ).encode()
        for i in range(n)
    ]


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU seconds ``fn`` takes.

    CPU time, not wall time: on a shared machine it does not count the time other processes
    hold the core.
    """
    start = time.process_time()
    fn()
    return time.process_time() - start


def append_rows(entries: Sequence[bytes], rounds: int) -> dict[str, Any]:
    """Raw SHA-256 vs MerkleTree batched and one-by-one appends, on the same bytes.

    The three run back to back in every round, so each round's ratios compare runs that saw
    the same machine; the table shows the medians over the rounds.
    """
    sha256 = hashlib.sha256
    n = len(entries)
    batches = [entries[i : i + BATCH] for i in range(0, n, BATCH)]

    def raw() -> None:
        for batch in batches:
            [sha256(e).digest() for e in batch]

    def batched() -> None:
        tree = MerkleTree()
        for batch in batches:
            tree.extend(batch)

    def one_by_one() -> None:
        tree = MerkleTree()
        for e in entries:
            tree.append(e)

    runs = {
        "raw hashlib.sha256 (limit)": raw,
        f"MerkleTree.extend, batches of {BATCH}": batched,
        "MerkleTree.append, one by one": one_by_one,
    }
    for fn in runs.values():  # warm-up
        fn()
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    ratios: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        this = {name: cpu_seconds(fn) / n for name, fn in runs.items()}
        base = this["raw hashlib.sha256 (limit)"]
        for name, value in this.items():
            seconds[name].append(value)
            ratios[name].append(value / base)
    return {
        "entries": n,
        "entry_bytes_mean": sum(map(len, entries)) / n,
        "rows": {
            name: {
                "per_s": 1 / statistics.median(seconds[name]),
                "us": statistics.median(seconds[name]) * 1e6,
                "ratio_to_raw": statistics.median(ratios[name]),
            }
            for name in runs
        },
    }


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def proof_rows(size: int, samples: int) -> dict[str, Any]:
    """Inclusion/consistency proof generation and verification at ``size`` leaves."""
    tree = MerkleTree()
    built = time.perf_counter()
    chunk = 65_536
    for start in range(0, size, chunk):
        tree.extend_hashes(
            [
                hashlib.sha256(i.to_bytes(8, "big")).digest()
                for i in range(start, min(size, start + chunk))
            ]
        )
    build_s = time.perf_counter() - built
    rng = random.Random(1)
    root = tree.root()
    timings: dict[str, list[float]] = {"inclusion proof": [], "consistency proof": [], "verify": []}
    proof_len = []
    for _ in range(samples):
        index = rng.randrange(size)
        t0 = time.perf_counter_ns()
        proof = tree.inclusion_proof(index)
        t1 = time.perf_counter_ns()
        verify_inclusion(tree.get(0, index), index, size, proof, root)
        t2 = time.perf_counter_ns()
        old = rng.randrange(1, size)
        t3 = time.perf_counter_ns()
        tree.consistency_proof(old)
        t4 = time.perf_counter_ns()
        timings["inclusion proof"].append((t1 - t0) / 1000)
        timings["verify"].append((t2 - t1) / 1000)
        timings["consistency proof"].append((t4 - t3) / 1000)
        proof_len.append(len(proof))
    log = Ed25519NoteSigner("issuer.example/microcred", Ed25519KeyPair(bytes(32)))
    witnesses = [
        CosignatureSigner(f"w{i}.example", Ed25519KeyPair(bytes([i]) * 32)) for i in (1, 2)
    ]
    checkpoint = Checkpoint(log.name, size, root)
    note = checkpoint.sign([log]).with_signatures(
        *(w.cosign(checkpoint.text, 1_800_000_000) for w in witnesses)
    )
    tlog_proof = build_proof(size // 2, tree.inclusion_proof(size // 2), note)
    return {
        "size": size,
        "build_s": build_s,
        "samples": samples,
        "us": {
            name: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99)}
            for name, v in timings.items()
        },
        "inclusion_hashes_max": max(proof_len),
        "inclusion_bytes_max": 32 * max(proof_len),
        "tlog_proof_bytes_2_witnesses": len(tlog_proof.format().encode()),
    }


class DurableLog(Protocol):
    """What the durable benchmark needs from the persistence layer (the lead implements it)."""

    def append_batch(self, entries: Sequence[bytes]) -> None:
        """Store a batch of entries and the tree levels they complete, in one transaction."""
        ...


def durable_rows(
    store_factory: Callable[[], DurableLog] | None, entries: Sequence[bytes], rounds: int
) -> dict[str, Any]:
    """LEAD: durable appends per second on SQLite, batched, against the same raw baseline.

    Pass a factory that opens a fresh SQLite-backed log (e.g. the sequencer's level store on a
    temporary database file). Without one, this row reports "not measured".
    """
    if store_factory is None:
        return {"measured": False, "note": "plug the SQLite level store into durable_rows()"}
    n = len(entries)

    def run() -> None:
        log = store_factory()
        for i in range(0, n, DURABLE_BATCH):
            log.append_batch(entries[i : i + DURABLE_BATCH])

    def wall(fn: Callable[[], object]) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    run()  # warm-up
    per_entry = statistics.median(wall(run) / n for _ in range(max(3, rounds // 2)))
    return {
        "measured": True,
        "clock": "wall (includes SQLite commits in WAL mode)",
        "batch": DURABLE_BATCH,
        "per_s": 1 / per_entry,
        "target_per_s": DURABLE_TARGET_PER_S,
        "meets_target": 1 / per_entry >= DURABLE_TARGET_PER_S,
    }


class SqliteLog:
    """microcred's real persistence: entries staged and then sequenced in batches by the
    `Ledger` (tree levels stored, checkpoint signed), one SQLite transaction per step."""

    def __init__(self, directory: str) -> None:
        from microcred.adapters.clock import SystemClock  # noqa: PLC0415
        from microcred.adapters.db import migrate  # noqa: PLC0415
        from microcred.adapters.db.uow import SqlUnitOfWorkFactory, make_engine  # noqa: PLC0415
        from microcred.crypto.sealing import Sealer  # noqa: PLC0415
        from microcred.services.ledger.service import Ledger, LogKeys  # noqa: PLC0415

        url = f"sqlite:///{directory}/bench-{time.monotonic_ns()}.db"
        migrate.upgrade(url)
        self._clock = SystemClock()
        self._uow = SqlUnitOfWorkFactory(make_engine(url), self._clock)
        self._ledger = Ledger(
            self._uow,
            self._clock,
            LogKeys(Sealer(["bench-kek-0123456789abcdef"]), "bench/log"),
            batch_size=BATCH,
        )

    def append_batch(self, entries: Sequence[bytes]) -> None:
        """Stage a batch and sequence it (two transactions, as in production)."""
        with self._uow() as uow:
            uow.ledger.add_entries(
                [(e, hashlib.sha256(b"\x00" + e).digest(), "issued", None) for e in entries],
                self._clock.now(),
            )
            uow.commit()
        self._ledger.sequence()


def run(size: int, rounds: int, samples: int, append_entries: int) -> dict[str, Any]:
    import tempfile  # noqa: PLC0415

    tmp = tempfile.mkdtemp(prefix="microcred-bench-")
    entries = sample_entries(append_entries)
    appends = append_rows(entries, rounds)
    proofs = proof_rows(size, samples)
    batched = appends["rows"][f"MerkleTree.extend, batches of {BATCH}"]["ratio_to_raw"]
    return {
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "appends": appends,
        "proofs": proofs,
        "durable_sqlite": durable_rows(lambda: SqliteLog(tmp), entries, rounds),
        "targets": {
            "append_ratio_max": APPEND_TARGET_RATIO,
            "append_batched_ratio": batched,
            "append_ok": batched <= APPEND_TARGET_RATIO,
            "proof_p50_us_max": PROOF_TARGET_US,
            "proof_p50_us": proofs["us"]["inclusion proof"]["p50"],
            "proof_ok": proofs["us"]["inclusion proof"]["p50"] < PROOF_TARGET_US,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--size", type=int, default=1_000_000, help="tree size for proofs")
    parser.add_argument("--rounds", type=int, default=7, help="repetitions per append figure")
    parser.add_argument("--samples", type=int, default=2000, help="proofs timed")
    parser.add_argument("--entries", type=int, default=20_000, help="entries per append run")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    result = run(args.size, args.rounds, args.samples, args.entries)
    if args.json:
        print(json.dumps(result))
        return
    appends = result["appends"]
    print(
        f"appends: {appends['entries']} entries of ~{appends['entry_bytes_mean']:.0f} bytes, "
        f"median CPU time of {args.rounds} interleaved rounds, one core"
    )
    print(f"{'':<38}{'per s':>12}{'µs':>9}{'× raw':>8}")
    for name, row in appends["rows"].items():
        print(f"{name:<38}{row['per_s']:>12,.0f}{row['us']:>9.2f}{row['ratio_to_raw']:>8.2f}")
    proofs = result["proofs"]
    print(
        f"\nproofs at {proofs['size']:,} entries (tree built in {proofs['build_s']:.1f} s), "
        f"{proofs['samples']} random samples, wall clock"
    )
    print(f"{'':<38}{'p50 µs':>12}{'p99 µs':>9}")
    for name, row in proofs["us"].items():
        print(f"{name:<38}{row['p50']:>12.1f}{row['p99']:>9.1f}")
    print(
        f"inclusion proof: up to {proofs['inclusion_hashes_max']} hashes = "
        f"{proofs['inclusion_bytes_max']} bytes; tlog-proof file with 2 cosignatures: "
        f"{proofs['tlog_proof_bytes_2_witnesses']} bytes"
    )
    durable = result["durable_sqlite"]
    print(
        "\ndurable (SQLite): "
        + (
            f"{durable['per_s']:,.0f} entries/s (target >= {DURABLE_TARGET_PER_S:,.0f})"
            if durable["measured"]
            else f"not measured: {durable['note']}"
        )
    )
    t = result["targets"]
    print(
        f"\ntargets: batched append {t['append_batched_ratio']:.2f}x raw "
        f"(<= {t['append_ratio_max']:.0f}x: {'met' if t['append_ok'] else 'MISSED'}); "
        f"proof p50 {t['proof_p50_us']:.0f} µs (< {t['proof_p50_us_max']:.0f}: "
        f"{'met' if t['proof_ok'] else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
