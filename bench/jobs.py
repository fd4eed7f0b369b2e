"""Job pick-up latency on PostgreSQL: a worker woken by LISTEN/NOTIFY beside one that polls,
in the same run on the same database.

Two workers run in this process, each on its own job kind: one polls every ``--poll`` seconds
(the behaviour without a wake-up, and SQLite's), one listens and polls only every 5 s. Jobs
are enqueued for each in turn, at random moments, and the time from the enqueuing commit to
the handler starting is recorded.

    python bench/jobs.py [--jobs 60] [--poll 0.5] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from microcred.adapters.db import migrate
from microcred.bootstrap import build
from microcred.config import Settings
from microcred.services.jobs import JobRunner

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A migrated, empty schema on the PostgreSQL server at ``url``; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options=-csearch_path%3D{schema}"
    try:
        migrate.upgrade(scoped)
        yield scoped
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": _pct(ordered, 0.95) * 1000,
        "p99_ms": _pct(ordered, 0.99) * 1000,
        "max_ms": ordered[-1] * 1000,
        "n": len(ordered),
    }


def run(url: str, jobs: int, poll: float) -> dict[str, Any]:
    """Latencies (enqueue commit -> handler start) for a polling and a listening worker."""
    settings = Settings(
        environment="test",
        database_url=url,
        kek_secrets=["bench-kek-secret-bench-kek-secret-0123456789"],
        run_worker=False,
    )
    c = build(settings)
    assert c.jobs.wakeup is not None, "LISTEN/NOTIFY needs PostgreSQL"
    committed: dict[str, float] = {}
    latency: dict[str, list[float]] = {"polling": [], "listening": []}
    done = threading.Semaphore(0)

    def handler(name: str) -> Any:
        def handle(payload: dict[str, Any]) -> None:
            latency[name].append(time.perf_counter() - committed[payload["id"]])
            done.release()

        return handle

    stop = threading.Event()
    polling = JobRunner(c.uow, c.clock, {"bench-poll": handler("polling")})
    listening = JobRunner(
        c.uow, c.clock, {"bench-listen": handler("listening")}, wakeup=c.jobs.wakeup
    )
    threads = [
        threading.Thread(target=polling.run_forever, args=(stop, poll), daemon=True),
        threading.Thread(target=listening.run_forever, args=(stop, 5.0), daemon=True),
    ]
    for t in threads:
        t.start()
    enqueue_s: list[float] = []
    rng = random.Random(7)
    try:
        for i in range(jobs):
            for kind in ("bench-poll", "bench-listen"):
                time.sleep(rng.uniform(0.05, poll + 0.05))
                job_id = f"{kind}-{i}"
                t0 = time.perf_counter()
                with c.uow() as uow:
                    uow.jobs.enqueue(kind, {"id": job_id})
                    committed[job_id] = time.perf_counter()  # in case the job starts first
                    uow.commit()
                committed[job_id] = time.perf_counter()
                enqueue_s.append(committed[job_id] - t0)
                if not done.acquire(timeout=30):
                    raise SystemExit(f"{job_id} was never picked up")
    finally:
        stop.set()
        with c.uow() as uow:  # wake the listener so it sees ``stop``
            uow.jobs.enqueue("bench-stop", {})
            uow.commit()
        for t in threads:
            t.join(10)
        c.close()
    return {
        "polling": _stats(latency["polling"]),
        "listening": _stats(latency["listening"]),
        "enqueue_commit": _stats(enqueue_s),
        "poll_seconds": poll,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=60, help="jobs per worker")
    parser.add_argument("--poll", type=float, default=0.5, help="the polling worker's interval")
    parser.add_argument("--database-url", default=POSTGRES)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with fresh_schema(args.database_url) as url:
        result = run(url, args.jobs, args.poll)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"job pick-up latency on PostgreSQL, {args.jobs} jobs per worker (ms)")
    print(f"{'worker':<34}{'median':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    rows = [
        (f"polling every {args.poll:g} s (baseline)", result["polling"]),
        ("LISTEN/NOTIFY (poll every 5 s)", result["listening"]),
        ("enqueue + commit (with NOTIFY)", result["enqueue_commit"]),
    ]
    for name, s in rows:
        print(
            f"{name:<34}{s['median_ms']:>9.1f}{s['p95_ms']:>9.1f}"
            f"{s['p99_ms']:>9.1f}{s['max_ms']:>9.1f}"
        )
    ratio = result["polling"]["median_ms"] / max(result["listening"]["median_ms"], 1e-9)
    print(f"median pick-up: listening is {ratio:.0f}x sooner than polling")


if __name__ == "__main__":
    main()
