"""`make run` as a user runs it: the Makefile's run target starts the local witness
(`microcred witness local`) beside the server, the demo's log gets cosigned by it, `microcred
audit` names it as independent evidence, Ctrl-C (SIGINT to the process group) and SIGTERM to make
stop both processes, and a rerun finds the same witness key and state under var/. Real make,
real processes; only the install step is bypassed (BIN points at this interpreter, STAMP at a
fresh file)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from procs import CLI, free_port, wait_for

from microcred.transparency.note import parse_note

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without MICROCRED_* settings, importing this tree's code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROCRED_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH", "")) if p
    )
    return {**env, **extra}


class MakeRun:
    """`make run` in a directory of its own, on free ports."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.port, self.witness_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        bin_dir = tmp / "bin"
        bin_dir.mkdir(exist_ok=True)
        wrapper = bin_dir / "microcred"
        wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m microcred.cli.main "$@"\n')
        wrapper.chmod(0o755)
        if not (bin_dir / "python").exists():
            (bin_dir / "python").symlink_to(sys.executable)
        (tmp / "pyproject.toml").touch()
        self.stamp = tmp / "stamp"
        self.stamp.touch()
        future = time.time() + 3600
        os.utime(self.stamp, (future, future))  # installed: newer than its prerequisites
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / "run.log"

    def start(self) -> MakeRun:
        handle = self.log.open("wb")
        self.proc = subprocess.Popen(
            [
                "make",
                "-f",
                str(REPO / "Makefile"),
                "-C",
                str(self.tmp),
                "run",
                f"BIN={self.tmp / 'bin'}",
                f"STAMP={self.stamp}",
                f"WITNESS_PORT={self.witness_port}",
            ],
            env=_clean_env(MICROCRED_PORT=str(self.port), MICROCRED_PUBLIC_BASE_URL=self.base),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
        handle.close()
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cosigned(self) -> tuple[int, list[str]] | None:
        """(size, signer names) of the served checkpoint once a witness cosigned it."""
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"make run exited early:\n{self.output()[-4000:]}")
        try:
            r = httpx.get(f"{self.base}/log/checkpoint", timeout=5)
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        note = parse_note(r.text)
        names = [s.name for s in note.signatures]
        return (int(note.text.splitlines()[1]), names) if len(names) >= 2 else None

    def cli(self, *args: str, witnesses: str = "") -> subprocess.CompletedProcess[str]:
        """A command against this run's database, as an operator beside it would run it."""
        var = self.tmp / "var"
        env = _clean_env(
            MICROCRED_DATABASE_URL=f"sqlite:///{var / 'microcred.db'}",
            MICROCRED_KEK_SECRETS_FILE=str(var / "kek.secret"),
            MICROCRED_PUBLIC_BASE_URL=self.base,
            MICROCRED_WITNESSES=witnesses,
        )
        return subprocess.run(
            [*CLI, *args], env=env, capture_output=True, text=True, timeout=180, check=False
        )

    def wait_stopped(self, timeout: float = 90) -> None:
        assert self.proc is not None
        self.proc.wait(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.3)
        else:
            raise AssertionError("a process of make run outlived it")
        for port in (self.port, self.witness_port):
            with socket.socket() as s, pytest.raises(ConnectionRefusedError):
                s.connect(("127.0.0.1", port))

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def test_make_run_starts_a_witness_that_cosigns_and_the_audit_names_it(tmp_path: Path) -> None:
    run = MakeRun(tmp_path).start()
    try:
        size, names = wait_for(run.cosigned, timeout=300, interval=1, what="a cosigned checkpoint")
        out = run.output()
        spec_line = next(line for line in out.splitlines() if line.startswith("local witness: "))
        spec = spec_line.removeprefix("local witness: ")
        assert spec.startswith(f"http://127.0.0.1:{run.witness_port} ")
        witness = spec.split(" ", 1)[1].split("+", 1)[0]
        assert names[1] == witness and witness.endswith("/local-witness")
        assert f"checkpoint of size {size} cosigned by the witness {witness}" in out

        # the same set-up again gives the same witness (its key persists under var/)
        again = run.cli("witness", "local", "--dir", str(tmp_path / "var"),
                        "--port", str(run.witness_port), "--spec")  # fmt: skip
        assert again.returncode == 0 and again.stdout.strip() == spec, again.stderr
        assert (tmp_path / "var" / "witness.key").stat().st_mode & 0o777 == 0o600

        audit = run.cli("audit", "--json", witnesses=spec)
        report = json.loads(audit.stdout)
        assert audit.returncode == 0 and report["clean"], report
        assert report["independent_evidence"] == [f"witness {witness}: checkpoint of size {size}"]
        assert report["warnings"] == []

        os.killpg(run.proc.pid, signal.SIGINT)  # type: ignore[union-attr]  # Ctrl-C
        run.wait_stopped()
        key = (tmp_path / "var" / "witness.key").read_text()

        # rerun: same key, the witness's state kept, the demo not seeded twice
        rerun = MakeRun(tmp_path).start()
        run = rerun
        wait_for(rerun.cosigned, timeout=300, interval=1, what="the rerun's checkpoint")
        assert "already present" in rerun.output()
        assert (tmp_path / "var" / "witness.key").read_text() == key
        con = sqlite3.connect(tmp_path / "var" / "witness.db")
        assert con.execute("SELECT size FROM witness_logs").fetchall() == [(size,)]
        con.close()
        rerun.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]  # to make only
        rerun.wait_stopped()
    finally:
        run.kill()

    # a database whose log key changed is refused, not silently followed
    pinned = tmp_path / "var" / "witness.log.vkey"
    pinned.write_text(pinned.read_text().replace("+", "+0", 1))
    refused = run.cli("witness", "local", "--dir", str(tmp_path / "var"), "--spec")
    assert refused.returncode == 2 and "not the one the local witness follows" in refused.stderr
    assert "Traceback" not in refused.stderr
