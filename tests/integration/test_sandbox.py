"""The code sandbox against real hostile submissions, plus safe archive unpacking.

Every run here is a real one: Linux namespaces, a read-only root, a throw-away uid and rlimits.
The tests need root (as the project's machines and CI run); elsewhere they are skipped.
"""

from __future__ import annotations

import io
import os
import socket
import sys
import tarfile
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

import microcred
from microcred.adapters import sandbox as sb
from microcred.adapters.sandbox import (
    ArchiveLimits,
    PythonTests,
    Sandbox,
    SandboxCodeRunner,
    SandboxLimits,
    SandboxUnavailable,
    read_submission,
)
from microcred.assessment.code_review import (
    CodeAssignment,
    CodeReviewer,
    CodeSubmission,
    CriterionTests,
    Outcome,
    RunStatus,
    TestRun,
)
from microcred.errors import InvalidInput, PayloadTooLarge

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/usr/bin/unshare"),
    reason="the sandbox needs root and util-linux unshare",
)

LIMITS = SandboxLimits(
    wall_seconds=20, cpu_seconds=10, memory_bytes=256 * sb.MiB, test_seconds=1.5, processes=16
)

CALC_TESTS = {
    "test_calc.py": b"""
import pytest
from calc import add, mul

def test_add():
    assert add(2, 3) == 5

@pytest.mark.parametrize("a,b", [(0, 0), (2, 5)])
def test_mul(a, b):
    assert mul(a, b) == a * b, f"mul({a}, {b}) should be {a * b}"

def test_files_and_output(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("ok")
    print("hello")
    assert capsys.readouterr().out == "hello\\n"
"""
}
CALC_CRITERIA = (
    CriterionTests("addition", ("test_add",), 2.0, "Addition"),
    CriterionTests("multiplication", ("test_mul",), 2.0, "Multiplication"),
    CriterionTests("hygiene", ("test_files_*",), 1.0),
)
GOOD_CALC = b"def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a * b\n"


@pytest.fixture(scope="module")
def runner() -> SandboxCodeRunner:
    return SandboxCodeRunner(Sandbox(LIMITS))


def sandbox_processes() -> list[int]:
    """PIDs on the host owned by a sandbox uid (there must be none between runs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = int(next(ln for ln in status.splitlines() if ln.startswith("Uid:")).split()[1])
        if Sandbox.UID_BASE <= uid < Sandbox.UID_BASE + Sandbox.UID_SPAN:
            found.append(int(entry.name))
    return found


def run(runner: SandboxCodeRunner, source: bytes, tests: dict[str, bytes]) -> TestRun:
    return runner.run_tests(CodeSubmission("solution.py", source), tests, "python")


def one(tests_body: str) -> dict[str, bytes]:
    return {"test_solution.py": ("import solution\n\n" + tests_body).encode()}


def outcome(run_: TestRun, name: str) -> tuple[Outcome, str | None, str]:
    match = [o for o in run_.outcomes if o.test_id.split("::")[-1].split("[")[0] == name]
    assert match, f"{name} not in {[o.test_id for o in run_.outcomes]}"
    return match[0].outcome, match[0].blocked, match[0].message


# --------------------------------------------------------------------------- grading


@needs_root
def test_correct_submission_passes_with_high_confidence(runner: SandboxCodeRunner) -> None:
    review = CodeReviewer(runner).review(
        CodeSubmission("calc.py", GOOD_CALC), CodeAssignment(CALC_TESTS, CALC_CRITERIA)
    )
    assert review.run.status is RunStatus.COMPLETED, review.run.reason + review.run.output
    assert [o.outcome for o in review.run.outcomes] == [Outcome.PASSED] * 4
    assert review.passed and review.points == review.max_points == 5.0
    assert review.confidence >= 0.9
    assert "4 of 4 tests passed" in review.feedback


@needs_root
def test_partially_correct_submission_gets_partial_score(runner: SandboxCodeRunner) -> None:
    wrong_mul = b"def add(a, b):\n    return a + b\n\ndef mul(a, b):\n    return a + b\n"
    review = CodeReviewer(runner).review(
        CodeSubmission("calc.py", wrong_mul), CodeAssignment(CALC_TESTS, CALC_CRITERIA)
    )
    scores = {c.criterion_id: c.points for c in review.criteria}
    assert scores == {"addition": 2.0, "multiplication": 1.0, "hygiene": 1.0}
    assert not review.passed and review.points == 4.0
    assert review.confidence >= 0.9  # a deterministic verdict
    assert "test_mul[2-5] failed" in review.feedback
    assert "mul(2, 5) should be 10" in review.feedback


@needs_root
def test_syntax_error_is_reported_as_such(runner: SandboxCodeRunner) -> None:
    review = CodeReviewer(runner).review(
        CodeSubmission("calc.py", b"def add(a, b)\n    return a + b\n"),
        CodeAssignment(CALC_TESTS, CALC_CRITERIA),
    )
    assert review.run.status is RunStatus.SYNTAX_ERROR
    assert "calc.py, line 1" in review.run.reason and "SyntaxError" in review.run.reason
    assert review.points == 0 and not review.passed
    assert "syntax error" in review.feedback


@needs_root
def test_plain_assert_tests_and_scripts_run_without_pytest() -> None:
    runner = SandboxCodeRunner(Sandbox(LIMITS), {"python": PythonTests(framework="plain")})
    tests = {
        "test_plain.py": b"from calc import add\n"
        b"def test_add():\n    assert add(1, 1) == 2\n"
        b"def test_wrong():\n    assert add(1, 1) == 3\n"
        b"class TestMore:\n    def test_zero(self):\n        assert add(0, 0) == 0\n",
        "check_script.py": b"from calc import mul\nassert mul(3, 3) == 9\n",
    }
    result = runner.run_tests(CodeSubmission("calc.py", GOOD_CALC), tests, "python")
    got = {o.test_id: o.outcome for o in result.outcomes}
    assert result.status is RunStatus.COMPLETED, result.reason + result.output
    assert got == {
        "check_script.py": Outcome.PASSED,
        "test_plain.py::test_add": Outcome.PASSED,
        "test_plain.py::test_wrong": Outcome.FAILED,
        "test_plain.py::TestMore::test_zero": Outcome.PASSED,
    }
    wrong = next(o for o in result.outcomes if o.test_id.endswith("test_wrong"))
    assert "assert add(1, 1) == 3" in wrong.message


@needs_root
def test_zip_archive_with_a_top_folder_is_graded(runner: SandboxCodeRunner) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project/calc.py", GOOD_CALC)
        zf.writestr("project/README.md", "my work")
    result = runner.run_tests(CodeSubmission("work.zip", buf.getvalue()), CALC_TESTS, "python")
    assert result.status is RunStatus.COMPLETED
    assert all(o.outcome is Outcome.PASSED for o in result.outcomes)


# --------------------------------------------------------------------------- hostile code


@needs_root
def test_endless_loop_in_one_test_times_out_and_the_rest_still_count(
    runner: SandboxCodeRunner,
) -> None:
    source = b"def spin():\n    while True:\n        pass\n\ndef ok():\n    return 1\n"
    result = run(
        runner,
        source,
        one(
            "def test_spin():\n    solution.spin()\n\n"
            "def test_ok():\n    assert solution.ok() == 1\n"
        ),
    )
    assert outcome(result, "test_spin")[0] is Outcome.TIMEOUT
    assert "time limit" in (outcome(result, "test_spin")[1] or "")
    assert outcome(result, "test_ok")[0] is Outcome.PASSED
    assert sandbox_processes() == []


@needs_root
def test_loop_that_swallows_every_exception_is_killed_by_the_wall_clock() -> None:
    runner = SandboxCodeRunner(Sandbox(SandboxLimits(wall_seconds=3, test_seconds=1)))
    source = (
        b"while True:\n    try:\n        while True:\n            pass\n"
        b"    except BaseException:\n        pass\n"
    )
    result = run(runner, source, one("def test_never():\n    pass\n"))
    assert result.status is RunStatus.TIMEOUT
    assert "every process it started was killed" in result.reason
    assert outcome(result, "test_never")[0] is Outcome.NOT_RUN
    assert sandbox_processes() == []


@needs_root
def test_unbounded_allocation_hits_the_memory_limit(runner: SandboxCodeRunner) -> None:
    source = (
        b"def grow():\n    hoard = []\n    while True:\n        hoard.append(bytearray(10**7))\n"
    )
    result = run(runner, source, one("def test_grow():\n    solution.grow()\n"))
    state, blocked, message = outcome(result, "test_grow")
    assert state is Outcome.FAILED and "MemoryError" in message
    assert blocked == "the memory limit (256 MiB) was reached"


@needs_root
@pytest.mark.skipif(sb.MemoryCgroup.parent() is None, reason="no writable memory cgroup here")
def test_many_processes_together_hit_the_run_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[sb.MemoryCgroup | None] = []
    create = sb.MemoryCgroup.create
    monkeypatch.setattr(
        sb.MemoryCgroup, "create", lambda limit: made.append(create(limit)) or made[-1]
    )
    limits = SandboxLimits(memory_bytes=256 * sb.MiB, run_memory_bytes=300 * sb.MiB)
    source = (
        b"import os, time\n"
        b"def hog():\n    kids = []\n    for _ in range(6):\n        pid = os.fork()\n"
        b"        if pid == 0:\n            block = b'x' * (150 * 1024 * 1024)\n"
        b"            time.sleep(3)\n            os._exit(0)\n        kids.append(pid)\n"
        b"    return [os.waitpid(k, 0)[1] for k in kids]\n"
    )
    result = run(
        SandboxCodeRunner(Sandbox(limits)),
        source,
        one("def test_hog():\n    assert solution.hog() == [0] * 6\n"),
    )
    assert result.status is RunStatus.MEMORY_LIMIT
    assert "more than 300 MiB" in result.reason
    # this run's cgroup is gone (another worker's runs may have theirs meanwhile)
    assert made and all(cg is not None and not cg.path.exists() for cg in made)  # probe's too


@needs_root
def test_fork_bombs_hit_the_process_limit_and_leave_nothing_behind(
    runner: SandboxCodeRunner,
) -> None:
    source = (
        b"import os\n"
        b"def bomb():\n    while True:\n        os.fork()\n"
        b"def stubborn_bomb():\n    while True:\n        try:\n            os.fork()\n"
        b"        except BaseException:\n            pass\n"
    )
    tests = one(
        "def test_bomb():\n    solution.bomb()\n\n"
        "def test_stubborn():\n    solution.stubborn_bomb()\n"
    )
    result = run(runner, source, tests)
    state, blocked, _ = outcome(result, "test_bomb")
    assert state is Outcome.FAILED
    assert blocked == "the process limit was reached (no more processes or threads)"
    stubborn = outcome(result, "test_stubborn")[0]
    assert stubborn in (Outcome.TIMEOUT, Outcome.FAILED, Outcome.NOT_RUN)
    if stubborn is Outcome.NOT_RUN:  # a loaded machine: the run's own limit stopped it first
        assert result.status in (RunStatus.TIMEOUT, RunStatus.CPU_LIMIT, RunStatus.CRASHED)
        assert result.reason
    assert sandbox_processes() == []


@needs_root
def test_processes_the_learners_code_leaves_are_killed_between_tests(
    runner: SandboxCodeRunner,
) -> None:
    # the learner's process (its own uid) keeps its state; what it started does not survive
    source = (
        b"import os, signal, time\n"
        b"STARTED = []\n"
        b"def leave_one_behind():\n"
        b"    pid = os.fork()\n"
        b"    if pid == 0:\n"
        b"        os.setsid()\n"
        b"        time.sleep(60)\n"
        b"        os._exit(0)\n"
        b"    STARTED.append(pid)\n"
        b"def was_killed():\n"
        b"    _, status = os.waitpid(STARTED[0], 0)\n"
        b"    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL\n"
    )
    tests = one(
        "def test_a_leave():\n    solution.leave_one_behind()\n\n"
        "def test_b_check():\n    assert solution.was_killed()\n"
    )
    result = run(runner, source, tests)
    assert result.status is RunStatus.COMPLETED, result.reason
    assert outcome(result, "test_a_leave")[0] is Outcome.PASSED
    assert outcome(result, "test_b_check")[0] is Outcome.PASSED
    assert sandbox_processes() == []


@needs_root
def test_the_control_line_refuses_what_the_run_cannot_do() -> None:
    # a command with no learner's process configured asks for one, then sends nonsense
    code = (
        "import socket\n"
        "ctl = socket.socket(fileno=4)\n"
        "for request in (b'spawn', b'bogus', b'reap', b'x' * 60):\n"
        "    ctl.send(request)\n"
        "    print(ctl.recv(256).decode())\n"
    )
    job = sb.SandboxJob(
        argv=(sys.executable, "-I", "-S", "-c", code),
        work_files={},
        read_only_paths=sb.python_paths(sys.executable),
    )
    result = Sandbox(LIMITS).run(job)
    assert result.status == "exited" and result.exit_code == 0, result
    assert result.output.splitlines() == [
        "! this run has no learner's process to start",
        "?",
        "reap",
        "?",
    ]
    assert sandbox_processes() == []


@needs_root
def test_sockets_cannot_reach_the_host_or_the_internet(runner: SandboxCodeRunner) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    source = (
        b"import socket, urllib.request\n"
        b"def connect(host, port):\n"
        b"    socket.create_connection((host, port), timeout=2).close()\n"
        b"def fetch():\n    urllib.request.urlopen('http://example.com/', timeout=2)\n"
    )
    tests = one(
        f"def test_host():\n    solution.connect('127.0.0.1', {port})\n\n"
        "def test_public_ip():\n    solution.connect('1.1.1.1', 443)\n\n"
        "def test_dns():\n    solution.fetch()\n"
    )
    try:
        result = run(runner, source, tests)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever reached the host's loopback
    finally:
        listener.close()
    for name in ("test_host", "test_public_ip"):
        assert outcome(result, name)[:2] == (Outcome.FAILED, "network access is not allowed")
    assert outcome(result, "test_dns")[1] == "network access is not allowed (no name resolution)"


@needs_root
def test_host_unix_sockets_are_out_of_sight(runner: SandboxCodeRunner) -> None:
    candidates = ("/run/postgresql/.s.PGSQL.5432", "/tmp/.s.PGSQL.5432", "/run/mysqld/mysqld.sock")
    host_sockets = [p for p in candidates if os.path.exists(p)]
    if not host_sockets:
        pytest.skip("no database unix socket on this host")
    source = b"import socket\ndef reach(path):\n    socket.socket(socket.AF_UNIX).connect(path)\n"
    body = "".join(
        f"def test_{i}():\n    solution.reach({p!r})\n" for i, p in enumerate(host_sockets)
    )
    result = run(runner, source, one(body))
    assert all(o.outcome is Outcome.FAILED for o in result.outcomes)
    assert all("FileNotFoundError" in o.message for o in result.outcomes)


@needs_root
def test_a_learner_module_cannot_shadow_pytest(runner: SandboxCodeRunner) -> None:
    archive = zip_bytes({"solution.py": b"X = 1\n", "pytest.py": b"raise SystemExit('fake')\n"})
    tests = {
        "test_solution.py": b"import pytest, solution\n"
        b"def test_x():\n    with pytest.raises(ZeroDivisionError):\n        1 / 0\n"
    }
    result = runner.run_tests(CodeSubmission("w.zip", archive), tests, "python")
    assert result.status is RunStatus.COMPLETED, result.reason
    assert outcome(result, "test_x")[0] is Outcome.PASSED


@needs_root
def test_writes_outside_the_working_directory_are_refused(runner: SandboxCodeRunner) -> None:
    tag = uuid.uuid4().hex
    targets = {
        "tmp": f"/tmp/microcred-escape-{tag}",
        "etc": f"/etc/microcred-escape-{tag}",
        "parent": f"../escape-{tag}",
        "tests": "/sandbox/fixed/harness/run.py",
    }
    body = "".join(
        f"def test_{key}():\n    solution.write({path!r})\n\n" for key, path in targets.items()
    )
    body += "def test_own_dir():\n    solution.write('mine.txt')\n"
    source = b"def write(path):\n    with open(path, 'w') as f:\n        f.write('x')\n"
    result = run(runner, source, one(body))
    for key in ("tmp", "etc", "parent", "tests"):
        state, blocked, _ = outcome(result, f"test_{key}")
        assert state is Outcome.FAILED
        assert blocked == "writing outside the working directory is not allowed"
    assert outcome(result, "test_own_dir")[0] is Outcome.PASSED
    assert not Path(targets["tmp"]).exists() and not Path(targets["etc"]).exists()


@needs_root
def test_child_sees_no_secrets_no_root_and_no_source_tree(
    runner: SandboxCodeRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROCRED_KEK_SECRETS", "super-secret-kek")
    src_dir = os.path.dirname(microcred.__file__)
    tests = one(
        "import os\n"
        "def test_env():\n    assert not any('SECRET' in k for k in os.environ), os.environ\n"
        "def test_uid():\n    assert os.getuid() != 0 and os.geteuid() != 0\n"
        f"def test_tree():\n    assert not os.path.exists({src_dir!r})\n"
        "def test_shadow():\n    assert not os.path.exists('/etc/shadow')\n"
        "def test_hash_seed():\n    import sys\n    assert sys.flags.hash_randomization == 0\n"
    )
    result = run(runner, b"", tests)
    assert {o.outcome for o in result.outcomes} == {Outcome.PASSED}, result.outcomes


@needs_root
def test_host_stays_healthy_after_hostile_runs(
    runner: SandboxCodeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    hostile = b"import os\nfor _ in range(50):\n    os.fork()\nwhile True:\n    pass\n"
    run(SandboxCodeRunner(Sandbox(SandboxLimits(wall_seconds=2))), hostile, one(""))
    result = run(
        runner, b"def ok():\n    return 1\n", one("def test_ok():\n    assert solution.ok()\n")
    )
    assert result.status is RunStatus.COMPLETED
    assert outcome(result, "test_ok")[0] is Outcome.PASSED
    assert sandbox_processes() == []
    assert list(tmp_path.iterdir()) == []  # staging directories are removed


@needs_root
def test_concurrent_runs_see_only_their_own_submission(runner: SandboxCodeRunner) -> None:
    tests = one("def test_value():\n    assert solution.VALUE == int(open('expected').read())\n")

    def grade(i: int) -> TestRun:
        archive = zip_bytes({"solution.py": f"VALUE = {i}\n".encode(), "expected": b"%d" % i})
        return runner.run_tests(CodeSubmission("w.zip", archive), tests, "python")

    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(grade, range(3)))
    assert [outcome(r, "test_value")[0] for r in results] == [Outcome.PASSED] * 3


FORGER = b"""
import json, os, sys
ATTEMPTS = []
LINE = json.dumps({"kind": "test", "id": "test_solution.py::test_real", "outcome": "passed"})

def attempt(name, action):
    try:
        action()
        ATTEMPTS.append(name + ": worked")
    except Exception as exc:
        ATTEMPTS.append(name + ": " + type(exc).__name__)

def patch_pytest():
    import _pytest.reports
    _pytest.reports.TestReport.passed = property(lambda self: True)

attempt("report path", lambda: open("/sandbox/out/report.jsonl", "a").write(LINE))
attempt("descriptor 3", lambda: os.write(3, LINE.encode()))
def harness_pid():
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and b"run.py" in open("/proc/%s/cmdline" % name, "rb").read():
                return int(name)
        except OSError:
            pass
    raise LookupError("no harness")

HARNESS = harness_pid()
attempt("harness descriptor", lambda: open("/proc/%d/fd/3" % HARNESS, "a").write(LINE))
attempt("harness memory", lambda: open("/proc/%d/mem" % HARNESS, "r+b"))
attempt("read the tests", lambda: open("/sandbox/private/tests/test_solution.py").read())
attempt("list the tests", lambda: os.listdir("/sandbox/private/tests"))
attempt("signal the harness", lambda: os.kill(HARNESS, 0))
attempt("control descriptor", lambda: os.write(4, b"stop"))
attempt("patch pytest", patch_pytest)
attempt("harness emit", lambda: sys.modules["__main__"].emit(kind="done"))

def correct():
    return False

def skip_it():
    import pytest
    pytest.skip("too hard")
"""


BANK = b"""
import datetime, decimal, fractions

class InsufficientFunds(ValueError):
    pass

class Frozen(InsufficientFunds):
    pass

class Account:
    opened = 0

    def __init__(self, owner, balance=0):
        self.owner, self.balance = owner, balance
        Account.opened += 1

    def withdraw(self, amount):
        if amount > self.balance:
            raise InsufficientFunds(f"{self.owner} has only {self.balance}")
        self.balance -= amount
        return self.balance

    def freeze(self):
        raise Frozen("frozen")

    def __eq__(self, other):
        return isinstance(other, Account) and other.balance == self.balance

    def __len__(self):
        return self.balance

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

def countdown(n):
    while n:
        yield n
        n -= 1

def sort_in_place(items):
    items.sort()

def apply(f, values):
    return [f(v) for v in values]

def greet():
    name = input("Name? ")
    print(f"Hello, {name}!")

def save(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path

def values():
    return (1, 2.5, None, b"x", {1: {"a"}}, frozenset({2}), complex(1, 2),
            decimal.Decimal("1.10"), fractions.Fraction(1, 3), datetime.date(2026, 11, 28))

def boom():
    assert 1 + 1 == 3
"""

BANK_TESTS = """
import datetime, decimal, fractions
import pytest
import solution
from solution import Account, InsufficientFunds

@pytest.fixture(scope="module")
def shared():
    return Account("shared", 100)

def test_objects_and_methods():
    acct = Account("ann", 10)
    assert acct.withdraw(4) == 6 and acct.balance == 6 and len(acct) == 6
    assert acct == Account("bob", 6) and acct != Account("bob", 7)
    assert isinstance(acct, Account) and repr(acct) == "Account('ann', 6)"
    acct.owner = "anne"
    assert acct.owner == "anne"
    with acct as same:
        assert same.balance == 6

def test_exceptions_keep_their_hierarchy():
    acct = Account("ann", 1)
    with pytest.raises(InsufficientFunds, match="only 1"):
        acct.withdraw(5)
    with pytest.raises(ValueError):
        acct.withdraw(5)
    with pytest.raises(solution.InsufficientFunds):
        acct.freeze()
    with pytest.raises(AttributeError):
        acct.no_such_thing

def test_module_state_persists_between_tests_one(shared):
    shared.withdraw(10)

def test_module_state_persists_between_tests_two(shared):
    assert shared.balance == 90 and Account.opened >= 3

def test_generators_mutation_and_callbacks():
    assert list(solution.countdown(3)) == [3, 2, 1]
    items = [3, 1, 2]
    solution.sort_in_place(items)
    assert items == [1, 2, 3]
    assert solution.apply(lambda v: v * 10, [1, 2]) == [10, 20]

def test_output_and_input(capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "Ada")
    solution.greet()
    assert capsys.readouterr().out == "Hello, Ada!\\n"

def test_paths_and_values(tmp_path):
    target = tmp_path / "out.txt"
    assert solution.save(target, "hi") == target
    assert target.read_text() == "hi"
    assert solution.values() == (1, 2.5, None, b"x", {1: {"a"}}, frozenset({2}), complex(1, 2),
        decimal.Decimal("1.10"), fractions.Fraction(1, 3), datetime.date(2026, 11, 28))

def test_a_failing_assert_in_the_learners_code_is_quoted():
    solution.boom()
"""


@needs_root
def test_tests_drive_the_learners_code_in_its_own_process(runner: SandboxCodeRunner) -> None:
    result = run(runner, BANK, {"test_bank.py": BANK_TESTS.encode()})
    assert result.status is RunStatus.COMPLETED, result.reason
    failed = {o.test_id: o.message for o in result.outcomes if o.outcome is not Outcome.PASSED}
    assert list(failed) == ["test_bank.py::test_a_failing_assert_in_the_learners_code_is_quoted"]
    assert "assert 1 + 1 == 3" in next(iter(failed.values()))


@needs_root
def test_the_learners_code_cannot_forge_a_pass(runner: SandboxCodeRunner) -> None:
    tests = one(
        "def test_real():\n    assert solution.correct()\n\n"
        "def test_skipped():\n    solution.skip_it()\n\n"
        "def test_attempts():\n    assert solution.ATTEMPTS == [\n"
        "        'report path: PermissionError', 'descriptor 3: OSError',\n"
        "        'harness descriptor: PermissionError', 'harness memory: PermissionError',\n"
        "        'read the tests: PermissionError', 'list the tests: PermissionError',\n"
        "        'signal the harness: PermissionError', 'control descriptor: OSError',\n"
        "        'patch pytest: worked', 'harness emit: AttributeError']\n"
    )
    result = run(runner, FORGER, tests)
    assert result.status is RunStatus.COMPLETED, result.reason
    assert outcome(result, "test_attempts")[0] is Outcome.PASSED, outcome(result, "test_attempts")
    # patching pytest worked, in the learner's own process: the tests' verdict stands
    assert outcome(result, "test_real")[0] is Outcome.FAILED
    assert outcome(result, "test_skipped")[0] is Outcome.FAILED  # only the tests may skip


@needs_root
def test_learner_files_named_like_installed_modules_stay_the_learners(
    runner: SandboxCodeRunner,
) -> None:
    archive = zip_bytes(
        {
            "solution.py": b"import difflib\nVALUE = difflib.VALUE\n",
            "difflib.py": b"VALUE = 'mine'\n",
            "run.py": b"def go():\n    return 'ran'\n",
        }
    )
    tests = {
        "test_names.py": b"import difflib\nimport run\nimport solution\n\n"
        b"def test_learner_code_sees_its_own_module():\n    assert solution.VALUE == 'mine'\n\n"
        b"def test_tests_get_the_standard_library():\n"
        b"    assert hasattr(difflib, 'SequenceMatcher')\n\n"
        b"def test_a_name_only_the_harness_uses_is_free():\n    assert run.go() == 'ran'\n"
    }
    result = runner.run_tests(CodeSubmission("w.zip", archive), tests, "python")
    assert {o.outcome for o in result.outcomes} == {Outcome.PASSED}, result.outcomes


@needs_root
def test_garbage_on_the_link_fails_that_test_and_the_run_goes_on(runner: SandboxCodeRunner) -> None:
    source = (
        b"import os, struct, sys\n"
        b"LINK = int(sys.argv[1])\n"
        b"def oversized():\n    os.write(LINK, struct.pack('>I', 2**31))\n"
        b"def not_json():\n    os.write(LINK, struct.pack('>I', 3) + b'{{{')\n"
        b"def nested():\n    body = b'[' * 100000 + b']' * 100000\n"
        b"    os.write(LINK, struct.pack('>I', len(body)) + body)\n"
        b"def fine():\n    return 42\n"
    )
    tests = one(
        "def test_oversized():\n    solution.oversized()\n\n"
        "def test_not_json():\n    solution.not_json()\n\n"
        "def test_nested():\n    solution.nested()\n\n"
        "def test_after():\n    assert solution.fine() == 42\n"
    )
    result = run(runner, source, tests)
    assert result.status is RunStatus.COMPLETED, result.reason
    for name in ("test_oversized", "test_not_json", "test_nested"):
        state, _, message = outcome(result, name)
        assert state is Outcome.FAILED and "broke its link to the tests" in message, message
    assert outcome(result, "test_after")[0] is Outcome.PASSED  # a fresh process took over
    assert sandbox_processes() == []


@needs_root
def test_objects_the_tests_drop_are_released_in_the_learners_process() -> None:
    # about 1,500 round trips to the learner's process: a per-test limit that a loaded CI machine
    # cannot miss, since this test is about objects being released, not about speed
    runner = SandboxCodeRunner(Sandbox(replace(LIMITS, test_seconds=30.0, wall_seconds=90.0)))
    source = (
        b"import gc, weakref\n"
        b"LIVE = weakref.WeakSet()\n"
        b"class Thing:\n"
        b"    def __init__(self, n):\n"
        b"        self.n = n\n"
        b"        LIVE.add(self)\n"
        b"    def double(self):\n"
        b"        return 2 * self.n\n"
        b"def make(n):\n    return Thing(n)\n"
        b"def alive():\n    gc.collect()\n    return len(LIVE)\n"
        b"def take(callback):\n    return callback(3)\n"
    )
    tests = one(
        "import gc\n"
        "def test_dropped_go_kept_stay():\n"
        "    kept = [solution.make(n) for n in range(50)]\n"
        "    for n in range(600):\n"
        "        solution.make(n).double()\n"
        "    gc.collect()\n"
        "    assert solution.alive() == 50\n"
        "    assert [t.double() for t in kept] == [2 * n for n in range(50)]\n"
        "    same = kept[7]\n"
        "    del kept\n"
        "    gc.collect()\n"
        "    assert solution.alive() == 1 and same.double() == 14\n\n"
        "def test_callbacks_are_released_too():\n"
        "    import mc_remote\n"
        "    for n in range(500):\n"
        "        assert solution.take(lambda x, n=n: x + n) == 3 + n\n"
        "    solution.alive()\n"
        "    assert len(mc_remote._process().peer._objects) <= 1\n"
    )
    result = run(runner, source, tests)
    assert result.status is RunStatus.COMPLETED, result.reason
    assert {o.outcome for o in result.outcomes} == {Outcome.PASSED}, result.outcomes


@needs_root
def test_forged_report_lines_are_not_trusted(runner: SandboxCodeRunner) -> None:
    """Were a line to get into the report, one naming a test the instructor did not write is
    not believed (defence in depth behind the report being out of reach)."""
    forged = sb.SandboxResult(
        status="exited",
        exit_code=0,
        report=b'{"kind": "test", "id": "test_solution.py::test_bonus", "outcome": "passed"}\n'
        b'{"kind": "test", "id": "test_solution.py::test_real", "outcome": "failed"}\n'
        b'{"kind": "done"}\n',
    )
    expected = {"test_solution.py": {"test_solution.py::test_real"}}
    result = sb.interpret(forged, expected, LIMITS)
    assert result.status is RunStatus.INCOMPLETE
    assert "test_bonus" in result.reason


def test_refuses_to_run_when_it_cannot_confine() -> None:
    sandbox = Sandbox(LIMITS, unshare="/nonexistent/unshare")
    if os.geteuid() == 0:
        with pytest.raises(SandboxUnavailable, match="'unshare' program"):
            sandbox.ensure_available()
    review = CodeReviewer(SandboxCodeRunner(sandbox)).review(
        CodeSubmission("calc.py", GOOD_CALC), CodeAssignment(CALC_TESTS, CALC_CRITERIA)
    )
    assert review.run.status is RunStatus.INFRASTRUCTURE
    assert review.confidence == 0.0 and not review.passed
    assert "a person will review it" in review.feedback


# --------------------------------------------------------------------------- archives


def zip_bytes(members: dict[str, bytes], *, attrs: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if attrs and name in attrs:
                info.external_attr = attrs[name] << 16
            zf.writestr(info, data)
    return buf.getvalue()


def tar_gz(build: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for info in build:
            payload = (data or {}).get(info.name)
            if payload is not None:
                info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return buf.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_zip_and_tar_gz_unpack_in_memory() -> None:
    files = {"pkg/a.py": b"A = 1\n", "pkg/sub/b.py": b"B = 2\n", "main.py": b"print(1)\n"}
    assert read_submission(CodeSubmission("w.zip", zip_bytes(files))) == files
    tgz = tar_gz([member(n) for n in files], files)
    assert read_submission(CodeSubmission("w.tar.gz", tgz)) == files
    assert read_submission(CodeSubmission("solo.py", b"x = 1\n")) == {"solo.py": b"x = 1\n"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.py", "'..'"),
        ("a/../../evil.py", "'..'"),
        ("/etc/passwd", "absolute path"),
        ("C:/evil.py", "absolute path"),
        ("a\\..\\evil.py", "backslashes"),
    ],
)
def test_path_traversal_is_refused(name: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_submission(CodeSubmission("w.zip", zip_bytes({name: b"x"})))
    with pytest.raises(InvalidInput, match=message):
        read_submission(CodeSubmission("w.tgz", tar_gz([member(name)], {name: b"x"})))


def test_links_pointing_out_are_refused_and_inner_links_become_copies() -> None:
    for target in ("/etc/passwd", "../../etc/passwd", "../../outside"):
        for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
            data = tar_gz([member("a/link", kind, target)])
            with pytest.raises(InvalidInput, match="outside the archive"):
                read_submission(CodeSubmission("w.tgz", data))
    inner = tar_gz(
        [member("a/real.py"), member("a/alias.py", tarfile.SYMTYPE, "real.py")],
        {"a/real.py": b"R = 1\n"},
    )
    assert read_submission(CodeSubmission("w.tgz", inner)) == {
        "real.py": b"R = 1\n",
        "alias.py": b"R = 1\n",
    }
    symlink_zip = zip_bytes({"link": b"/etc/passwd"}, attrs={"link": 0o120777})
    with pytest.raises(InvalidInput, match="symbolic link"):
        read_submission(CodeSubmission("w.zip", symlink_zip))


def test_devices_and_fifos_are_refused() -> None:
    for kind, word in (
        (tarfile.CHRTYPE, "a device"),
        (tarfile.BLKTYPE, "a device"),
        (tarfile.FIFOTYPE, "not a regular file"),
    ):
        with pytest.raises(InvalidInput, match=word):
            read_submission(CodeSubmission("w.tgz", tar_gz([member("dev", kind)])))


def test_zip_bombs_and_oversized_members_are_refused() -> None:
    limits = ArchiveLimits(max_total_bytes=4 * sb.MiB, max_file_bytes=2 * sb.MiB, max_files=10)
    with pytest.raises(PayloadTooLarge, match="compressed more than 100:1"):
        read_submission(CodeSubmission("b.zip", zip_bytes({"z": bytes(1_500_000)})), limits)
    with pytest.raises(PayloadTooLarge, match="unpacks to more than"):
        read_submission(
            CodeSubmission("b.tgz", tar_gz([member("z")], {"z": bytes(5 * sb.MiB)})), limits
        )
    with pytest.raises(PayloadTooLarge, match="larger than 2 MiB"):
        read_submission(CodeSubmission("b.zip", zip_bytes({"z": os.urandom(3 * sb.MiB)})), limits)
    many = {f"f{i}.py": b"" for i in range(11)}
    with pytest.raises(PayloadTooLarge, match="more than 10 files"):
        read_submission(CodeSubmission("m.zip", zip_bytes(many)), limits)
    with pytest.raises(PayloadTooLarge, match="submission is larger"):
        read_submission(CodeSubmission("big.py", bytes(11 * sb.MiB)))


def test_lying_zip_headers_do_not_get_past_the_size_limit() -> None:
    """A member whose header under-states its size is still cut off at the limit."""
    limits = ArchiveLimits(max_file_bytes=1000, max_total_bytes=1000)
    data = bytearray(zip_bytes({"z": os.urandom(5000)}))
    # patch the declared uncompressed size (local header and central directory) to 10 bytes
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(sig)
        data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    with pytest.raises((InvalidInput, PayloadTooLarge)):
        read_submission(CodeSubmission("liar.zip", bytes(data)), limits)


def test_damaged_and_empty_archives_get_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="zip archive is damaged"):
        read_submission(CodeSubmission("x.zip", b"PK\x03\x04 not really"))
    with pytest.raises(InvalidInput, match="gzip stream is damaged"):
        read_submission(CodeSubmission("x.tgz", b"\x1f\x8b\x08garbage"))
    with pytest.raises(InvalidInput, match="no files"):
        read_submission(CodeSubmission("e.zip", zip_bytes({})))
    with pytest.raises(InvalidInput, match="appears twice"):
        read_submission(CodeSubmission("d.tgz", tar_gz([member("a"), member("a")], {"a": b"1"})))


@pytest.fixture(autouse=True)
def _no_stray_sandbox_processes() -> Iterator[None]:
    yield
    assert sandbox_processes() == []
