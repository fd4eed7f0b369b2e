"""A memory cgroup per run, so that all of a run's processes together stay under a limit."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from pathlib import Path

log = logging.getLogger(__name__)


class MemoryCgroup:
    """A per-run memory cgroup under this process's own, capping all of a run's processes.

    cgroup v1 (a ``memory`` hierarchy) or v2 (when our cgroup delegates ``memory`` to children).
    Optional: where neither is writable, per-process RLIMIT_AS still applies (logged once).
    """

    _warned = False

    def __init__(self, path: Path, v2: bool) -> None:
        self.path = path
        self.v2 = v2

    @property
    def procs(self) -> Path:
        """The file a process writes its pid to, to join."""
        return self.path / "cgroup.procs"

    @classmethod
    def parent(cls) -> tuple[Path, bool] | None:
        """Where run cgroups can be made: our own memory cgroup, if it is writable."""
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            _, controllers, rel = line.split(":", 2)
            if "memory" in controllers.split(","):
                base = Path("/sys/fs/cgroup/memory") / rel.lstrip("/")
                if (base / "memory.limit_in_bytes").exists() and os.access(base, os.W_OK):
                    return base, False
            if controllers == "":
                base = Path("/sys/fs/cgroup") / rel.lstrip("/")
                control = base / "cgroup.subtree_control"
                if control.exists() and "memory" in control.read_text().split():
                    return base, True
        return None

    @classmethod
    def create(cls, limit: int) -> MemoryCgroup | None:
        """A fresh cgroup limited to ``limit`` bytes (no swap), or ``None`` where unsupported."""
        found = cls.parent()
        if found is None:
            if not cls._warned:
                cls._warned = True
                log.warning("no writable memory cgroup: run memory is limited per process only")
            return None
        base, v2 = found
        path = base / f"microcred-sandbox-{secrets.token_hex(6)}"
        try:
            path.mkdir()
            if v2:
                (path / "memory.max").write_text(str(limit))
                with contextlib.suppress(OSError):
                    (path / "memory.swap.max").write_text("0")
            else:
                (path / "memory.limit_in_bytes").write_text(str(limit))
                with contextlib.suppress(OSError):
                    (path / "memory.memsw.limit_in_bytes").write_text(str(limit))
        except OSError as exc:
            log.warning("cannot set up a memory cgroup (%s); limiting per process only", exc)
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path, v2)

    def remove(self) -> bool:
        """Delete the (now empty) cgroup; whether it ever ran out of memory."""
        exhausted = False
        with contextlib.suppress(OSError, ValueError):
            name = "memory.events" if self.v2 else "memory.oom_control"
            text = (self.path / name).read_text()
            counts = dict(ln.split(maxsplit=1) for ln in text.splitlines() if " " in ln)
            exhausted = int(counts.get("oom_kill", "0")) > 0
        for _ in range(50):
            try:
                self.path.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)  # the last processes of the run are still being reaped
        else:
            log.warning("memory cgroup %s could not be removed", self.path)
        return exhausted
