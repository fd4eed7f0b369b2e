"""`bench/delivery.py --seconds 0.01 --json` runs end to end: baking, certificates and the
OpenID4VCI round trip (services and HTTP) beside signing alone.

A smoke test of the benchmark itself (it must keep working as the code moves); no speed is
asserted, only that every measurement ran at least 20 times and its percentiles are ordered (each
round trip asserts inside the bench that a bound credential came back).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_delivery_bench_measures_the_oid4vci_round_trip_beside_signing() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "delivery.py"), "--seconds", "0.01", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.strip().splitlines()[-1])["rows"]
    for name in (
        "sign one credential (baseline)",
        "OpenID4VCI round trip (services)",
        "OpenID4VCI round trip (HTTP, in process)",
    ):
        assert name in rows, sorted(rows)
    for row in rows.values():
        assert row["calls"] >= 20
        assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
