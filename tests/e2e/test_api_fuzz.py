"""Property-based fuzzing of every API operation from the OpenAPI schema (schemathesis), signed in
and against the real server: no input may produce a server error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from procs import run_cli, start_server

pytestmark = pytest.mark.e2e


def test_no_generated_request_gets_a_server_error(tmp_path: Path) -> None:
    server, base, env = start_server(tmp_path)
    try:
        seeded = run_cli("demo", env=env)
        assert seeded.returncode == 0, seeded.stderr
        token = next(line.split()[-1] for line in seeded.stdout.splitlines() if "API token" in line)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{base}/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "8",
                "--workers",
                "2",
                "--seed",
                "20261128",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        assert "passed" in result.stdout
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]
