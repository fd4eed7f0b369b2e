"""Webhooks: what subscribing costs issuance, and what a slow receiver costs it (nothing, we
claim), beside issuance with no subscriber in the same run; then delivery throughput to a fast
loopback receiver and the cost of one signature.

Everything runs in this process on a fresh database (SQLite in a temporary folder by default,
``--database-url`` for PostgreSQL). Three organisations issue in turn (interleaved, so drift in
the machine's load hits every case alike): one with no webhook (the baseline), one with three
subscriptions to ``credential.issued`` on a fast receiver, one with three on a receiver that
sleeps 10 s while a background worker is posting to it (2 s deadline).

    python bench/webhooks.py [--issues 150] [--deliveries 300] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.webhook_receiver import serve

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.credential import Recipient
from microcred.domain.identity import Principal
from microcred.ports.webhooks import DeliveryState
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.jobs import BackgroundWorker
from microcred.services.webhooks import signature
from microcred.services.webhooks.events import delivery_job


def _org(c: Container, slug: str) -> tuple[Principal, str]:
    _, admin = c.identity.create_organisation(
        slug=slug, name=slug, admin_email=f"a@{slug}.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p, AchievementInput(name="K8s", description="D.", criteria_narrative="C.")
    ).id
    return p, aid


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "n": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=150)
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="mc-bench-webhooks-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    migrate.upgrade(url)
    c = build(
        Settings(
            environment="test",
            database_url=url,
            kek_secrets=["bench-kek-secret-0123456789abcdef"],
            public_base_url="https://issuer.bench",
            ledger_interval_ms=0,
            run_worker=False,
            allow_insecure_http=True,
            fetch_allow_networks=["127.0.0.1/32"],
            webhook_timeout_seconds=2.0,
        )
    )
    fast_gen, slow_gen = serve(), serve()
    fast, slow = next(fast_gen), next(slow_gen)
    slow.delay = 10.0
    cases: dict[str, tuple[Principal, str]] = {
        "no webhook (baseline)": _org(c, "base"),
        "3 webhooks, fast receiver": _org(c, "fast"),
        "3 webhooks, receiver sleeping 10 s": _org(c, "slow"),
    }
    for name, receiver in (
        ("3 webhooks, fast receiver", fast),
        ("3 webhooks, receiver sleeping 10 s", slow),
    ):
        p, _ = cases[name]
        for _ in range(3):
            c.webhooks.subscriptions.create(p, receiver.url, ["credential.issued"])
    worker = BackgroundWorker(c.jobs, idle_seconds=0.01)
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for i in range(5):  # warm-up
        for p, aid in cases.values():
            c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"w{i}@example.org")))
    before = len(slow.received)
    worker.start()
    for i in range(args.issues):
        for name, (p, aid) in cases.items():
            start = time.perf_counter()
            c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@example.org")))
            samples[name].append(time.perf_counter() - start)
    worker.stop(timeout=15)
    busy_slow = len(slow.received) - before
    rows: dict[str, Any] = {name: _stats(s) for name, s in samples.items()}

    # delivery throughput: post the fast organisation's pending deliveries one after another
    fast_p = cases["3 webhooks, fast receiver"][0]
    with c.uow() as uow:
        scope = uow.tenant(fast_p.organisation_id)
        pending = [
            d.id
            for sub in scope.webhooks.subscriptions()
            for d in scope.webhooks.deliveries(sub.id, limit=10_000)
            if d.state is DeliveryState.PENDING
        ][: args.deliveries]
    start = time.perf_counter()
    for delivery_id in pending:
        c.webhooks.delivery.run(delivery_job(fast_p.organisation_id, delivery_id))
    elapsed = time.perf_counter() - start
    rows["deliveries to a fast receiver"] = {
        "per_second": len(pending) / elapsed if elapsed else 0.0,
        "n": len(pending),
    }
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b"x" * 600
    n = 20_000
    start = time.perf_counter()
    for i in range(n):
        signature(secret, "msg_1", 1_700_000_000 + i, body)
    rows["one signature (600-byte body)"] = {"us": (time.perf_counter() - start) / n * 1e6}
    rows["slow receiver: requests it got during the loop"] = {"n": busy_slow}
    fast_gen.close()
    slow_gen.close()
    c.close()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"database: {url.split(':', 1)[0]}; {args.issues} issuances per case, interleaved")
    print(f"{'case':<40} {'median ms':>10} {'p95 ms':>10} {'n':>6}")
    for name in cases:
        r = rows[name]
        print(f"{name:<40} {r['median_ms']:>10.2f} {r['p95_ms']:>10.2f} {r['n']:>6}")
    d = rows["deliveries to a fast receiver"]
    print(f"deliveries to a fast receiver: {d['per_second']:.0f}/s over {d['n']}")
    print(f"one signature: {rows['one signature (600-byte body)']['us']:.1f} µs")
    print(f"slow receiver got {busy_slow} requests while issuance ran (each cut at 2 s)")


if __name__ == "__main__":
    main()
