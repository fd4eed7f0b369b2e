"""What one sandbox run is given and what it gives back: limits, the job, the result, and the
fixed paths and descriptors inside the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from microcred.errors import Unavailable

MiB = 1024 * 1024


class SandboxUnavailable(Unavailable):
    """The sandbox cannot confine code on this host, so nothing is run."""

    code = "sandbox_unavailable"


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Resource limits for one run. Memory and CPU apply per process; wall time to the run."""

    wall_seconds: float = 30.0
    cpu_seconds: int = 20
    memory_bytes: int = 512 * MiB
    file_bytes: int = 8 * MiB
    disk_bytes: int = 32 * MiB
    disk_inodes: int = 2048
    processes: int = 24
    #: All processes of a run together, when a memory cgroup can be made (see ``MemoryCgroup``).
    run_memory_bytes: int = 1024 * MiB
    open_files: int = 128
    output_bytes: int = 64 * 1024
    report_bytes: int = 1 * MiB
    #: Per-test limit, enforced inside the test process (the wall clock is the backstop).
    test_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class SandboxJob:
    """One command to run. Paths inside the sandbox: ``/sandbox/work`` (the cwd, writable by
    the command and the learner's processes), ``/sandbox/fixed`` (read-only, readable by all),
    ``/sandbox/private`` (read-only, readable by the command only), ``/sandbox/out`` (the
    report, reachable only as descriptor ``REPORT_FD``).

    The command runs as the run's uid; ``agent_argv``, when given, is what it may start (and
    restart) through descriptor ``CONTROL_FD`` as the learner's process: under a second uid,
    so that process cannot read the private files or signal the command.
    """

    argv: tuple[str, ...]
    work_files: Mapping[str, bytes]
    fixed_files: Mapping[str, bytes] = field(default_factory=dict)
    private_files: Mapping[str, bytes] = field(default_factory=dict)
    agent_argv: tuple[str, ...] = ()
    #: Host paths made visible read-only at the same place (interpreters, libraries).
    read_only_paths: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SandboxResult:
    """What the sandbox observed; ``status`` is ``exited``, ``timeout`` or ``setup_error``."""

    status: str
    exit_code: int | None = None
    signal: int | None = None
    wall_seconds: float = 0.0
    #: CPU time of the command's process (and the children it waited for).
    cpu_seconds: float = 0.0
    #: CPU time of every process of the run (the learner's too).
    run_cpu_seconds: float = 0.0
    max_rss_bytes: int = 0
    output: str = ""
    output_truncated: bool = False
    report: bytes = b""
    error: str = ""
    #: The run's memory cgroup killed processes for exceeding ``run_memory_bytes``.
    memory_exhausted: bool = False


WORK_DIR = "/sandbox/work"
FIXED_DIR = "/sandbox/fixed"
PRIVATE_DIR = "/sandbox/private"
REPORT_PATH = "/sandbox/out/report.jsonl"
#: The report as the job's command gets it: an inherited descriptor (``REPORT_PATH`` is not
#: reachable from inside: its directory belongs to root, mode 0700).
REPORT_FD = 3
#: The command's line to stage two (a SOCK_SEQPACKET socket): ``spawn`` starts the learner's
#: process (killing any before it) and answers ``spawn PID`` with its socket attached; ``reap``
#: kills the learner's other processes; ``stop`` kills them all. Errors answer ``! reason``.
CONTROL_FD = 4
#: The learner's process gets its end of the link as this descriptor (not 3: a submission that
#: writes to descriptor 3 hoping for the report must not break its own link instead).
AGENT_FD = 5
