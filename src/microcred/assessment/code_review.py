"""The code reviewer: a learner's code judged by the instructor's tests.

Pure: it never runs anything itself. A :class:`CodeRunner` (the sandbox adapter in
``microcred.adapters.sandbox``) runs the tests and hands back a :class:`TestRun`; this module
turns that into per-criterion scores, an overall result, feedback quoting the failing tests and a
confidence that sends anything the tests could not judge cleanly to a human.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Protocol

from microcred.errors import InvalidInput


class Outcome(StrEnum):
    """What happened to one test."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # setup/teardown failed, or the test could not be collected
    SKIPPED = "skipped"
    TIMEOUT = "timeout"  # the per-test time limit stopped it
    NOT_RUN = "not_run"  # the run ended (killed, crashed) before reaching it


class RunStatus(StrEnum):
    """How the whole run ended."""

    COMPLETED = "completed"
    SYNTAX_ERROR = "syntax_error"  # the learner's code does not parse
    COLLECTION_ERROR = "collection_error"  # a test file could not be imported
    TIMEOUT = "timeout"  # wall-clock limit: the sandbox killed every process
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"  # the run as a whole ran out of memory
    CRASHED = "crashed"  # the test process died (signal, os._exit, interpreter abort)
    INCOMPLETE = "incomplete"  # the report is missing tests or names tests we never wrote
    INFRASTRUCTURE = "infrastructure"  # the sandbox could not run (refused, misconfigured)


#: Run endings whose outcome says something about the learner's code, not about our machinery.
_DETERMINISTIC = {RunStatus.COMPLETED, RunStatus.SYNTAX_ERROR, RunStatus.COLLECTION_ERROR}


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """The result of one test, as the runner reported it."""

    __test__ = False  # not a pytest test class

    test_id: str  # "test_file.py::test_name[param]"
    outcome: Outcome
    message: str = ""  # the assertion or exception message, trimmed
    #: Set when the sandbox itself stopped the test, e.g. "network access is not allowed".
    blocked: str | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class TestRun:
    """Everything a runner learned from one run of the instructor's tests."""

    __test__ = False

    status: RunStatus
    outcomes: tuple[TestOutcome, ...] = ()
    #: A plain-language reason when ``status`` is not ``COMPLETED``.
    reason: str = ""
    #: The head of the combined stdout/stderr, already trimmed by the runner.
    output: str = ""
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class CodeSubmission:
    """A learner's code: an archive (zip, tar, tar.gz) or a single source file, as bytes."""

    filename: str
    content: bytes


class CodeRunner(Protocol):
    """Runs instructor tests against a submission, isolated from everything else."""

    def run_tests(
        self, submission: CodeSubmission, tests: Mapping[str, bytes], language: str
    ) -> TestRun:
        """Run ``tests`` (file name → source) against ``submission`` and report every test."""


@dataclass(frozen=True, slots=True)
class CriterionTests:
    """Which tests judge one rubric criterion: ``fnmatch`` patterns on test ids."""

    criterion_id: str
    patterns: tuple[str, ...]
    max_points: float
    name: str = ""

    @property
    def label(self) -> str:
        """How feedback names the criterion."""
        return self.name or self.criterion_id

    def matches(self, test_id: str) -> bool:
        """Whether ``test_id`` (or its file-less / parameter-less forms) matches a pattern."""
        base = test_id.split("[", 1)[0]
        name = base.rsplit("::", 1)[-1]
        return any(fnmatchcase(t, p) for p in self.patterns for t in (test_id, base, name))


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """Points earned on one criterion, with the tests behind them."""

    criterion_id: str
    points: float
    max_points: float
    passed: tuple[str, ...]
    failed: tuple[str, ...]  # failed, errored, timed out or never run


@dataclass(frozen=True, slots=True)
class CodeReview:
    """The code reviewer's verdict."""

    criteria: tuple[CriterionScore, ...]
    points: float
    max_points: float
    passed: bool
    confidence: float
    feedback: str
    run: TestRun
    reasons: tuple[str, ...] = field(default=())

    @property
    def fraction(self) -> float:
        """Points earned as a share of the maximum (0 when the rubric has no points)."""
        return self.points / self.max_points if self.max_points else 0.0


def validate_mapping(criteria: Sequence[CriterionTests]) -> None:
    """Refuse a criterion mapping that cannot score anything."""
    if not criteria:
        raise InvalidInput("The code reviewer needs at least one criterion mapped to tests.")
    seen: set[str] = set()
    for c in criteria:
        if c.criterion_id in seen:
            raise InvalidInput(f"Criterion {c.criterion_id!r} is mapped twice.")
        seen.add(c.criterion_id)
        if not c.patterns:
            raise InvalidInput(f"Criterion {c.criterion_id!r} names no tests.")
        if c.max_points <= 0:
            raise InvalidInput(f"Criterion {c.criterion_id!r} must be worth more than 0 points.")


@dataclass(frozen=True, slots=True)
class CodeAssignment:
    """What the instructor provides: test files, the rubric mapping and the pass mark."""

    tests: Mapping[str, bytes]
    criteria: tuple[CriterionTests, ...]
    language: str = "python"
    #: Share of the points needed to pass (1.0: every mapped test must pass).
    pass_fraction: float = 1.0

    def __post_init__(self) -> None:
        validate_mapping(self.criteria)
        if not 0.0 < self.pass_fraction <= 1.0:
            raise InvalidInput("The pass mark must be a share between 0 (exclusive) and 1.")


#: Confidence when every test ran to a deterministic verdict.
HIGH_CONFIDENCE = 0.95
#: Caps on confidence, by what went wrong; the lowest applicable cap wins.
_RUN_CONFIDENCE = {
    RunStatus.COMPLETED: HIGH_CONFIDENCE,
    RunStatus.SYNTAX_ERROR: 0.9,
    RunStatus.COLLECTION_ERROR: 0.6,
    RunStatus.INCOMPLETE: 0.3,
    RunStatus.CRASHED: 0.3,
    RunStatus.CPU_LIMIT: 0.3,
    RunStatus.MEMORY_LIMIT: 0.3,
    RunStatus.TIMEOUT: 0.2,
    RunStatus.INFRASTRUCTURE: 0.0,
}
_TEST_TIMEOUT_CONFIDENCE = 0.4
_RESOURCE_CONFIDENCE = 0.5  # memory, disk, file size, process limits: may depend on the host
_POLICY_CONFIDENCE = 0.6  # network or writes outside: deterministic, but worth a human look
_UNMAPPED_CONFIDENCE = 0.3  # a criterion matched no test: the mapping, not the learner, is off

_FAILING = {Outcome.FAILED, Outcome.ERROR, Outcome.TIMEOUT, Outcome.NOT_RUN}
_MAX_QUOTED = 8
_MESSAGE_CHARS = 240


def score_run(run: TestRun, assignment: CodeAssignment) -> CodeReview:
    """Score a finished :class:`TestRun` against the rubric mapping (pure)."""
    reasons: list[str] = []
    if run.status is not RunStatus.COMPLETED:
        reasons.append(run.reason or f"The run ended with status {run.status.value}.")
    scores = []
    unmapped = False
    for criterion in assignment.criteria:
        mine = [o for o in run.outcomes if criterion.matches(o.test_id)]
        counted = [o for o in mine if o.outcome is not Outcome.SKIPPED]
        passed = tuple(o.test_id for o in counted if o.outcome is Outcome.PASSED)
        failed = tuple(o.test_id for o in counted if o.outcome in _FAILING)
        if not counted and run.status is not RunStatus.INFRASTRUCTURE:
            unmapped = True
            reasons.append(f"No test matched criterion {criterion.label!r}.")
        share = len(passed) / len(counted) if counted else 0.0
        scores.append(
            CriterionScore(
                criterion.criterion_id,
                round(criterion.max_points * share, 4),
                criterion.max_points,
                passed,
                failed,
            )
        )
    points = round(sum(s.points for s in scores), 4)
    max_points = sum(s.max_points for s in scores)
    confidence = _confidence(run, unmapped, reasons)
    passed_overall = (
        run.status is not RunStatus.INFRASTRUCTURE
        and points >= assignment.pass_fraction * max_points - 1e-9
    )
    return CodeReview(
        criteria=tuple(scores),
        points=points,
        max_points=max_points,
        passed=passed_overall,
        confidence=confidence,
        feedback=_feedback(run, assignment, scores, points, max_points),
        run=run,
        reasons=tuple(reasons),
    )


def _confidence(run: TestRun, unmapped: bool, reasons: list[str]) -> float:
    caps = [_RUN_CONFIDENCE[run.status]]
    if unmapped:
        caps.append(_UNMAPPED_CONFIDENCE)
    if any(o.outcome is Outcome.TIMEOUT for o in run.outcomes):
        caps.append(_TEST_TIMEOUT_CONFIDENCE)
        reasons.append("A test hit the per-test time limit; a slow host could cause that.")
    blocked = {o.blocked for o in run.outcomes if o.blocked and o.outcome is not Outcome.TIMEOUT}
    for what in sorted(blocked):
        policy = "not allowed" in what
        caps.append(_POLICY_CONFIDENCE if policy else _RESOURCE_CONFIDENCE)
        reasons.append(f"The sandbox stopped the code: {what}.")
    return min(caps)


def _feedback(
    run: TestRun,
    assignment: CodeAssignment,
    scores: Sequence[CriterionScore],
    points: float,
    max_points: float,
) -> str:
    counted = [o for o in run.outcomes if o.outcome is not Outcome.SKIPPED]
    n_pass = sum(o.outcome is Outcome.PASSED for o in counted)
    lines: list[str] = []
    if run.status is RunStatus.INFRASTRUCTURE:
        lines.append("Your code could not be tested automatically; a person will review it.")
        lines.append(run.reason)
        return "\n".join(x for x in lines if x)
    if run.reason:
        lines.append(run.reason)
    lines.append(
        f"{n_pass} of {len(counted)} tests passed; {_num(points)} of {_num(max_points)} points."
    )
    by_id = {o.test_id: o for o in run.outcomes}
    quoted = 0
    for criterion, score in zip(assignment.criteria, scores, strict=True):
        head = f"{criterion.label}: {_num(score.points)}/{_num(score.max_points)} points"
        if not score.failed:
            lines.append(f"- {head}, all {len(score.passed)} tests passed.")
            continue
        lines.append(
            f"- {head}, {len(score.failed)} of {len(score.failed) + len(score.passed)} "
            "tests did not pass:"
        )
        for test_id in score.failed:
            if quoted >= _MAX_QUOTED:
                lines.append("    (more failing tests not shown)")
                break
            lines.append("    " + _describe(by_id[test_id]))
            quoted += 1
    return "\n".join(lines)


def _describe(o: TestOutcome) -> str:
    name = o.test_id.split("::", 1)[-1]
    what = {
        Outcome.FAILED: "failed",
        Outcome.ERROR: "could not run",
        Outcome.TIMEOUT: "took too long",
        Outcome.NOT_RUN: "was not reached",
    }.get(o.outcome, o.outcome.value)
    detail = f"stopped by the sandbox: {o.blocked}" if o.blocked else _trim(o.message)
    return f"{name} {what}" + (f" — {detail}" if detail else "")


def _trim(message: str) -> str:
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    text = " / ".join(lines[:3])
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


class CodeReviewer:
    """Runs the instructor's tests on a submission through a :class:`CodeRunner` and scores them."""

    kind = "code"

    def __init__(self, runner: CodeRunner) -> None:
        self.runner = runner

    def review(self, submission: CodeSubmission, assignment: CodeAssignment) -> CodeReview:
        """Run and score; bad uploads raise :class:`~microcred.errors.InvalidInput`."""
        run = self.runner.run_tests(submission, assignment.tests, assignment.language)
        return score_run(run, assignment)
