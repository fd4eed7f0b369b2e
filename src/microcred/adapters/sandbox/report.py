"""Reading a run: what the sandbox saw and the harness reported, as a :class:`TestRun`.

The report is JSON lines (``docs/code-review-sandbox.md``); it is matched against the tests the
instructor's files define, so a line naming any other test is not believed.
"""

from __future__ import annotations

import errno
import json
import signal
from collections.abc import Mapping
from typing import Any

from microcred.adapters.sandbox.limits import MiB, SandboxLimits, SandboxResult
from microcred.assessment.code_review import Outcome, RunStatus, TestOutcome, TestRun

# errno values the sandbox produces when it stops something, and what to tell the learner.
_BLOCKED_ERRNO = {
    errno.ENETUNREACH: "network access is not allowed",
    errno.ENETDOWN: "network access is not allowed",
    errno.EHOSTUNREACH: "network access is not allowed",
    errno.EROFS: "writing outside the working directory is not allowed",
    errno.EAGAIN: "the process limit was reached (no more processes or threads)",
    errno.EMFILE: "the open-file limit was reached",
}


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
