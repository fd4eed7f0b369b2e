"""Issuance latency while a slow code review runs, beside the same issuance with no review
running: whether the review holds SQLite's one write lock (issue 13, finding 13; target: p95
under 100 ms during a ~30 s review; by default the tests sleep 22.5 s, which with the sandbox's
start and the write-back makes a review of ~26-30 s that stays inside its 30 s wall clock).

One process, one SQLite file database, the real container and the real sandbox. Rows:

- ``no review``: ``--count`` credentials issued one after another through the service (after a
  few warm-up issuances) before the review, and as many after it: the baseline (both halves
  together, and each, since the shared machine's load drifts);
- ``during review``: issuances one after another for as long as a code review whose instructor's
  tests sleep for ``--review-seconds`` runs in a worker thread (``JobRunner.run_once``), from its
  sandbox start to its write-back, counting those that finished before the review did.

Needs root and util-linux ``unshare`` (the sandbox's requirements).

    python bench/review_lock.py [--json] [--count 100] [--review-seconds 22.5]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import secrets
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.credential import Recipient
from microcred.domain.identity import Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.learning.evidence import Upload

SOLUTION = b"def fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n"
PER_TEST = 2.5  # seconds each test sleeps: under the sandbox's 5 s per-test limit


def slow_tests(seconds: float) -> bytes:
    """Tests that pass for ``SOLUTION`` after sleeping ``seconds`` in all."""
    body = "import time\nfrom solution import fizz\n\n"
    for i in range(max(1, math.ceil(seconds / PER_TEST))):
        body += f"def test_{i}():\n    time.sleep({PER_TEST})\n    assert fizz(3) == 'Fizz'\n\n"
    return body.encode()


def sandbox_running() -> bool:
    """Whether this process has a sandbox run going (an ``unshare`` child: the review is in its
    slow step; other processes' runs on the machine do not count)."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.partition("(")[2] == "unshare" and int(rest.split()[1]) == me:
            return True
    return False


def quantiles(values: list[float]) -> dict[str, float]:
    """n, p50, p95, p99 and max of ``values`` (seconds in, milliseconds out)."""
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1000

    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
        "max_ms": ordered[-1] * 1000,
    }


class World:
    """An organisation, a learner with a code submission waiting, and a plain badge."""

    def __init__(self, c: Container, review_seconds: float) -> None:
        self.c = c
        _, admin = c.identity.create_organisation(
            slug="bench", name="Bench", admin_email="admin@bench.test", admin_password="x" * 20
        )
        self.admin = principal_of(admin)
        learner = principal_of(
            c.identity.add_user(
                self.admin, email="lea@bench.test", name="Lea", role=Role.LEARNER, password="y" * 20
            )
        )
        badge = c.achievements.create(
            self.admin, AchievementInput(name="Code", description="Code.", criteria_narrative="x")
        ).id
        self.plain = c.achievements.create(
            self.admin, AchievementInput(name="Plain", description="Plain.", criteria_narrative="x")
        ).id
        c.learning.enrol(learner, achievement_id=badge)
        c.code.set(
            self.admin,
            badge,
            Upload("test_solution.py", slow_tests(review_seconds)),
            [{"criterion_id": "works", "patterns": ["test_*"], "max_points": 1}],
            audit_share=0.0,
        )
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("solution.py", SOLUTION)
        self.submission = c.learning.submit(learner, badge, code=[Upload("s.zip", buf.getvalue())])
        self.issued = 0

    def issue(self) -> float:
        """Issue one credential; its latency in seconds."""
        self.issued += 1
        start = time.perf_counter()
        self.c.issuance.issue(
            self.admin,
            IssueRequest(self.plain, Recipient(email=f"guest{self.issued}@bench.test")),
        )
        return time.perf_counter() - start


def measure(count: int, review_seconds: float) -> dict[str, Any]:
    """Issuance latency with no review running, then during one code review."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'microcred.db'}"
        migrate.upgrade(url)
        settings = Settings(
            environment="test",
            database_url=url,
            kek_secrets=[secrets.token_hex(16)],
            public_base_url="https://issuer.bench",
            ledger_interval_ms=0,
            run_worker=False,
            blob_dir=str(Path(tmp) / "blobs"),
        )
        c = build(settings)
        try:
            return _measure(World(c, review_seconds), count)
        finally:
            c.close()


def _measure(world: World, count: int) -> dict[str, Any]:
    for _ in range(5):  # keys, status list, contexts: not timed
        world.issue()
    baseline = [world.issue() for _ in range(count)]
    ended: list[float] = []

    def review() -> None:
        world.c.jobs.run_once()
        ended.append(time.perf_counter())

    started = time.perf_counter()
    worker = threading.Thread(target=review, daemon=True)
    worker.start()
    while not sandbox_running() and worker.is_alive():
        time.sleep(0.01)
    during: list[float] = []
    while worker.is_alive():  # to the end, the write-back's short transaction included
        latency = world.issue()
        if worker.is_alive():
            during.append(latency)
    worker.join()
    after = [world.issue() for _ in range(count)]
    with world.c.uow() as uow:
        outcome = uow.tenant(world.admin.organisation_id).submissions.get(world.submission.id)
    base, busy = quantiles(baseline + after), quantiles(during) if during else None
    return {
        "count": count,
        "review_seconds": ended[0] - started,
        "review_outcome": outcome.status.value if outcome else None,
        "no_review": base,
        "no_review_before": quantiles(baseline),
        "no_review_after": quantiles(after),
        "during_review": busy,
        "p95_ratio": busy["p95_ms"] / base["p95_ms"] if busy else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--review-seconds", type=float, default=22.5)
    args = parser.parse_args()
    result = measure(args.count, args.review_seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"issuance latency, SQLite file, one process; the code review ran "
        f"{result['review_seconds']:.1f} s and ended {result['review_outcome']}"
    )
    print(f"{'row':<16}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    rows = (
        ("no review", "no_review"),
        ("  before", "no_review_before"),
        ("  after", "no_review_after"),
        ("during review", "during_review"),
    )
    for label, key in rows:
        row = result[key]
        if row is None:
            print(f"{label:<16}{'none finished during the review':>46}")
            continue
        print(
            f"{label:<16}{row['n']:>6}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}"
            f"{row['p99_ms']:>10.1f}{row['max_ms']:>10.1f}"
        )
    if result["p95_ratio"] is not None:
        print(f"{'p95 ratio':<16}{result['p95_ratio']:>35.2f}×")
        met = result["during_review"]["p95_ms"] < 100
        print(
            f"target p95 < 100 ms during the review: {'met' if met else 'NOT met'} "
            f"(p95 with no review: {result['no_review']['p95_ms']:.1f} ms)"
        )


if __name__ == "__main__":
    main()
