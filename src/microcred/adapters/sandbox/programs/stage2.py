"""Stage two of the sandbox: PID 1 of the run's new namespaces, running as root.

Started by :class:`~microcred.adapters.sandbox.Sandbox` as ``unshare … python -I -S -c SOURCE``
with its configuration as one JSON object on stdin. It builds the root file system, forks the
confined command, starts and kills the learner's processes when the command asks (``ctl_fd``),
enforces the wall clock, kills every leftover process and prints one JSON line. Standard library
only; nothing runs on import.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import time
from typing import Any, NoReturn

RDONLY, NOSUID, NODEV, NOEXEC, REMOUNT, BIND, REC, PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

libc = ctypes.CDLL(None, use_errno=True)


def mount(src: str | None, tgt: str, fs: str | None, flags: int, data: str | None = None) -> None:
    """mount(2), raising :class:`OSError` with the paths on failure."""

    def enc(s: str | None) -> bytes | None:
        return s.encode() if s is not None else None

    if libc.mount(enc(src), enc(tgt), enc(fs), flags, enc(data)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"mount {src} on {tgt}: {os.strerror(e)}")


def bind_ro(path: str, target: str, dev: bool = False) -> None:
    """Bind ``path`` read-only (and nosuid, nodev unless ``dev``) at ``target``."""
    mount(path, target, None, BIND)
    mount(None, target, None, BIND | REMOUNT | RDONLY | NOSUID | (0 if dev else NODEV))


def copy_tree(src: str, dst: str, uid: int, gid: int, dmode: int, fmode: int) -> None:
    """Copy a staged directory into the new root with the given owner and modes."""
    for dirpath, _dirs, files in os.walk(src):
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


def emit(**kw: Any) -> None:
    """Print the one JSON line the host reads."""
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def read_head(fd: int, cap: int) -> tuple[bytes, bool]:
    """The first ``cap`` bytes of the file open as ``fd``, and whether there was more."""
    size = os.fstat(fd).st_size
    return os.pread(fd, min(size, cap), 0), size > cap


class Output:
    """Drains the child's stdout/stderr pipe, keeping only the first ``cap`` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd, self.cap, self.head, self.truncated, self.open = fd, cap, bytearray(), False, True

    def drain(self) -> None:
        """Read what is there without blocking; note the end of the pipe."""
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self.open = False
            return
        room = self.cap - len(self.head)
        self.head += chunk[: max(room, 0)]
        self.truncated = self.truncated or len(chunk) > room


class Run:
    """One run: its configuration, the confined command and the learner's processes."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.lim: dict[str, Any] = cfg["limits"]
        self.uid: int = cfg["uid"]  # the command's; both uids are in group uid
        self.agent_uid: int = cfg["agent_uid"]
        self.proc = cfg["root"] + "/proc"
        self.pid = 0  # the command's
        self.agent = 0  # the learner's process
        self.main_status: tuple[int, resource.struct_rusage] | None = None
        self.ctl: socket.socket
        self.out_w = -1

    def setup(self) -> int:
        """Build the root file system; the report's descriptor (root's file in root's 0700
        directory: the command gets it only as an inherited descriptor)."""
        cfg, lim, uid, agent_uid = self.cfg, self.lim, self.uid, self.agent_uid
        root = cfg["root"]
        mount(None, "/", None, REC | PRIVATE)
        mount("tmpfs", root, "tmpfs", NOSUID | NODEV, f"size={int(cfg['root_bytes'])},mode=755")
        for p in cfg["system_paths"] + cfg["read_only_paths"]:
            t = root + p
            if os.path.islink(p) and p in cfg["system_paths"]:
                os.symlink(os.readlink(p), t)
            elif os.path.isdir(p):
                os.makedirs(t, exist_ok=True)
                bind_ro(p, t)
            elif os.path.isfile(p):
                os.makedirs(os.path.dirname(t), exist_ok=True)
                open(t, "wb").close()  # an empty mount point
                bind_ro(p, t)
        os.makedirs(root + "/dev")
        for d in ("null", "zero", "random", "urandom"):
            open(root + "/dev/" + d, "wb").close()  # an empty mount point
            bind_ro("/dev/" + d, root + "/dev/" + d, dev=True)
        for d in ("/tmp", "/var/tmp", "/dev/shm", "/run", "/home", "/etc", "/proc"):  # noqa: S108
            os.makedirs(root + d, exist_ok=True)
        mount("proc", root + "/proc", "proc", NOSUID | NODEV | NOEXEC)
        with open(root + "/etc/passwd", "w") as f:
            f.write(
                f"root:x:0:0::/:/usr/sbin/nologin\nrunner:x:{uid}:{uid}::{cfg['cwd']}:"
                f"/usr/sbin/nologin\nlearner:x:{agent_uid}:{uid}::{cfg['cwd']}:/usr/sbin/nologin\n"
            )
        with open(root + "/etc/group", "w") as f:
            f.write(f"root:x:0:\nrun:x:{uid}:\n")
        copy_tree(cfg["fixed_src"], root + cfg["fixed"], 0, 0, 0o755, 0o644)
        # the runner's own files (the instructor's tests): no one else of the run may read them
        copy_tree(cfg["private_src"], root + cfg["private"], uid, uid, 0o700, 0o600)
        for d in (cfg["cwd"], os.path.dirname(cfg["report"])):
            os.makedirs(root + d, exist_ok=True)
        # the working directory: the learner's, shared with the runner through the run's group
        mount(
            "tmpfs",
            root + cfg["cwd"],
            "tmpfs",
            NOSUID | NODEV,
            f"size={int(lim['disk'])},nr_inodes={int(lim['inodes'])},mode=2770,"
            f"uid={agent_uid},gid={uid}",
        )
        copy_tree(cfg["work_src"], root + cfg["cwd"], agent_uid, uid, 0o2770, 0o660)
        out_dir = root + os.path.dirname(cfg["report"])
        mount(
            "tmpfs",
            out_dir,
            "tmpfs",
            NOSUID | NODEV | NOEXEC,
            f"size={int(lim['report'] + 65536)},nr_inodes=8,mode=700",
        )
        mount(None, root, None, REMOUNT | RDONLY | NOSUID | NODEV)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND
        return os.open(root + cfg["report"], flags, 0o600)

    def confine(self, uid: int, argv: list[str], fds: dict[int, int], out_fd: int) -> NoReturn:
        """Exec ``argv`` as ``uid`` (group: the run's) with descriptors ``fds`` (number in the
        child: ours), confined; never returns."""
        cfg, lim = self.cfg, self.lim
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
                (resource.RLIMIT_CPU, lim["cpu"], lim["cpu"] + 1),
                (resource.RLIMIT_AS, lim["memory"], lim["memory"]),
                (resource.RLIMIT_DATA, lim["memory"], lim["memory"]),
                (resource.RLIMIT_FSIZE, lim["fsize"], lim["fsize"]),
                (resource.RLIMIT_NPROC, lim["nproc"], lim["nproc"]),
                (resource.RLIMIT_NOFILE, lim["nofile"], lim["nofile"]),
                (resource.RLIMIT_CORE, 0, 0),
                (resource.RLIMIT_MEMLOCK, 0, 0),
                (resource.RLIMIT_MSGQUEUE, 0, 0),
            ):
                resource.setrlimit(res, (soft, hard))
            os.setgroups([])
            os.setresgid(self.uid, self.uid, self.uid)
            os.setresuid(uid, uid, uid)
            os.umask(0o007)
            if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(NO_NEW_PRIVS) failed")
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.execve(argv[0], argv, cfg["env"])  # noqa: S606 — the confined command
        except BaseException as exc:
            os.write(2, (f"sandbox: cannot start: {exc!r}\n").encode())
        os._exit(126)

    def reap(self, block: bool = False) -> None:
        """Wait for the exited processes of the run (orphans are ours: this is PID 1), or with
        ``block`` for all of them, noting the command's exit status when it comes."""
        while True:
            try:
                done, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if done == 0:
                return
            if done == self.pid:
                self.main_status = (status, usage)

    def kill_all(self) -> None:
        """Kill every process of the run and reap them."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        self.reap(block=True)

    def learner_processes(self) -> list[int]:
        """The live processes of the learner's uid."""
        found = []
        for name in os.listdir(self.proc):
            if not name.isdigit():
                continue
            try:
                with open(self.proc + "/" + name + "/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                if (
                    fields["State"].split()[0] != "Z"
                    and int(fields["Uid"].split()[0]) == self.agent_uid
                ):
                    found.append(int(name))
            except (OSError, KeyError, ValueError, IndexError):
                pass
        return found

    def kill_learner(self, spare: int = 0) -> None:
        """Kill every process of the learner's uid but ``spare``; if they fork faster than
        they die, all of them."""
        for _ in range(50):
            victims = [p for p in self.learner_processes() if p != spare]
            for p in victims:
                with contextlib.suppress(OSError):
                    os.kill(p, signal.SIGKILL)
            self.reap()
            if not victims:
                return
        helper = os.fork()
        if helper == 0:  # kill(-1) as that uid reaches each of its processes at once
            try:
                os.setresuid(self.agent_uid, self.agent_uid, self.agent_uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(helper, 0)
        self.reap()

    def serve(self, request: bytes) -> None:
        """The command's requests: start the learner's process, kill its strays, stop it."""
        ctl, cfg = self.ctl, self.cfg
        if request == b"spawn" and not cfg["agent_argv"]:
            ctl.send(b"! this run has no learner's process to start")
        elif request == b"spawn":
            self.kill_learner()
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            self.agent = os.fork()
            if self.agent == 0:
                ctl.close()
                ours.close()
                self.confine(
                    self.agent_uid,
                    cfg["agent_argv"],
                    {cfg["agent_fd"]: theirs.fileno()},
                    self.out_w,
                )
            theirs.close()
            socket.send_fds(ctl, [b"spawn %d" % self.agent], [ours.fileno()])
            ours.close()
        elif request == b"reap":
            self.kill_learner(spare=self.agent)
            ctl.send(b"reap")
        elif request == b"stop":
            self.kill_learner()
            self.agent = 0
            ctl.send(b"stop")
        else:
            ctl.send(b"?")


def main() -> None:
    """Read the configuration, run the command under the wall clock, print what happened."""
    run = Run(json.loads(sys.stdin.read()))
    cfg, lim = run.cfg, run.lim
    try:
        rep_fd = run.setup()
        out_r, run.out_w = os.pipe()
        run.ctl, ctl_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except BaseException as exc:
        emit(status="setup_error", error=repr(exc))
        sys.exit(0)
    ctl = run.ctl
    start = time.monotonic()
    run.pid = os.fork()
    if run.pid == 0:
        os.close(out_r)
        ctl.close()
        fds = {cfg["report_fd"]: rep_fd, cfg["ctl_fd"]: ctl_child.fileno()}
        run.confine(run.uid, cfg["argv"], fds, run.out_w)
    ctl_child.close()
    os.set_blocking(out_r, False)
    output = Output(out_r, lim["output"])
    pidfd = os.pidfd_open(run.pid)
    deadline = start + lim["wall"]
    timed_out = False
    listening = True
    while run.main_status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            os.kill(-1, signal.SIGKILL)
            break
        waits: list[Any] = [pidfd, *([out_r] if output.open else []), *([ctl] if listening else [])]
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
                    run.serve(request)
                except OSError as exc:  # no process or descriptor left: the runner hears why
                    try:
                        ctl.send(b"! " + str(exc).encode()[:200])
                    except OSError:
                        listening = False
            else:
                listening = False
        run.reap()
    wall = time.monotonic() - start
    run.kill_all()
    os.close(run.out_w)  # kept for the learner's processes; now every writer is gone
    while output.open:
        select.select([out_r], [], [], 1.0)
        output.drain()
    assert run.main_status is not None  # kill_all reaped the command
    status, usage = run.main_status
    everyone = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process of the run, reaped
    report, _ = read_head(rep_fd, lim["report"])
    emit(
        status="timeout" if timed_out else "exited",
        exit_code=os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
        signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss=usage.ru_maxrss * 1024,
        run_cpu=everyone.ru_utime + everyone.ru_stime,
        output=bytes(output.head).decode("utf-8", "replace"),
        output_truncated=output.truncated,
        report=report.decode("utf-8", "replace"),
    )


if __name__ == "__main__":
    main()
