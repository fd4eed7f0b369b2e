"""Bulk issuance from CSV: dry run and issuance of N rows, beside single issuance in the same run.

Everything runs in this process on a fresh database (SQLite in a temporary folder by default,
``--database-url`` for PostgreSQL): one organisation, one micro-credential, a generated CSV of
``--rows`` rows (each with an external id, an issue date and evidence). The baseline is
`IssuanceService.issue`, one credential per transaction, as the API and the admin form issue.

    python bench/bulk.py [--rows 100000] [--single 300] [--chunk 200] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.credentials.bulk_csv import check_rows, read_csv
from microcred.domain.credential import Recipient
from microcred.domain.identity import Principal
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of


def _setup(url: str) -> tuple[Container, Principal, str]:
    migrate.upgrade(url)
    c = build(
        Settings(
            environment="test",
            database_url=url,
            kek_secrets=["bench-kek-secret-0123456789abcdef"],
            public_base_url="https://issuer.bench",
            ledger_interval_ms=0,
            run_worker=False,
        )
    )
    _, admin = c.identity.create_organisation(
        slug="bench",
        name="Bench Academy",
        admin_email="admin@bench.test",
        admin_password="a long enough password",
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Cloud Security Fundamentals",
            description="Secures workloads on a public cloud.",
            criteria_narrative="Harden an exposed bucket and rotate leaked keys.",
            validity_days=730,
        ),
    ).id
    return c, p, aid


def _csv(aid: str, rows: int) -> bytes:
    out = io.StringIO()
    out.write("email,name,achievement,issued_on,evidence_url,narrative,external_id\r\n")
    for i in range(rows):
        out.write(
            f"learner{i}@example.org,Learner {i},{aid},2026-{1 + i % 9:02d}-{1 + i % 28:02d},"
            f'https://work.example.org/{i},"Hardened the bucket, rotated the keys",EMP-{i:07d}\r\n'
        )
    return out.getvalue().encode()


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _quantiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return (samples[0] if samples else 0.0), (samples[0] if samples else 0.0)
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18]


def run(
    rows: int, single: int, url: str, chunk: int = 200, dry_only: bool = False
) -> dict[str, Any]:
    """Measure the three paths (issuance skipped with ``dry_only``); a dict of results."""
    c, p, aid = _setup(url)
    c.bulk.chunk_rows = chunk
    try:
        data = _csv(aid, rows)
        # baseline: single issuance, one transaction each (its own recipients)
        latencies = []
        for i in range(single):
            request = IssueRequest(aid, Recipient(email=f"single{i}@example.org"))
            seconds, _ = _timed(lambda r=request: c.issuance.issue(p, r))  # type: ignore[misc]
            latencies.append(seconds)
        c.jobs.drain()  # sequence the baseline's log entries outside the timing
        # parsing and checking alone (pure), then the dry run with its storage
        parse_s, parsed = _timed(lambda: read_csv(io.BytesIO(data)))
        catalogue = {aid: ("Cloud Security Fundamentals", 730)}
        check_s, checked = _timed(lambda: check_rows(parsed, catalogue, c.clock.now()))
        assert not checked.problems, checked.problems[:3]
        dry_s, dry = _timed(lambda: c.bulk.upload(p, io.BytesIO(data), "b.csv", dry_run=True))
        single_med, single_p95 = _quantiles(latencies)
        result: dict[str, Any] = {
            "rows": rows,
            "file_mb": round(len(data) / 1e6, 2),
            "database": url.split(":", 1)[0],
            "single": {
                "n": single,
                "per_s": single / sum(latencies) if latencies else 0.0,
                "median_ms": single_med * 1000,
                "p95_ms": single_p95 * 1000,
            },
            "parse": {"seconds": parse_s, "per_s": rows / parse_s},
            "check": {"seconds": check_s, "per_s": rows / check_s},
            "dry_run": {"seconds": dry_s, "per_s": rows / dry_s},
        }
        if dry_only:
            return result
        # issuance: confirm the dry run, then the job (chunks) until done, log sequencing included
        chunk_times: list[float] = []
        real = c.bulk._try_chunk

        def timed_chunk(org: str, run_id: str) -> bool:
            seconds, more = _timed(lambda: real(org, run_id))
            if more:
                chunk_times.append(seconds)
            return bool(more)

        c.bulk._try_chunk = timed_chunk  # type: ignore[method-assign]
        c.bulk.confirm(p, dry.id)
        issue_s, _ = _timed(lambda: c.jobs.drain(limit=1_000_000))
        done = c.bulk.get(p, dry.id)
        assert done.issued == rows, (done.state, done.issued, done.error)
        # the same file again: every row found already issued
        again_s, again = _timed(lambda: c.bulk.upload(p, io.BytesIO(data), "b.csv", dry_run=True))
        assert again.already_issued == rows
        chunk_med, chunk_p95 = _quantiles(chunk_times)
        size = c.bulk.chunk_rows
        return result | {
            "issue": {
                "seconds": issue_s,
                "per_s": rows / issue_s,
                "chunks_seconds": sum(chunk_times),
                "chunks_per_s": rows / sum(chunk_times),
                "chunk_rows": size,
                "chunk_median_ms": chunk_med * 1000,
                "chunk_p95_ms": chunk_p95 * 1000,
                "row_median_ms": chunk_med * 1000 / size,
                "row_p95_ms": chunk_p95 * 1000 / size,
            },
            "reupload_dry_run": {"seconds": again_s, "per_s": rows / again_s},
        }
    finally:
        c.close()


def main() -> None:
    """Parse arguments, run, print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the CSV file")
    parser.add_argument("--single", type=int, default=300, help="single issuances (baseline)")
    parser.add_argument("--dry-run-only", action="store_true", help="skip the issuance")
    parser.add_argument("--chunk", type=int, default=200, help="rows per transaction")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        result = run(args.rows, args.single, url, args.chunk, args.dry_run_only)
    if args.json:
        print(json.dumps(result))
        return
    s, i = result["single"], result.get("issue")
    print(
        f"bulk issuance: {result['rows']:,} rows ({result['file_mb']} MB) on {result['database']}"
    )
    print(f"{'':<40}{'rows/s':>10}{'seconds':>10}{'median ms':>11}{'p95 ms':>9}")
    print(
        f"{'single issuance (baseline, per row)':<40}{s['per_s']:>10,.1f}"
        f"{'':>10}{s['median_ms']:>11.2f}{s['p95_ms']:>9.2f}"
    )
    for name, key in (
        ("read CSV (parse only)", "parse"),
        ("check rows (pure)", "check"),
        ("dry run (read, check, store report)", "dry_run"),
        ("re-upload dry run (all already issued)", "reupload_dry_run"),
    ):
        if key not in result:
            continue
        row = result[key]
        print(f"{name:<40}{row['per_s']:>10,.0f}{row['seconds']:>10.2f}")
    if i is None:
        return
    print(
        f"{'bulk issuance (chunks only, per row)':<40}{i['chunks_per_s']:>10,.1f}"
        f"{i['chunks_seconds']:>10.2f}{i['row_median_ms']:>11.2f}{i['row_p95_ms']:>9.2f}"
    )
    print(f"{'bulk issuance (job + log sequencing)':<40}{i['per_s']:>10,.1f}{i['seconds']:>10.2f}")
    print(
        f"  chunks of {i['chunk_rows']} rows: median {i['chunk_median_ms']:.0f} ms, "
        f"p95 {i['chunk_p95_ms']:.0f} ms; bulk/single = {i['chunks_per_s'] / s['per_s']:.2f}x"
    )


if __name__ == "__main__":
    main()
