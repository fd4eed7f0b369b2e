"""Seconds and bytes of ``export --static`` for N credentials, beside the archive export
(``export FILE``) of the same instance in the same run.

Issues N eddsa-rdfc-2022 credentials (one revoked) into a fresh SQLite instance, sequences the
log, then writes the static site and the zip archive ``--repeat`` times each. Reports the
median, p95 and p99 seconds per run, files and bytes on disk, and milliseconds per credential.

    python bench/static_export.py [--count 1000] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from microcred.adapters.db import migrate
from microcred.bootstrap import build
from microcred.cli.static_site import write_static
from microcred.config import Settings
from microcred.domain.credential import Recipient, StatusAction
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of

PASSPHRASE = "a bench passphrase, long enough"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _row(name: str, seconds: list[float], files: int, size: int, count: int) -> dict[str, Any]:
    median = statistics.median(seconds)
    return {
        "export": name,
        "median_s": round(median, 3),
        "p95_s": round(_quantile(seconds, 0.95), 3),
        "p99_s": round(_quantile(seconds, 0.99), 3),
        "files": files,
        "bytes": size,
        "ms_per_credential": round(1000 * median / count, 2),
    }


def run(count: int, repeat: int) -> list[dict[str, Any]]:
    """Seed ``count`` credentials, then time both exports ``repeat`` times."""
    work = Path(tempfile.mkdtemp(prefix="bench-static-"))
    try:
        url = f"sqlite:///{work / 'db.sqlite'}"
        migrate.upgrade(url)
        c = build(
            Settings(
                environment="test",
                database_url=url,
                public_base_url="https://badges.example.org",
                blob_dir=str(work / "blobs"),
                ledger_interval_ms=0,
                run_worker=False,
            )
        )
        _, admin = c.identity.create_organisation(
            slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long password!"
        )
        p = principal_of(admin)
        aid = c.achievements.create(
            p, AchievementInput(name="Forklift", description="D.", criteria_narrative="Pass.")
        ).id
        ids = [
            c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test"))).id
            for i in range(count)
        ]
        c.credentials.change_status(p, ids[0], StatusAction.REVOKE, "bench")
        c.jobs.drain()
        static_s: list[float] = []
        files = size = 0
        for i in range(repeat):
            target = work / f"site-{i}"
            started = time.perf_counter()
            summary = write_static(c, target, None, 3650)
            static_s.append(time.perf_counter() - started)
            files, size = (
                summary.files,
                sum(f.stat().st_size for f in target.rglob("*") if f.is_file()),
            )
            shutil.rmtree(target)
        archive_s: list[float] = []
        archive_bytes = 0
        for _ in range(repeat):
            out = io.BytesIO()
            started = time.perf_counter()
            c.portability.export.write(out, PASSPHRASE)
            archive_s.append(time.perf_counter() - started)
            archive_bytes = len(out.getvalue())
        c.close()
        return [
            _row("static (--static DIR)", static_s, files, size, count),
            _row("archive (FILE, baseline)", archive_s, 1, archive_bytes, count),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    """Print the table (or JSON)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.count, args.repeat)
    if args.json:
        print(json.dumps({"count": args.count, "repeat": args.repeat, "rows": rows}))
        return
    print(f"{args.count} credentials, {args.repeat} runs each")
    head = ("export", "median_s", "p95_s", "p99_s", "files", "bytes", "ms_per_credential")
    print(" | ".join(f"{h:>24}" if i == 0 else f"{h:>17}" for i, h in enumerate(head)))
    for row in rows:
        print(
            " | ".join(
                f"{row[h]!s:>24}" if i == 0 else f"{row[h]!s:>17}" for i, h in enumerate(head)
            )
        )


if __name__ == "__main__":
    main()
