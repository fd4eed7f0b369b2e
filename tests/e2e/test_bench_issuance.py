"""`bench/issuance.py --quick` runs end to end: service and HTTP issuance beside signing alone.

A smoke test of the benchmark itself (it must keep working as the code moves); no speed is
asserted here, only that every measurement ran and issued what it was asked to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_measures_signing_service_and_http() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "issuance.py"), "--quick", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["suite"] == "eddsa-rdfc-2022"
    rows = result["sqlite"]
    assert set(rows) == {"sign", "service", "http1", "http2", "bulk1"}
    for name, row in rows.items():
        assert row["n"] == 20
        assert row["per_s"] > 0
        if name != "bulk1":  # a bulk run is one upload: a rate, no per-request latencies
            assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
        if name.startswith(("http", "bulk")):
            assert row["cpu_ms"] > 0  # the server processes' CPU per credential
