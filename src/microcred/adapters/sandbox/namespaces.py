"""The sandbox: one command in fresh Linux namespaces (network, mount, PID, IPC, UTS).

A read-only root built from bind mounts, a size-limited tmpfs as the only writable place, a
throw-away uid, resource limits, a clean environment, and a wall clock that kills every process
of the run. The work inside the namespaces is done by stage two (``programs/stage2.py``). It
refuses to run (:class:`SandboxUnavailable`) rather than run unconfined.

See ``docs/code-review-sandbox.md`` for what is and is not isolated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from microcred.adapters.sandbox import programs
from microcred.adapters.sandbox.archives import ArchiveLimits, safe_relative_path
from microcred.adapters.sandbox.cgroup import MemoryCgroup
from microcred.adapters.sandbox.limits import (
    AGENT_FD,
    CONTROL_FD,
    FIXED_DIR,
    PRIVATE_DIR,
    REPORT_FD,
    REPORT_PATH,
    WORK_DIR,
    MiB,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
)

log = logging.getLogger(__name__)

#: System directories bound read-only into every sandbox (merged-/usr symlinks are recreated).
_SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")

_DEFAULT_LIMITS = SandboxLimits()

#: A public address used only to prove that outbound connections fail.
PUBLIC_PROBE_ADDRESS = ("1.1.1.1", 53)


class Sandbox:
    """Runs commands confined by namespaces, a read-only root, a throw-away uid and rlimits."""

    #: First uid handed to runs; each run gets its own, so RLIMIT_NPROC is per run.
    UID_BASE = 1_990_000_000
    UID_SPAN = 1_000_000
    #: After a failed probe, try again this much later (an operator may have fixed the host).
    RECHECK_SECONDS = 60.0

    def __init__(self, limits: SandboxLimits = _DEFAULT_LIMITS, unshare: str | None = None) -> None:
        self.limits = limits
        #: util-linux ``unshare``; found on PATH unless given.
        self.unshare = unshare or shutil.which("unshare") or ""
        self._checked: str | None = None  # "" = verified, else the reason it is unusable
        self._checked_at = 0.0
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ availability
    def ensure_available(self) -> None:
        """Verify once that confinement works here; :class:`SandboxUnavailable` if not."""
        with self._lock:
            stale = self._checked and time.monotonic() - self._checked_at > self.RECHECK_SECONDS
            if self._checked is None or stale:
                self._checked = self._probe()
                self._checked_at = time.monotonic()
                if self._checked:
                    log.error("code sandbox refused to run: %s", self._checked)
                else:
                    log.info("code sandbox verified: no network, read-only host, non-root uid")
        if self._checked:
            raise SandboxUnavailable(
                f"The code sandbox cannot confine submissions on this host: {self._checked}.",
                hint="Nothing was run. Code reviews wait for a human until an operator fixes it.",
            )

    def _probe(self) -> str:
        if not sys.platform.startswith("linux"):
            return "it needs Linux namespaces"
        if os.geteuid() != 0:
            return "it must start as root to create namespaces and switch to a throw-away uid"
        if not (self.unshare and os.access(self.unshare, os.X_OK)):
            return "the 'unshare' program (util-linux) is missing"
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            targets = [["127.0.0.1", listener.getsockname()[1]], list(PUBLIC_PROBE_ADDRESS)]
            job = SandboxJob(
                argv=(
                    sys.executable,
                    "-I",
                    "-S",
                    "-c",
                    programs.text("probe.py"),
                    json.dumps(targets),
                ),
                work_files={},
                read_only_paths=python_paths(sys.executable),
            )
            result = self._execute(job)
        finally:
            listener.close()
        if result.status != "exited" or result.exit_code != 0:
            return f"the probe did not run ({result.status}: {result.error or result.output[:200]})"
        try:
            leaks = json.loads(result.output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return f"the probe printed something unexpected: {result.output[:200]!r}"
        return "; ".join(str(x) for x in leaks)

    # ------------------------------------------------------------------ running
    def run(self, job: SandboxJob) -> SandboxResult:
        """Run ``job`` confined; refuse with :class:`SandboxUnavailable` if confinement fails."""
        self.ensure_available()
        return self._execute(job)

    def _execute(self, job: SandboxJob) -> SandboxResult:
        lim = self.limits
        stage = Path(tempfile.mkdtemp(prefix="microcred-sandbox-"))
        try:
            _write_tree(stage / "work", job.work_files)
            _write_tree(stage / "fixed", job.fixed_files)
            _write_tree(stage / "private", job.private_files)
            (stage / "root").mkdir()
            files = (*job.fixed_files.values(), *job.private_files.values())
            fixed_bytes = sum(len(v) for v in files)
            uid = self.UID_BASE + 2 * secrets.randbelow(self.UID_SPAN // 2)
            config: dict[str, Any] = {
                "root": str(stage / "root"),
                "root_bytes": fixed_bytes + 4 * MiB,
                "work_src": str(stage / "work"),
                "fixed_src": str(stage / "fixed"),
                "private_src": str(stage / "private"),
                "cwd": WORK_DIR,
                "fixed": FIXED_DIR,
                "private": PRIVATE_DIR,
                "report": REPORT_PATH,
                "report_fd": REPORT_FD,
                "ctl_fd": CONTROL_FD,
                "agent_fd": AGENT_FD,
                "agent_argv": list(job.agent_argv),
                "system_paths": [p for p in _SYSTEM_PATHS if os.path.lexists(p)],
                "read_only_paths": [p for p in job.read_only_paths if os.path.exists(p)]
                + [p for p in _SYSTEM_FILES if os.path.exists(p)],
                "uid": uid,  # the command's; the learner's processes run as uid + 1
                "agent_uid": uid + 1,
                "argv": list(job.argv),
                "env": {**_BASE_ENV, **job.env},
                "limits": {
                    "wall": lim.wall_seconds,
                    "cpu": lim.cpu_seconds,
                    "memory": lim.memory_bytes,
                    "fsize": lim.file_bytes,
                    "disk": lim.disk_bytes,
                    "inodes": lim.disk_inodes,
                    "nproc": lim.processes,
                    "nofile": lim.open_files,
                    "output": lim.output_bytes,
                    "report": lim.report_bytes,
                },
            }
            cgroup = MemoryCgroup.create(lim.run_memory_bytes)
            config["cgroup_procs"] = str(cgroup.procs) if cgroup else ""
            try:
                result = self._spawn(config)
            finally:
                exhausted = cgroup.remove() if cgroup else False
            if exhausted and result.status != "setup_error":
                return dataclasses.replace(result, memory_exhausted=True)
            return result
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _spawn(self, config: dict[str, Any]) -> SandboxResult:
        argv = [
            self.unshare,
            *("--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child"),
            *("--propagation", "private"),
            sys.executable,
            *("-I", "-S", "-c", programs.text("stage2.py")),
        ]
        proc = subprocess.Popen(  # noqa: S603 — fixed argv, no shell
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
            close_fds=True,
        )
        try:
            out, err = proc.communicate(
                json.dumps(config).encode(), timeout=self.limits.wall_seconds + 30
            )
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return SandboxResult(status="setup_error", error="the sandbox itself did not finish")
        finally:
            if proc.poll() is None:
                _kill_group(proc)
        try:
            data = json.loads(out.decode("utf-8", "replace").strip().splitlines()[-1])
        except (ValueError, IndexError):
            tail = err.decode("utf-8", "replace")[-500:]
            return SandboxResult(status="setup_error", error=f"the sandbox failed to start: {tail}")
        if data.get("status") == "setup_error":
            return SandboxResult(status="setup_error", error=str(data.get("error", ""))[:500])
        return SandboxResult(
            status=str(data["status"]),
            exit_code=data.get("exit_code"),
            signal=data.get("signal"),
            wall_seconds=float(data.get("wall", 0.0)),
            cpu_seconds=float(data.get("cpu", 0.0)),
            run_cpu_seconds=float(data.get("run_cpu", 0.0)),
            max_rss_bytes=int(data.get("maxrss", 0)),
            output=str(data.get("output", "")),
            output_truncated=bool(data.get("output_truncated")),
            report=str(data.get("report", "")).encode(),
        )


_BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORK_DIR,
    "TMPDIR": WORK_DIR + "/.tmp",
    "USER": "learner",
    "LOGNAME": "learner",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
}


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the sandbox's process group; its PID-namespace init takes every learner process."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _write_tree(root: Path, files: Mapping[str, bytes]) -> None:
    """Write validated relative paths under a fresh directory, never following links."""
    root.mkdir(mode=0o700)
    for name, data in files.items():
        rel = safe_relative_path(name, ArchiveLimits(max_path_chars=1000, max_depth=64))
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)


def python_paths(interpreter: str) -> tuple[str, ...]:
    """Host directories an interpreter needs: its venv and its base installation."""
    real = os.path.realpath(interpreter)
    paths = {str(Path(real).parent.parent)}
    venv = Path(interpreter).parent.parent
    if (venv / "pyvenv.cfg").exists():
        paths.add(str(venv))
    if sys.executable == interpreter:
        paths.update({sys.prefix, sys.base_prefix})
    return tuple(sorted(p for p in paths if p not in ("/", "/usr")))
