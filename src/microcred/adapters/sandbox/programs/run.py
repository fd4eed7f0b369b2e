"""The Python test harness: runs the instructor's tests inside the sandbox and reports each one.

Copied into the sandbox as ``/sandbox/fixed/harness/run.py`` beside the ``mc_*`` modules and
started as the run's uid (``-s -B -u``, a fixed environment)::

    run.py FRAMEWORK TESTS WORK REPORT_FD CONTROL_FD INI TEST_SECONDS FILE...

It writes one JSON line per event to the report: descriptor ``REPORT_FD``, which stage two opened
on a file in a directory only root can enter. The learner's code never runs here: its modules are
proxies (``mc_remote``) for a second process (``mc_agent.py``) that stage two starts on request
(``CONTROL_FD``) under another uid, without the report; this process also makes itself
non-dumpable first, so the learner's process can neither read nor write its memory or
descriptors, signal it, or read the tests. Standard library only (pytest when it is installed).
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import importlib
import importlib.util
import inspect
import json
import os
import runpy
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING or __package__:  # in the package (type checks, tests)
    from . import mc_remote
else:  # inside the sandbox: a module beside this one
    import mc_remote

PR_SET_DUMPABLE = 4
Info = dict[str, Any]


class TestTimeout(BaseException):
    """The per-test alarm went off (not an ``Exception``: the learner's code cannot catch it)."""


def describe(exc: BaseException) -> Info:
    """An exception as the report gives it: its type chain, an errno and a message."""
    chain = getattr(exc, "_mc_chain", None)
    if chain:  # raised in the learner's process
        message = getattr(exc, "_mc_message", "") or str(exc)
        text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        return {"exc": chain, "errno": getattr(exc, "_mc_errno", None), "message": text[:1000]}
    types: list[str] = []
    code: int | None = None
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 6:
        types.append(type(cur).__name__)
        found = getattr(cur, "errno", None)
        if code is None and isinstance(found, int):
            code = found
        nxt = cur.__cause__ or cur.__context__
        reason = getattr(cur, "reason", None)
        cur, seen = (reason if isinstance(reason, BaseException) else nxt), seen + 1
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, AssertionError) and not str(exc):
        for frame, line in reversed(list(traceback.walk_tb(exc.__traceback__))):
            src = _source_line(frame.f_code.co_filename, line)
            if src:
                text = "AssertionError: " + src
                break
    return {"exc": types, "errno": code, "message": text[:1000]}


def _source_line(path: str, line: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        return ""


def has_tests(path: str) -> bool:
    """Whether a test file defines ``test*`` functions or ``Test*`` classes (else: a script)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            return True
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return True
    return False


class Harness:
    """One run of the instructor's tests, reporting to the report descriptor."""

    def __init__(self, argv: list[str]) -> None:
        self.main_pid = os.getpid()
        self.framework, self.tests, self.work, report_fd, control_fd, self.ini = argv[1:7]
        self.test_seconds = float(argv[7])
        self.files = argv[8:]
        self.report: TextIO = os.fdopen(int(report_fd), "a", encoding="utf-8")
        self.pytest: Any = None
        if self.framework in ("auto", "pytest"):
            with contextlib.suppress(ImportError):
                self.pytest = importlib.import_module("pytest")
        self.learner = mc_remote.install(self.work, int(control_fd))
        sys.path[:0] = [self.tests]
        os.makedirs(os.environ.get("TMPDIR", self.work + "/.tmp"), exist_ok=True)

    # ------------------------------------------------------------------ the report
    def guard(self) -> None:
        """A process forked by the tests never writes the report: it just ends."""
        if os.getpid() != self.main_pid:
            os._exit(70)

    def emit(self, **rec: Any) -> None:
        """One line of the report."""
        self.guard()
        self.report.write(json.dumps(rec) + "\n")
        self.report.flush()

    # ------------------------------------------------------------------ processes and time
    def kill_all(self) -> None:
        """kill(-1) as this uid reaches every other process of this uid, never this one; the
        learner's processes (another uid) are killed by stage two."""
        with contextlib.suppress(OSError):
            os.kill(-1, signal.SIGKILL)
        self.learner.stop()

    def kill_strays(self) -> None:
        """Kill every process of the run but this one and the learner's process (it keeps its
        state): this uid's here, the learner's uid's by stage two."""
        self.learner.reap()
        spare = {self.main_pid}
        for _ in range(50):
            found = False
            for name in os.listdir("/proc"):
                if not name.isdigit() or int(name) in spare:
                    continue
                try:
                    with open(f"/proc/{name}/stat", "rb") as f:
                        if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                            continue
                    os.kill(int(name), signal.SIGKILL)
                    found = True
                except (OSError, IndexError):
                    pass
            if not found:
                return
        self.kill_all()

    def _alarm(self, signum: int, frame: FrameType | None) -> None:
        self.kill_all()
        raise TestTimeout(f"the test ran longer than {self.test_seconds:g} s")

    def arm(self) -> None:
        """Start the per-test clock."""
        signal.signal(signal.SIGALRM, self._alarm)
        signal.setitimer(signal.ITIMER_REAL, self.test_seconds, 0.5)

    def disarm(self) -> None:
        """Stop the per-test clock and kill what the test left running."""
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.guard()
        self.kill_strays()

    # ------------------------------------------------------------------ running tests
    def check_syntax(self) -> None:
        """Report every learner file that does not compile."""
        for dirpath, dirs, files in os.walk(self.work):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(f for f in files if f.endswith(".py")):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, self.work)
                try:
                    with open(path, "rb") as f:
                        compile(f.read(), rel, "exec", dont_inherit=True)
                except SyntaxError as e:
                    self.emit(
                        kind="syntax",
                        file=rel,
                        line=e.lineno,
                        message=f"{type(e).__name__}: {e.msg}",
                        text=(e.text or "").strip()[:200],
                    )
                except (ValueError, MemoryError, RecursionError) as e:
                    self.emit(
                        kind="syntax",
                        file=rel,
                        line=None,
                        message=f"{type(e).__name__}: {e}",
                        text="",
                    )

    def timed(self, fn: Callable[[], object]) -> tuple[str, Info, float]:
        """Run ``fn`` under the per-test clock: its outcome, details and start time."""
        start = time.monotonic()
        try:
            self.arm()
            try:
                fn()
            finally:
                self.disarm()
        except TestTimeout as e:
            self.guard()
            return "timeout", {"exc": ["TestTimeout"], "errno": None, "message": str(e)}, start
        except KeyboardInterrupt:
            raise
        except BaseException as e:
            self.guard()
            local = not hasattr(type(e), "_mc_remote_id")  # the learner's code cannot skip a test
            kind = "skipped" if local and type(e).__name__ in ("SkipTest", "Skipped") else "failed"
            return kind, describe(e), start
        self.guard()
        return "passed", {}, start

    def run_script(self, path: str, rel: str) -> None:
        """A test file without tests: running it is the test."""
        outcome, info, start = self.timed(lambda: runpy.run_path(path, run_name="__main__"))
        self.emit(kind="test", id=rel, outcome=outcome, duration=time.monotonic() - start, **info)

    def run_plain(self, path: str, rel: str) -> None:
        """Plain ``assert`` tests, without pytest."""
        name = "microcred_tests_" + rel.replace("/", "_").replace(".", "_")
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {rel}")
            loader = spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            outcome, info, _ = self.timed(lambda: loader.exec_module(module))
        except Exception as e:
            outcome, info = "failed", describe(e)
        if outcome != "passed":
            self.emit(kind="collect_error", id=rel, **info)
            return
        for attr, obj in list(vars(module).items()):
            if attr.startswith("test") and inspect.isfunction(obj) and obj.__module__ == name:
                self.run_callable(rel + "::" + attr, obj)
            elif attr.startswith("Test") and inspect.isclass(obj) and obj.__module__ == name:
                for meth in [m for m in vars(obj) if m.startswith("test")]:

                    def call(cls: type = obj, meth: str = meth) -> None:
                        inst = cls()
                        getattr(inst, "setup_method", lambda *a: None)(getattr(inst, meth))
                        try:
                            getattr(inst, meth)()
                        finally:
                            getattr(inst, "teardown_method", lambda *a: None)(getattr(inst, meth))

                    self.run_callable(rel + "::" + attr + "::" + meth, call)

    def run_callable(self, test_id: str, fn: Callable[..., object]) -> None:
        """One plain test function (fixtures need pytest)."""
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
        ]
        if params:
            self.emit(
                kind="test",
                id=test_id,
                outcome="error",
                exc=["TypeError"],
                errno=None,
                message=f"this test needs fixtures ({', '.join(p.name for p in params)}); "
                "run it with pytest",
            )
            return
        outcome, info, start = self.timed(fn)
        self.emit(
            kind="test", id=test_id, outcome=outcome, duration=time.monotonic() - start, **info
        )

    def run_pytest(self, files: list[str]) -> None:
        """The test files with pytest, reporting through a plugin."""
        pytest = self.pytest
        work = self.work

        def shared(path: Any) -> Any:
            # pytest makes its temporary directories 0700; the learner's process (another uid
            # of the run's group) must reach tmp_path too
            here = str(path)
            while here.startswith(work + "/"):
                with contextlib.suppress(OSError):
                    os.chmod(here, 0o2770)  # noqa: S103 — the run's group only
                here = os.path.dirname(here)
            return path

        factory = pytest.TempPathFactory
        mktemp, getbasetemp = factory.mktemp, factory.getbasetemp
        factory.mktemp = lambda self, *a, **k: shared(mktemp(self, *a, **k))
        factory.getbasetemp = lambda self: shared(getbasetemp(self))
        args = [
            *files,
            *("-q", "-c", self.ini, "--rootdir", self.tests, "--confcutdir", self.tests),
            *("-p", "no:cacheprovider", "-p", "no:pastebin", "-p", "no:legacypath"),
            *("--basetemp", os.path.join(work, ".tmp", "pytest"), "--color=no", "--tb=short"),
            *("-W", "ignore::DeprecationWarning"),
        ]
        pytest.main(args, plugins=[_pytest_plugin(self, pytest)])

    def main(self) -> None:
        """Check the learner's syntax, then run every test file, scripts first."""
        self.emit(kind="start", framework=self.framework)
        self.check_syntax()
        framework = self.framework
        if framework in ("auto", "pytest"):
            if self.pytest is not None:
                framework = "pytest"
            else:
                if framework == "pytest":
                    self.emit(
                        kind="fatal", message="pytest is not installed for the sandbox interpreter"
                    )
                    sys.exit(3)
                framework = "plain"
        self.emit(kind="framework", name=framework)
        scripts = [f for f in self.files if not has_tests(os.path.join(self.tests, f))]
        for rel in scripts:
            self.run_script(os.path.join(self.tests, rel), rel)
        rest = [f for f in self.files if f not in scripts]
        if framework == "pytest":
            if rest:
                self.run_pytest([os.path.join(self.tests, f) for f in rest])
        else:
            for rel in rest:
                self.run_plain(os.path.join(self.tests, rel), rel)
        self.emit(kind="done")


def _pytest_plugin(harness: Harness, pytest: Any) -> object:
    """The pytest plugin that times each test and writes its outcome to the report."""

    class Report:
        @pytest.hookimpl(hookwrapper=True)  # type: ignore[untyped-decorator]
        def pytest_runtest_call(self, item: Any) -> Iterator[None]:
            harness.arm()
            try:
                yield
            finally:
                harness.disarm()
                harness.guard()

        @pytest.hookimpl(hookwrapper=True)  # type: ignore[untyped-decorator]
        def pytest_runtest_makereport(self, item: Any, call: Any) -> Iterator[None]:
            result: Any = yield
            harness.guard()
            rep = result.get_result()
            if rep.when != "call" and rep.passed:
                return
            info = describe(call.excinfo.value) if call.excinfo else {}
            if call.excinfo and rep.failed:
                exconly = call.excinfo.exconly().strip()
                if exconly and not (
                    call.excinfo.errisinstance(AssertionError) and exconly == "AssertionError"
                ):
                    info["message"] = exconly[:1000]
            if call.excinfo and call.excinfo.errisinstance(TestTimeout):
                outcome = "timeout"
            elif rep.when != "call" and rep.failed:
                outcome = "error"
            else:
                outcome = "passed" if rep.passed else ("skipped" if rep.skipped else "failed")
            if rep.skipped and not info.get("message"):
                info["message"] = str(rep.longrepr[-1]) if isinstance(rep.longrepr, tuple) else ""
            harness.emit(
                kind="test",
                id=item.nodeid,
                outcome=outcome,
                phase=rep.when,
                duration=rep.duration,
                **info,
            )

        def pytest_collectreport(self, report: Any) -> None:
            harness.guard()
            if report.failed:
                text = str(report.longrepr)
                lines = [ln[4:].rstrip() for ln in text.splitlines() if ln.startswith("E ")]
                harness.emit(
                    kind="collect_error",
                    id=report.nodeid or "",
                    exc=[],
                    errno=None,
                    message=("\n".join(lines) or text)[-1000:],
                )

    return Report()


def main() -> None:
    """Make this process non-dumpable, then run the tests named on the command line."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        sys.exit("cannot make the harness non-dumpable")
    Harness(sys.argv).main()


if __name__ == "__main__":
    main()
