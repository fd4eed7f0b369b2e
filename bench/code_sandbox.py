"""What isolating the learner's code costs: seconds per sandboxed code review, and per call from
the instructor's tests into the learner's process, beside the same calls made in-process.

Rows (medians of ``--repeats`` runs, on this shared 2-core machine):

- ``review, 1 test``: a whole run of one trivial test (namespaces, file system, both processes),
  and the CPU time of all its processes;
- ``review, 10 tests``: ten small tests, the shape of a typical exercise;
- ``calls``: one test calling a learner function ``--calls`` times; ``per call`` divides its test
  time by the number of calls;
- ``baseline``: the same calls to the same function defined in this process (no sandbox, no
  second process): what a call costs when nothing separates the tests from the learner's code.

Needs root and util-linux ``unshare`` (the sandbox's requirements).

    python bench/code_sandbox.py [--json] [--repeats 5] [--calls 2000]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from typing import Any

from microcred.adapters.sandbox import Sandbox, SandboxCodeRunner, SandboxLimits
from microcred.assessment.code_review import CodeSubmission, Outcome, RunStatus, TestRun

SOURCE = b"def add(a, b):\n    return a + b\n"


def add(a: int, b: int) -> int:
    """The learner's function of ``SOURCE``, defined here for the in-process baseline."""
    return a + b


def _run(runner: SandboxCodeRunner, tests: str) -> TestRun:
    result = runner.run_tests(
        CodeSubmission("solution.py", SOURCE), {"test_solution.py": tests.encode()}, "python"
    )
    if result.status is not RunStatus.COMPLETED or any(
        o.outcome is not Outcome.PASSED for o in result.outcomes
    ):
        raise SystemExit(f"the benchmark's own tests failed: {result.status} {result.reason}")
    return result


def measure(repeats: int, calls: int) -> dict[str, Any]:
    """Medians of whole reviews, of the calling test, and of the in-process baseline."""
    runner = SandboxCodeRunner(Sandbox(SandboxLimits(wall_seconds=120, test_seconds=60)))
    one = "import solution\n\ndef test_one():\n    assert solution.add(1, 2) == 3\n"
    ten = "import solution\n\n" + "".join(
        f"def test_{i}():\n    assert solution.add({i}, 1) == {i + 1}\n" for i in range(10)
    )
    loop = (
        "import solution\n\ndef test_calls():\n"
        f"    for i in range({calls}):\n        assert solution.add(i, 1) == i + 1\n"
    )
    review_one, review_ten, call_test, cpu_one = [], [], [], []
    _run(runner, one)  # the sandbox verifies itself on first use: not timed
    for _ in range(repeats):
        t0 = time.perf_counter()
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        _run(runner, one)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        review_one.append(time.perf_counter() - t0)
        cpu_one.append(c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime)
        t0 = time.perf_counter()
        _run(runner, ten)
        review_ten.append(time.perf_counter() - t0)
        result = _run(runner, loop)
        call_test.append(result.outcomes[0].duration)
    baseline = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for i in range(calls):
            assert add(i, 1) == i + 1
        baseline.append(time.perf_counter() - t0)
    per_call = statistics.median(call_test) / calls
    per_base = statistics.median(baseline) / calls
    return {
        "repeats": repeats,
        "calls": calls,
        "review_one_test_seconds": statistics.median(review_one),
        "review_one_test_cpu_seconds": statistics.median(cpu_one),
        "review_ten_tests_seconds": statistics.median(review_ten),
        "calls_test_seconds": statistics.median(call_test),
        "per_call_microseconds": per_call * 1e6,
        "baseline_per_call_microseconds": per_base * 1e6,
        "per_call_ratio_to_baseline": per_call / per_base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    result = measure(args.repeats, args.calls)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"code sandbox, medians of {result['repeats']} runs")
    print(f"{'row':<28}{'value':>14}")
    print(f"{'review, 1 test':<28}{result['review_one_test_seconds']:>12.3f} s")
    print(f"{'  CPU, all its processes':<28}{result['review_one_test_cpu_seconds']:>12.3f} s")
    print(f"{'review, 10 tests':<28}{result['review_ten_tests_seconds']:>12.3f} s")
    label = f"calls ({result['calls']:,})"
    print(f"{label:<28}{result['calls_test_seconds']:>12.3f} s")
    print(f"{'per call, isolated':<28}{result['per_call_microseconds']:>11.1f} µs")
    print(f"{'per call, in-process':<28}{result['baseline_per_call_microseconds']:>11.2f} µs")
    print(f"{'ratio':<28}{result['per_call_ratio_to_baseline']:>13.0f}×")


if __name__ == "__main__":
    main()
