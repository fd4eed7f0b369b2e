"""Run a learner's code against the instructor's tests, isolated from the host.

Three layers, outermost first:

* :func:`read_submission` unpacks an archive (zip, tar, tar.gz) or single file *in memory*,
  refusing path traversal, links that point out, devices, zip bombs and oversized members.
* :class:`Sandbox` runs one command in fresh Linux namespaces (network, mount, PID, IPC, UTS):
  a read-only root built from bind mounts, a size-limited tmpfs as the only writable place,
  a throw-away uid, resource limits, a clean environment, and a wall clock that kills every
  process of the run. It refuses to run (:class:`SandboxUnavailable`) rather than run unconfined.
* :class:`PythonTests` / :class:`SandboxCodeRunner` turn that into a
  :class:`~microcred.assessment.code_review.TestRun` for the (pure) code reviewer. Inside the
  sandbox the learner's code runs in a process of its own (``harness/``), reached from the
  tests through proxies, so it cannot touch the harness or its report.

See ``docs/code-review-sandbox.md`` for what is and is not isolated.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import errno
import io
import json
import logging
import os
import posixpath
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from microcred.adapters.ai import harness
from microcred.assessment.code_review import (
    CodeSubmission,
    Outcome,
    RunStatus,
    TestOutcome,
    TestRun,
)
from microcred.errors import InvalidInput, MicrocredError, PayloadTooLarge

log = logging.getLogger(__name__)

MiB = 1024 * 1024


class SandboxUnavailable(MicrocredError):
    """The sandbox cannot confine code on this host, so nothing is run."""

    code = "sandbox_unavailable"
    status_code = 503


# --------------------------------------------------------------------------- archives


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds on what a submission may unpack to."""

    max_upload_bytes: int = 10 * MiB
    max_files: int = 500
    max_total_bytes: int = 20 * MiB
    max_file_bytes: int = 5 * MiB
    #: Largest uncompressed/compressed ratio, checked once a member exceeds ``ratio_floor_bytes``.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB
    max_path_chars: int = 200
    max_depth: int = 16


_IGNORED_PREFIXES = ("__MACOSX/",)
_IGNORED_NAMES = {".DS_Store", "Thumbs.db"}


def safe_relative_path(name: str, limits: ArchiveLimits = ArchiveLimits()) -> str:
    """``name`` as a normalised relative POSIX path, or :class:`InvalidInput` if it could escape."""
    if not name or "\x00" in name:
        raise InvalidInput("An archive member has an empty or invalid name.")
    if "\\" in name:
        raise InvalidInput(f"Archive member {name[:80]!r} uses backslashes; use '/' in paths.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise InvalidInput(f"Archive member {name[:80]!r} has an absolute path.")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidInput(f"Archive member {name[:80]!r} points outside the archive ('..').")
    if not parts:
        raise InvalidInput(f"Archive member {name[:80]!r} has no file name.")
    path = "/".join(parts)
    if len(path) > limits.max_path_chars or len(parts) > limits.max_depth:
        raise InvalidInput(f"Archive member {path[:80]!r}… has too long a path.")
    return path


class _Collector:
    """Accumulates validated files and enforces the count and size budgets."""

    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.files: dict[str, bytes] = {}
        self.names: set[str] = set()
        self.total = 0

    def admit(self, name: str, declared_size: int) -> str | None:
        """Validate a member before reading it; ``None`` means skip it (OS junk)."""
        if name.startswith(_IGNORED_PREFIXES) or posixpath.basename(name) in _IGNORED_NAMES:
            return None
        path = safe_relative_path(name, self.limits)
        if path in self.names:
            raise InvalidInput(f"Archive member {path!r} appears twice.")
        if len(self.names) >= self.limits.max_files:
            raise PayloadTooLarge(f"The archive holds more than {self.limits.max_files} files.")
        self._check_size(path, declared_size)
        self.names.add(path)
        return path

    def _check_size(self, path: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise PayloadTooLarge(
                f"Archive member {path!r} is larger than {_size(self.limits.max_file_bytes)}."
            )
        if self.total + size > self.limits.max_total_bytes:
            raise PayloadTooLarge(
                f"The archive unpacks to more than {_size(self.limits.max_total_bytes)}."
            )

    def add(self, path: str, data: bytes) -> None:
        """Store a member's bytes, re-checking the size it really had."""
        self._check_size(path, len(data))
        self.files[path] = data
        self.total += len(data)


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n} bytes"


def _read_zip(data: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InvalidInput(f"The zip archive is damaged: {exc}.") from None
    if len(infos) > limits.max_files * 2:
        raise PayloadTooLarge(f"The archive holds more than {limits.max_files} files.")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_total_bytes:
        raise PayloadTooLarge(f"The archive unpacks to more than {_size(limits.max_total_bytes)}.")
    out = _Collector(limits)
    for info in infos:
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip records no file type
        if info.is_dir():
            continue
        if kind == stat.S_IFLNK:
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is a symbolic link.")
        if kind not in (0, stat.S_IFREG):
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is not a regular file.")
        if info.flag_bits & 0x1:
            raise InvalidInput(f"Archive member {info.filename[:80]!r} is encrypted.")
        path = out.admit(info.filename, info.file_size)
        if path is None:
            continue
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise PayloadTooLarge(
                f"Archive member {path!r} is compressed more than {limits.max_ratio:g}:1 "
                "(a zip bomb?)."
            )
        try:
            with archive.open(info) as member:
                content = member.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, NotImplementedError, zlib.error, EOFError, ValueError) as exc:
            raise InvalidInput(f"Archive member {path!r} cannot be read: {exc}.") from None
        out.add(path, content)
    return out.files


def _gunzip(data: bytes, limits: ArchiveLimits) -> bytes:
    """Decompress gzip, stopping as soon as the output exceeds what a tar may hold."""
    cap = limits.max_total_bytes + (limits.max_files + 2) * 1024 + 64 * 1024
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(data, cap + 1)
    except zlib.error as exc:
        raise InvalidInput(f"The gzip stream is damaged: {exc}.") from None
    if len(raw) > cap or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"The archive unpacks to more than {_size(limits.max_total_bytes)}.")
    if len(raw) > limits.ratio_floor_bytes and len(raw) > limits.max_ratio * len(data):
        raise PayloadTooLarge(
            f"The archive is compressed more than {limits.max_ratio:g}:1 (a gzip bomb?)."
        )
    return raw


def _read_tar(raw: bytes, limits: ArchiveLimits) -> dict[str, bytes]:
    out = _Collector(limits)
    links: list[tuple[str, str, bool]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as archive:
            _read_tar_members(archive, out, links, limits)
    except tarfile.TarError as exc:
        raise InvalidInput(f"The tar archive is damaged: {exc}.") from None
    for path, target, symbolic in links:
        out.add(path, _resolve_link(out.files, path, target, symbolic))
    return out.files


def _read_tar_members(
    archive: tarfile.TarFile,
    out: _Collector,
    links: list[tuple[str, str, bool]],
    limits: ArchiveLimits,
) -> None:
    """Collect regular files; remember links to resolve once every file is known."""
    for member in archive:
        if member.isdir():
            continue
        if member.issym() or member.islnk():
            path = out.admit(member.name, 0)
            if path is not None:
                links.append((path, member.linkname, member.issym()))
            continue
        if not member.isreg():
            kind = "a device" if (member.ischr() or member.isblk()) else "not a regular file"
            raise InvalidInput(f"Archive member {member.name[:80]!r} is {kind}.")
        path = out.admit(member.name, member.size)
        if path is None:
            continue
        handle = archive.extractfile(member)
        out.add(path, handle.read(limits.max_file_bytes + 1) if handle else b"")


def _resolve_link(files: Mapping[str, bytes], path: str, target: str, symbolic: bool) -> bytes:
    """A link inside the archive becomes a copy of its target; one pointing out is refused."""
    if not target or target.startswith("/"):
        raise InvalidInput(f"Link {path!r} points outside the archive ({target[:80]!r}).")
    joined = posixpath.join(posixpath.dirname(path), target) if symbolic else target
    resolved = posixpath.normpath(joined)
    if resolved.startswith("../") or resolved == "..":
        raise InvalidInput(f"Link {path!r} points outside the archive ({target[:80]!r}).")
    if resolved not in files:
        raise InvalidInput(f"Link {path!r} points to {target[:80]!r}, which is not a file in it.")
    return files[resolved]


def _strip_common_root(files: dict[str, bytes]) -> dict[str, bytes]:
    """``project/a.py, project/b.py`` → ``a.py, b.py`` (archives made by zipping a folder)."""
    tops = {p.split("/", 1)[0] for p in files}
    if len(tops) != 1 or any("/" not in p for p in files):
        return files
    return {p.split("/", 1)[1]: data for p, data in files.items()}


def read_submission(
    submission: CodeSubmission, limits: ArchiveLimits = ArchiveLimits()
) -> dict[str, bytes]:
    """Unpack a submission in memory into ``relative path → bytes``; nothing touches disk."""
    data = submission.content
    if len(data) > limits.max_upload_bytes:
        raise PayloadTooLarge(f"The submission is larger than {_size(limits.max_upload_bytes)}.")
    lower = submission.filename.lower()
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or lower.endswith(".zip"):
        files = _read_zip(data, limits)
    elif data[:2] == b"\x1f\x8b":
        files = _read_tar(_gunzip(data, limits), limits)
    elif data[257:262] == b"ustar" or lower.endswith(".tar"):
        files = _read_tar(data, limits)
    else:
        name = safe_relative_path(posixpath.basename(submission.filename) or "", limits)
        if len(data) > limits.max_file_bytes:
            raise PayloadTooLarge(f"The file is larger than {_size(limits.max_file_bytes)}.")
        return {name: data}
    if not files:
        raise InvalidInput("The archive contains no files.")
    return _strip_common_root(files)


# --------------------------------------------------------------------------- the sandbox


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
_LINK_FILES = ("mc_wire.py", "mc_remote.py", "mc_agent.py")

#: System directories bound read-only into every sandbox (merged-/usr symlinks are recreated).
_SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime")

# Stage two runs as root inside the new namespaces (PID 1 of the new PID namespace). It builds
# the root file system, forks the confined command, starts and kills the learner's processes
# when the command asks (CONTROL_FD), enforces the wall clock, kills every leftover process and
# prints one JSON line. It uses only the standard library (run with -I -S).
_STAGE2 = r"""
import ctypes, fcntl, json, os, resource, select, shutil, signal, socket, sys, time
cfg = json.loads(sys.stdin.read())
L = cfg["limits"]
UID, AGENT_UID = cfg["uid"], cfg["agent_uid"]  # both in group UID
PROC = cfg["root"] + "/proc"
libc = ctypes.CDLL(None, use_errno=True)
RDONLY, NOSUID, NODEV, NOEXEC, REMOUNT, BIND, REC, PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18

def mount(src, tgt, fs, flags, data=None):
    enc = lambda s: s.encode() if s is not None else None
    if libc.mount(enc(src), enc(tgt), enc(fs), flags, enc(data)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "mount %s on %s: %s" % (src, tgt, os.strerror(e)))

def bind_ro(path, target, dev=False):
    mount(path, target, None, BIND)
    mount(None, target, None, BIND | REMOUNT | RDONLY | NOSUID | (0 if dev else NODEV))

def copy_tree(src, dst, uid, gid, dmode, fmode):
    for dirpath, dirs, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        here = dst if rel == "." else os.path.join(dst, rel)
        os.makedirs(here, mode=0o700, exist_ok=True)
        os.chown(here, uid, gid)
        os.chmod(here, dmode)
        for name in files:
            target = os.path.join(here, name)
            shutil.copyfile(os.path.join(dirpath, name), target, follow_symlinks=False)
            os.chown(target, uid, gid)
            os.chmod(target, fmode)

def emit(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()

def setup():
    root = cfg["root"]
    mount(None, "/", None, REC | PRIVATE)
    mount("tmpfs", root, "tmpfs", NOSUID | NODEV, "size=%d,mode=755" % cfg["root_bytes"])
    for p in cfg["system_paths"] + cfg["read_only_paths"]:
        t = root + p
        if os.path.islink(p) and p in cfg["system_paths"]:
            os.symlink(os.readlink(p), t)
        elif os.path.isdir(p):
            os.makedirs(t, exist_ok=True)
            bind_ro(p, t)
        elif os.path.isfile(p):
            os.makedirs(os.path.dirname(t), exist_ok=True)
            open(t, "wb").close()
            bind_ro(p, t)
    os.makedirs(root + "/dev")
    for d in ("null", "zero", "random", "urandom"):
        open(root + "/dev/" + d, "wb").close()
        bind_ro("/dev/" + d, root + "/dev/" + d, dev=True)
    for d in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/home", "/etc", "/proc"):
        os.makedirs(root + d, exist_ok=True)
    mount("proc", root + "/proc", "proc", NOSUID | NODEV | NOEXEC)
    with open(root + "/etc/passwd", "w") as f:
        f.write("root:x:0:0::/:/usr/sbin/nologin\nrunner:x:%d:%d::%s:/usr/sbin/nologin\n"
                "learner:x:%d:%d::%s:/usr/sbin/nologin\n"
                % (UID, UID, cfg["cwd"], AGENT_UID, UID, cfg["cwd"]))
    with open(root + "/etc/group", "w") as f:
        f.write("root:x:0:\nrun:x:%d:\n" % UID)
    copy_tree(cfg["fixed_src"], root + cfg["fixed"], 0, 0, 0o755, 0o644)
    # the runner's own files (the instructor's tests): no one else of the run may read them
    copy_tree(cfg["private_src"], root + cfg["private"], UID, UID, 0o700, 0o600)
    for d in (cfg["cwd"], os.path.dirname(cfg["report"])):
        os.makedirs(root + d, exist_ok=True)
    # the working directory: the learner's, shared with the runner through the run's group
    mount("tmpfs", root + cfg["cwd"], "tmpfs", NOSUID | NODEV,
          "size=%d,nr_inodes=%d,mode=2770,uid=%d,gid=%d"
          % (L["disk"], L["inodes"], AGENT_UID, UID))
    copy_tree(cfg["work_src"], root + cfg["cwd"], AGENT_UID, UID, 0o2770, 0o660)
    out_dir = root + os.path.dirname(cfg["report"])
    mount("tmpfs", out_dir, "tmpfs", NOSUID | NODEV | NOEXEC,
          "size=%d,nr_inodes=8,mode=700" % (L["report"] + 65536))
    mount(None, root, None, REMOUNT | RDONLY | NOSUID | NODEV)
    # root's file in root's 0700 directory: the child gets it only as descriptor 3
    return os.open(root + cfg["report"], os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)

def confine(uid, argv, fds, out_fd):
    # exec argv as uid (group UID) with descriptors fds {number: ours}; never returns
    try:
        if cfg["cgroup_procs"]:
            with open(cfg["cgroup_procs"], "w") as f:
                f.write(str(os.getpid()))
        os.chroot(cfg["root"])
        os.chdir(cfg["cwd"])
        high = {n: fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100) for n, fd in fds.items()}
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        for n, fd in high.items():
            os.dup2(fd, n)  # inheritable; every other descriptor closes on exec
        for res, soft, hard in (
            (resource.RLIMIT_CPU, L["cpu"], L["cpu"] + 1),
            (resource.RLIMIT_AS, L["memory"], L["memory"]),
            (resource.RLIMIT_DATA, L["memory"], L["memory"]),
            (resource.RLIMIT_FSIZE, L["fsize"], L["fsize"]),
            (resource.RLIMIT_NPROC, L["nproc"], L["nproc"]),
            (resource.RLIMIT_NOFILE, L["nofile"], L["nofile"]),
            (resource.RLIMIT_CORE, 0, 0),
            (resource.RLIMIT_MEMLOCK, 0, 0),
            (resource.RLIMIT_MSGQUEUE, 0, 0),
        ):
            resource.setrlimit(res, (soft, hard))
        os.setgroups([])
        os.setresgid(UID, UID, UID)
        os.setresuid(uid, uid, uid)
        os.umask(0o007)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execve(argv[0], argv, cfg["env"])
    except BaseException as exc:
        os.write(2, ("sandbox: cannot start: %r\n" % (exc,)).encode())
    os._exit(126)

def read_head(fd, cap):
    size = os.fstat(fd).st_size
    return os.pread(fd, min(size, cap), 0), size > cap

class Output:  # drains the child's stdout/stderr pipe, keeping only the first cap bytes
    def __init__(self, fd, cap):
        self.fd, self.cap, self.head, self.truncated, self.open = fd, cap, bytearray(), False, True
    def drain(self):
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.open = False
            return
        room = self.cap - len(self.head)
        self.head += chunk[:max(room, 0)]
        self.truncated = self.truncated or len(chunk) > room

main_status = None

def reap(block=False):
    # wait for the exited processes of the run (orphans are ours: this is PID 1), or with
    # block for all of them, noting the runner's own exit status when it comes
    global main_status
    while True:
        try:
            done, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if done == 0:
            return
        if done == pid:
            main_status = (status, usage)

def kill_all():
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    reap(block=True)

def learner_processes():
    found = []
    for name in os.listdir(PROC):
        if not name.isdigit():
            continue
        try:
            with open(PROC + "/" + name + "/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if fields["State"].split()[0] != "Z" and int(fields["Uid"].split()[0]) == AGENT_UID:
                found.append(int(name))
        except (OSError, KeyError, ValueError, IndexError):
            pass
    return found

def kill_learner(spare=0):
    # every process of the learner's uid but spare; if they fork faster than they die, all
    for _ in range(50):
        victims = [p for p in learner_processes() if p != spare]
        for p in victims:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        reap()
        if not victims:
            return
    helper = os.fork()
    if helper == 0:  # kill(-1) as that uid reaches each of its processes at once
        try:
            os.setresuid(AGENT_UID, AGENT_UID, AGENT_UID)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(helper, 0)
    reap()

agent = 0

def serve(request):
    # the runner's requests: start the learner's process, kill its strays, stop it
    global agent
    if request == b"spawn" and not cfg["agent_argv"]:
        ctl.send(b"! this run has no learner's process to start")
    elif request == b"spawn":
        kill_learner()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        agent = os.fork()
        if agent == 0:
            ctl.close()
            ours.close()
            confine(AGENT_UID, cfg["agent_argv"], {cfg["agent_fd"]: theirs.fileno()}, out_w)
        theirs.close()
        socket.send_fds(ctl, [b"spawn %d" % agent], [ours.fileno()])
        ours.close()
    elif request == b"reap":
        kill_learner(spare=agent)
        ctl.send(b"reap")
    elif request == b"stop":
        kill_learner()
        agent = 0
        ctl.send(b"stop")
    else:
        ctl.send(b"?")

try:
    rep_fd = setup()
    out_r, out_w = os.pipe()
    ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
except BaseException as exc:
    emit(status="setup_error", error=repr(exc))
    sys.exit(0)
start = time.monotonic()
pid = os.fork()
if pid == 0:
    os.close(out_r)
    ctl.close()
    confine(UID, cfg["argv"], {cfg["report_fd"]: rep_fd, cfg["ctl_fd"]: ctl_child.fileno()},
            out_w)
ctl_child.close()
os.set_blocking(out_r, False)
output = Output(out_r, L["output"])
pidfd = os.pidfd_open(pid)
deadline = start + L["wall"]
timed_out = False
listening = True
while main_status is None:
    left = deadline - time.monotonic()
    if left <= 0:
        timed_out = True
        os.kill(-1, signal.SIGKILL)
        break
    waits = [pidfd] + ([out_r] if output.open else []) + ([ctl] if listening else [])
    ready, _, _ = select.select(waits, [], [], left)
    if out_r in ready:
        output.drain()
    if ctl in ready:
        try:
            request = ctl.recv(64)
        except OSError:
            request = b""
        if request:
            try:
                serve(request)
            except OSError as exc:  # no process or descriptor left: the runner hears why
                try:
                    ctl.send(b"! " + str(exc).encode()[:200])
                except OSError:
                    listening = False
        else:
            listening = False
    reap()
wall = time.monotonic() - start
kill_all()
os.close(out_w)  # kept for the learner's processes; now every writer is gone
while output.open:
    select.select([out_r], [], [], 1.0)
    output.drain()
status, usage = main_status
everyone = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process of the run, reaped
report, _ = read_head(rep_fd, L["report"])
emit(
    status="timeout" if timed_out else "exited",
    exit_code=os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
    signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
    wall=wall, cpu=usage.ru_utime + usage.ru_stime, maxrss=usage.ru_maxrss * 1024,
    run_cpu=everyone.ru_utime + everyone.ru_stime,
    output=bytes(output.head).decode("utf-8", "replace"), output_truncated=output.truncated,
    report=report.decode("utf-8", "replace"),
)
"""

# Tries to reach the network and the host file system from inside; prints what got through.
_PROBE = r"""
import json, os, socket, sys
leaks = []
for host, port in json.loads(sys.argv[1]):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect((host, port))
        leaks.append("connected to %s:%d" % (host, port))
    except OSError:
        pass
    finally:
        s.close()
for path in ("/tmp/microcred-probe", "/sandbox/microcred-probe", "/etc/microcred-probe"):
    try:
        open(path, "w").close()
        leaks.append("wrote " + path)
    except OSError:
        pass
if os.getuid() == 0 or os.geteuid() == 0:
    leaks.append("running as root")
if len(socket.if_nameindex()) > 1:
    leaks.append("network interfaces: %s" % socket.if_nameindex())
print(json.dumps(leaks))
"""

#: A public address used only to prove that outbound connections fail.
PUBLIC_PROBE_ADDRESS = ("1.1.1.1", 53)


class Sandbox:
    """Runs commands confined by namespaces, a read-only root, a throw-away uid and rlimits."""

    #: First uid handed to runs; each run gets its own, so RLIMIT_NPROC is per run.
    UID_BASE = 1_990_000_000
    UID_SPAN = 1_000_000
    #: After a failed probe, try again this much later (an operator may have fixed the host).
    RECHECK_SECONDS = 60.0

    def __init__(self, limits: SandboxLimits = SandboxLimits(), unshare: str | None = None) -> None:
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
                argv=(sys.executable, "-I", "-S", "-c", _PROBE, json.dumps(targets)),
                work_files={},
                read_only_paths=_python_paths(sys.executable),
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
            *("-I", "-S", "-c", _STAGE2),
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


def _python_paths(interpreter: str) -> tuple[str, ...]:
    """Host directories an interpreter needs: its venv and its base installation."""
    real = os.path.realpath(interpreter)
    paths = {str(Path(real).parent.parent)}
    venv = Path(interpreter).parent.parent
    if (venv / "pyvenv.cfg").exists():
        paths.add(str(venv))
    if sys.executable == interpreter:
        paths.update({sys.prefix, sys.base_prefix})
    return tuple(sorted(p for p in paths if p not in ("/", "/usr")))


# --------------------------------------------------------------------------- Python tests

# Runs inside the sandbox as the run's uid (-s -B -u, a fixed environment). Writes one JSON line
# per event to the report: file descriptor 3, which stage two opened on a file in a directory only
# root can enter. The learner's code never runs here: its modules are proxies for a second process
# (harness/mc_agent.py) that stage two starts on request (descriptor 4) under another uid, without
# descriptor 3; this process also makes itself non-dumpable first, so the learner's process can
# neither read nor write its memory or descriptors, signal it, or read the tests.
_PY_HARNESS = r"""
import ast, ctypes, json, os, signal, sys, time, traceback
if ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 0
    sys.exit("cannot make the harness non-dumpable")
MAIN = os.getpid()
FRAMEWORK, TESTS, WORK, REPORT_FD, CONTROL_FD, INI = sys.argv[1:7]
TEST_SECONDS = float(sys.argv[7])
FILES = sys.argv[8:]
_report = os.fdopen(int(REPORT_FD), "a", encoding="utf-8")
pytest = None
if FRAMEWORK in ("auto", "pytest"):
    try:
        import pytest
    except ImportError:
        pass
import mc_remote
LEARNER = mc_remote.install(WORK, int(CONTROL_FD))
sys.path[:0] = [TESTS]
os.makedirs(os.environ.get("TMPDIR", WORK + "/.tmp"), exist_ok=True)

def guard():
    if os.getpid() != MAIN:
        os._exit(70)

def emit(**rec):
    guard()
    _report.write(json.dumps(rec) + "\n")
    _report.flush()

class TestTimeout(BaseException):
    pass

def kill_all():
    # kill(-1) as this uid reaches every other process of this uid, never this one; the
    # learner's processes (another uid) are killed by stage two
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    LEARNER.stop()

def kill_strays():
    # every process of the run but this one and the learner's process (it keeps its state):
    # this uid's here, the learner's uid's by stage two
    LEARNER.reap()
    spare = {MAIN}
    for _ in range(50):
        found = False
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in spare:
                continue
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                        continue
                os.kill(int(name), signal.SIGKILL)
                found = True
            except (OSError, IndexError):
                pass
        if not found:
            return
    kill_all()

def _alarm(signum, frame):
    kill_all()
    raise TestTimeout("the test ran longer than %g s" % TEST_SECONDS)

def arm():
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TEST_SECONDS, 0.5)

def disarm():
    signal.setitimer(signal.ITIMER_REAL, 0)
    guard()
    kill_strays()

def describe(exc):
    if getattr(exc, "_mc_chain", None):  # raised in the learner's process
        message = getattr(exc, "_mc_message", "") or str(exc)
        text = "%s: %s" % (type(exc).__name__, message) if message else type(exc).__name__
        return {"exc": exc._mc_chain, "errno": exc._mc_errno, "message": text[:1000]}
    types, code, seen, cur = [], None, 0, exc
    while cur is not None and seen < 6:
        types.append(type(cur).__name__)
        if code is None and isinstance(getattr(cur, "errno", None), int):
            code = cur.errno
        nxt = cur.__cause__ or cur.__context__
        reason = getattr(cur, "reason", None)
        cur, seen = (reason if isinstance(reason, BaseException) else nxt), seen + 1
    text = "%s: %s" % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
    if isinstance(exc, AssertionError) and not str(exc):
        for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
            src = _source_line(frame.f_code.co_filename, line)
            if src:
                text = "AssertionError: " + src
                break
    return {"exc": types, "errno": code, "message": text[:1000]}

def _source_line(path, line):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""

def check_syntax():
    for dirpath, dirs, files in os.walk(WORK):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, WORK)
            try:
                with open(path, "rb") as f:
                    compile(f.read(), rel, "exec", dont_inherit=True)
            except SyntaxError as e:
                emit(kind="syntax", file=rel, line=e.lineno,
                     message="%s: %s" % (type(e).__name__, e.msg),
                     text=(e.text or "").strip()[:200])
            except (ValueError, MemoryError, RecursionError) as e:
                emit(kind="syntax", file=rel, line=None,
                     message="%s: %s" % (type(e).__name__, e), text="")

def has_tests(path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.name.startswith("test")):
            return True
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return True
    return False

def timed(fn):
    start = time.monotonic()
    try:
        arm()
        try:
            fn()
        finally:
            disarm()
    except TestTimeout as e:
        guard()
        return "timeout", {"exc": ["TestTimeout"], "errno": None, "message": str(e)}, start
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        guard()
        local = not hasattr(type(e), "_mc_remote_id")  # the learner's code cannot skip a test
        kind = "skipped" if local and type(e).__name__ in ("SkipTest", "Skipped") else "failed"
        return kind, describe(e), start
    guard()
    return "passed", {}, start

def run_script(path, rel):
    import runpy
    outcome, info, start = timed(lambda: runpy.run_path(path, run_name="__main__"))
    emit(kind="test", id=rel, outcome=outcome, duration=time.monotonic() - start, **info)

def run_plain(path, rel):
    import importlib.util, inspect
    name = "microcred_tests_" + rel.replace("/", "_").replace(".", "_")
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        outcome, info, _ = timed(lambda: spec.loader.exec_module(module))
    except Exception as e:
        outcome, info = "failed", describe(e)
    if outcome != "passed":
        emit(kind="collect_error", id=rel, **info)
        return
    for attr, obj in list(vars(module).items()):
        if attr.startswith("test") and inspect.isfunction(obj) and obj.__module__ == name:
            run_callable(rel + "::" + attr, obj)
        elif attr.startswith("Test") and inspect.isclass(obj) and obj.__module__ == name:
            for meth in [m for m in vars(obj) if m.startswith("test")]:
                def call(cls=obj, meth=meth):
                    inst = cls()
                    getattr(inst, "setup_method", lambda *a: None)(getattr(inst, meth))
                    try:
                        getattr(inst, meth)()
                    finally:
                        getattr(inst, "teardown_method", lambda *a: None)(getattr(inst, meth))
                run_callable(rel + "::" + attr + "::" + meth, call)

def run_callable(test_id, fn):
    import inspect
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.default is inspect.Parameter.empty]
    if params:
        emit(kind="test", id=test_id, outcome="error", exc=["TypeError"], errno=None,
             message="this test needs fixtures (%s); run it with pytest"
             % ", ".join(p.name for p in params))
        return
    outcome, info, start = timed(fn)
    emit(kind="test", id=test_id, outcome=outcome, duration=time.monotonic() - start, **info)

def run_pytest(files):
    class Report:
        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_call(self, item):
            arm()
            try:
                yield
            finally:
                disarm()
                guard()

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_makereport(self, item, call):
            result = yield
            guard()
            rep = result.get_result()
            if rep.when != "call" and rep.passed:
                return
            info = describe(call.excinfo.value) if call.excinfo else {}
            if call.excinfo and rep.failed:
                exconly = call.excinfo.exconly().strip()
                if exconly and not (call.excinfo.errisinstance(AssertionError)
                                    and exconly == "AssertionError"):
                    info["message"] = exconly[:1000]
            if call.excinfo and call.excinfo.errisinstance(TestTimeout):
                outcome = "timeout"
            elif rep.when != "call" and rep.failed:
                outcome = "error"
            else:
                outcome = "passed" if rep.passed else ("skipped" if rep.skipped else "failed")
            if rep.skipped and not info.get("message"):
                info["message"] = str(rep.longrepr[-1]) if isinstance(rep.longrepr, tuple) else ""
            emit(kind="test", id=item.nodeid, outcome=outcome, phase=rep.when,
                 duration=rep.duration, **info)

        def pytest_collectreport(self, report):
            guard()
            if report.failed:
                text = str(report.longrepr)
                lines = [l[4:].rstrip() for l in text.splitlines() if l.startswith("E ")]
                emit(kind="collect_error", id=report.nodeid or "", exc=[], errno=None,
                     message=("\n".join(lines) or text)[-1000:])

    def shared(path):
        # pytest makes its temporary directories 0700; the learner's process (another uid of
        # the run's group) must reach tmp_path too
        here = str(path)
        while here.startswith(WORK + "/"):
            try:
                os.chmod(here, 0o2770)
            except OSError:
                pass
            here = os.path.dirname(here)
        return path

    factory = pytest.TempPathFactory
    mktemp, getbasetemp = factory.mktemp, factory.getbasetemp
    factory.mktemp = lambda self, *a, **k: shared(mktemp(self, *a, **k))
    factory.getbasetemp = lambda self: shared(getbasetemp(self))
    args = [*files, "-q", "-c", INI, "--rootdir", TESTS, "--confcutdir", TESTS,
            "-p", "no:cacheprovider", "-p", "no:pastebin", "-p", "no:legacypath",
            "--basetemp", os.path.join(WORK, ".tmp", "pytest"), "--color=no", "--tb=short",
            "-W", "ignore::DeprecationWarning"]
    pytest.main(args, plugins=[Report()])

emit(kind="start", framework=FRAMEWORK)
check_syntax()
framework = FRAMEWORK
if framework in ("auto", "pytest"):
    if pytest is not None:
        framework = "pytest"
    else:
        if framework == "pytest":
            emit(kind="fatal", message="pytest is not installed for the sandbox interpreter")
            sys.exit(3)
        framework = "plain"
emit(kind="framework", name=framework)
scripts = [f for f in FILES if not has_tests(os.path.join(TESTS, f))]
for rel in scripts:
    run_script(os.path.join(TESTS, rel), rel)
rest = [f for f in FILES if f not in scripts]
if framework == "pytest":
    if rest:
        run_pytest([os.path.join(TESTS, f) for f in rest])
else:
    for rel in rest:
        run_plain(os.path.join(TESTS, rel), rel)
emit(kind="done")
"""

_PYTEST_INI = b"[pytest]\naddopts =\n"

# errno values the sandbox produces when it stops something, and what to tell the learner.
_BLOCKED_ERRNO = {
    errno.ENETUNREACH: "network access is not allowed",
    errno.ENETDOWN: "network access is not allowed",
    errno.EHOSTUNREACH: "network access is not allowed",
    errno.EROFS: "writing outside the working directory is not allowed",
    errno.EAGAIN: "the process limit was reached (no more processes or threads)",
    errno.EMFILE: "the open-file limit was reached",
}


class LanguageSpec(Protocol):
    """How one language's tests run in the sandbox. The command it builds must write the
    JSON-lines report described in ``docs/code-review-sandbox.md`` to descriptor ``REPORT_FD``
    (open on ``REPORT_PATH``, which the confined processes cannot open themselves)."""

    def job(
        self, files: Mapping[str, bytes], tests: Mapping[str, bytes], lim: SandboxLimits
    ) -> SandboxJob:
        """The sandbox job that runs ``tests`` against the learner's ``files``."""

    def expected_tests(self, tests: Mapping[str, bytes]) -> dict[str, set[str]]:
        """Per test file, the test ids it defines, found without running anything."""


@dataclass(frozen=True, slots=True)
class PythonTests:
    """Python tests: pytest when the interpreter has it (``auto``), else a plain-assert runner.

    Plain tests are ``test*`` functions or ``Test*`` classes with bare ``assert``; a test file
    without any is run as a script and counts as one test.
    """

    framework: str = "auto"  # "auto", "pytest" or "plain"
    interpreter: str = sys.executable

    def job(
        self, files: Mapping[str, bytes], tests: Mapping[str, bytes], lim: SandboxLimits
    ) -> SandboxJob:
        """The sandbox job that runs ``tests`` against the learner's ``files``."""
        names = sorted(tests)
        private = {f"tests/{n}": tests[n] for n in names}
        fixed = {"harness/run.py": _PY_HARNESS.encode()}
        fixed["harness/pytest.ini"] = _PYTEST_INI
        for part in _LINK_FILES:  # the learner's process and its link to the harness
            fixed[f"harness/{part}"] = (resources.files(harness) / part).read_bytes()
        argv = (
            self.interpreter,
            *("-s", "-B", "-u"),  # not -I: it implies -E, which would drop PYTHONHASHSEED
            f"{FIXED_DIR}/harness/run.py",
            self.framework,
            f"{PRIVATE_DIR}/tests",
            WORK_DIR,
            str(REPORT_FD),
            str(CONTROL_FD),
            f"{FIXED_DIR}/harness/pytest.ini",
            f"{lim.test_seconds:g}",
            *names,
        )
        return SandboxJob(
            argv=argv,
            work_files=files,
            fixed_files=fixed,
            private_files=private,
            agent_argv=(
                self.interpreter,
                *("-s", "-B", "-u"),
                f"{FIXED_DIR}/harness/mc_agent.py",
                str(AGENT_FD),
                WORK_DIR,
            ),
            read_only_paths=_python_paths(self.interpreter),
            env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONHASHSEED": "0"},
        )

    def expected_tests(self, tests: Mapping[str, bytes]) -> dict[str, set[str]]:
        """Per test file, the test names it defines (read from its syntax tree, never run)."""
        expected: dict[str, set[str]] = {}
        for name, source in tests.items():
            if not name.endswith(".py"):
                continue
            try:
                tree = ast.parse(source, filename=name)
            except (SyntaxError, ValueError) as exc:
                raise InvalidInput(f"Instructor test file {name!r} does not parse: {exc}") from None
            found: set[str] = set()
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if node.name.startswith("test"):
                        found.add(f"{name}::{node.name}")
                elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                    found.update(
                        f"{name}::{node.name}::{m.name}"
                        for m in node.body
                        if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                        and m.name.startswith("test")
                    )
            expected[name] = found or {name}
        return expected


def interpret(
    result: SandboxResult,
    expected: Mapping[str, set[str]],
    limits: SandboxLimits,
) -> TestRun:
    """Turn what the sandbox saw and the harness reported into a :class:`TestRun`."""
    if result.status == "setup_error":
        return TestRun(RunStatus.INFRASTRUCTURE, reason=f"The sandbox failed: {result.error}")
    records = _records(result.report)
    by_id: dict[str, list[dict[str, Any]]] = {}
    collect_errors: dict[str, str] = {}
    syntax: list[str] = []
    fatal = ""
    for rec in records:
        kind = rec.get("kind")
        if kind == "test":
            by_id.setdefault(str(rec.get("id", "")), []).append(rec)
        elif kind == "collect_error":
            collect_errors[str(rec.get("id", "")).split("::", 1)[0]] = _text(rec.get("message"))
        elif kind == "syntax":
            line = f", line {rec['line']}" if rec.get("line") else ""
            text = f": {_text(rec.get('text'))}" if rec.get("text") else ""
            syntax.append(f"{rec.get('file')}{line}: {_text(rec.get('message'))}{text}")
        elif kind == "fatal":
            fatal = _text(rec.get("message"))
    done = any(r.get("kind") == "done" for r in records)
    outcomes, unknown = _match(by_id, expected, collect_errors, limits)
    status, reason = _status(result, limits, done, fatal, syntax, collect_errors, outcomes, unknown)
    output = result.output + ("\n[output truncated]" if result.output_truncated else "")
    return TestRun(
        status,
        tuple(outcomes),
        reason,
        output=output,
        wall_seconds=result.wall_seconds,
        cpu_seconds=max(result.run_cpu_seconds, result.cpu_seconds),  # all its processes
    )


def _status(
    result: SandboxResult,
    limits: SandboxLimits,
    done: bool,
    fatal: str,
    syntax: list[str],
    collect_errors: Mapping[str, str],
    outcomes: list[TestOutcome],
    unknown: list[str],
) -> tuple[RunStatus, str]:
    if fatal:
        return RunStatus.INFRASTRUCTURE, fatal
    if result.status == "timeout":
        return RunStatus.TIMEOUT, (
            f"The run was stopped after {limits.wall_seconds:g} s of wall-clock time "
            "and every process it started was killed."
        )
    if result.memory_exhausted:
        return RunStatus.MEMORY_LIMIT, (
            f"The run's processes together used more than {limits.run_memory_bytes // MiB} MiB "
            "of memory, so some were killed."
        )
    hard_kill = result.signal == signal.SIGKILL and result.cpu_seconds >= limits.cpu_seconds - 0.5
    if result.signal == signal.SIGXCPU or hard_kill:
        return RunStatus.CPU_LIMIT, f"The run used its {limits.cpu_seconds} s of CPU time."
    if syntax and (collect_errors or not done):
        return RunStatus.SYNTAX_ERROR, "Your code has a syntax error: " + "; ".join(syntax[:3])
    if not done:
        how = (
            f"was killed by signal {signal.Signals(result.signal).name}"
            if result.signal
            else f"exited with code {result.exit_code}"
        )
        return RunStatus.CRASHED, f"The test process {how} before all tests had run."
    if collect_errors:
        first = next(iter(collect_errors.items()))
        return RunStatus.COLLECTION_ERROR, f"Tests in {first[0]} could not be loaded: {first[1]}"
    if unknown:
        return RunStatus.INCOMPLETE, (
            "The report names tests that are not in the instructor's files: "
            + ", ".join(unknown[:3])
        )
    if any(o.outcome is Outcome.NOT_RUN for o in outcomes):
        return RunStatus.INCOMPLETE, "Some tests were never reported."
    note = ("Syntax errors in files no test imports: " + "; ".join(syntax[:3])) if syntax else ""
    return RunStatus.COMPLETED, note


def _records(report: bytes) -> list[dict[str, Any]]:
    records = []
    for line in report.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            records.append(rec)
    return records


def _text(value: object, limit: int = 1000) -> str:
    text = str(value or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


_RANK = {
    Outcome.PASSED: 0,
    Outcome.SKIPPED: 1,
    Outcome.FAILED: 2,
    Outcome.ERROR: 3,
    Outcome.TIMEOUT: 4,
}


def _match(
    by_id: Mapping[str, list[dict[str, Any]]],
    expected: Mapping[str, set[str]],
    collect_errors: Mapping[str, str],
    limits: SandboxLimits,
) -> tuple[list[TestOutcome], list[str]]:
    """One outcome per reported test, plus ``NOT_RUN``/``ERROR`` for expected ones never seen."""
    known = {t for ids in expected.values() for t in ids}
    names_per_file = {f: {t.rsplit("::", 1)[-1] for t in ids} for f, ids in expected.items()}
    outcomes: list[TestOutcome] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for test_id, recs in by_id.items():
        base = test_id.split("[", 1)[0]
        file, _, _ = base.partition("::")
        if base not in known and base.rsplit("::", 1)[-1] not in names_per_file.get(file, ()):
            unknown.append(test_id)
            continue
        seen.add(base)
        outcomes.append(_outcome(test_id, recs, limits))
    for file, ids in expected.items():
        for test_id in sorted(ids - seen):
            if file in collect_errors:
                outcomes.append(TestOutcome(test_id, Outcome.ERROR, collect_errors[file]))
            else:
                outcomes.append(TestOutcome(test_id, Outcome.NOT_RUN, "never reached"))
    return outcomes, unknown


def _outcome(test_id: str, recs: list[dict[str, Any]], limits: SandboxLimits) -> TestOutcome:
    worst = max(recs, key=lambda r: _RANK.get(_as_outcome(r.get("outcome")), 3))
    outcome = _as_outcome(worst.get("outcome"))
    blocked = _blocked(worst, outcome, limits) if outcome is not Outcome.PASSED else None
    return TestOutcome(
        test_id=test_id,
        outcome=outcome,
        message=_text(worst.get("message")) if outcome is not Outcome.PASSED else "",
        blocked=blocked,
        duration=float(sum(float(r.get("duration") or 0.0) for r in recs)),
    )


def _as_outcome(value: object) -> Outcome:
    try:
        return Outcome(str(value))
    except ValueError:
        return Outcome.ERROR


def _blocked(rec: Mapping[str, Any], outcome: Outcome, limits: SandboxLimits) -> str | None:
    """Which sandbox limit stopped this test, if any, in words for the learner."""
    if outcome is Outcome.TIMEOUT:
        return f"the per-test time limit ({limits.test_seconds:g} s) was reached"
    types = [str(t) for t in rec.get("exc") or []]
    code = rec.get("errno")
    if "MemoryError" in types:
        return f"the memory limit ({limits.memory_bytes // MiB} MiB) was reached"
    if "gaierror" in types:
        return "network access is not allowed (no name resolution)"
    if code == errno.EFBIG:
        return f"the file-size limit ({limits.file_bytes // MiB} MiB) was reached"
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"the working directory is full ({limits.disk_bytes // MiB} MiB)"
    if code == errno.EAGAIN and "BlockingIOError" not in types:
        return None
    if isinstance(code, int) and code in _BLOCKED_ERRNO:
        return _BLOCKED_ERRNO[code]
    if "RuntimeError" in types and "can't start new thread" in str(rec.get("message")):
        return _BLOCKED_ERRNO[errno.EAGAIN]
    return None


class SandboxCodeRunner:
    """The :class:`~microcred.assessment.code_review.CodeRunner` backed by :class:`Sandbox`."""

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        languages: Mapping[str, LanguageSpec] | None = None,
        archive_limits: ArchiveLimits = ArchiveLimits(),
    ) -> None:
        self.sandbox = sandbox or Sandbox()
        self.languages: dict[str, LanguageSpec] = dict(languages or {"python": PythonTests()})
        self.archive_limits = archive_limits

    def run_tests(
        self, submission: CodeSubmission, tests: Mapping[str, bytes], language: str
    ) -> TestRun:
        """Unpack, run confined, interpret. Bad input raises; a broken sandbox → INFRASTRUCTURE."""
        spec = self.languages.get(language)
        if spec is None:
            raise InvalidInput(
                f"No test runner for language {language!r}.",
                hint=f"Known: {', '.join(sorted(self.languages))}.",
            )
        if not tests:
            raise InvalidInput("The instructor has not provided any test files.")
        for name in tests:
            safe_relative_path(name)
        files = read_submission(submission, self.archive_limits)
        expected = spec.expected_tests(tests)
        job = spec.job(files, tests, self.sandbox.limits)
        try:
            result = self.sandbox.run(job)
        except SandboxUnavailable as exc:
            return TestRun(RunStatus.INFRASTRUCTURE, reason=exc.explain())
        run = interpret(result, expected, self.sandbox.limits)
        if run.status is RunStatus.INFRASTRUCTURE:
            log.error("code sandbox infrastructure error: %s", run.reason)
        return run
