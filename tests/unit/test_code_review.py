"""The code reviewer's scoring, confidence and feedback, on hand-built test runs (pure)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from microcred.assessment.code_review import (
    CodeAssignment,
    CodeReviewer,
    CodeSubmission,
    CriterionTests,
    Outcome,
    RunStatus,
    TestOutcome,
    TestRun,
    score_run,
    validate_mapping,
)
from microcred.errors import InvalidInput

TESTS = {"test_calc.py": b"def test_add(): pass\n"}
CRITERIA = (
    CriterionTests("add", ("test_add*",), 3.0, "Addition"),
    CriterionTests("mul", ("test_calc.py::test_mul",), 2.0, "Multiplication"),
)


def assignment(pass_fraction: float = 1.0) -> CodeAssignment:
    return CodeAssignment(TESTS, CRITERIA, pass_fraction=pass_fraction)


def t(name: str, outcome: Outcome = Outcome.PASSED, message: str = "", blocked: str | None = None):
    return TestOutcome(f"test_calc.py::{name}", outcome, message, blocked)


def completed(*outcomes: TestOutcome) -> TestRun:
    return TestRun(RunStatus.COMPLETED, outcomes)


def test_all_passing_earns_every_point_with_high_confidence() -> None:
    review = score_run(
        completed(t("test_add"), t("test_add_negative"), t("test_mul[1-2]"), t("test_mul[3-4]")),
        assignment(),
    )
    assert [(c.criterion_id, c.points) for c in review.criteria] == [("add", 3.0), ("mul", 2.0)]
    assert review.passed and review.points == review.max_points == 5.0
    assert review.confidence == pytest.approx(0.95)
    assert review.reasons == ()
    assert "4 of 4 tests passed; 5 of 5 points." in review.feedback


def test_partial_work_scores_per_criterion_and_quotes_failures() -> None:
    review = score_run(
        completed(
            t("test_add"),
            t("test_add_negative", Outcome.FAILED, "AssertionError: assert -3 == 3\n +  where"),
            t("test_mul[1-2]"),
            t("test_mul[3-4]", Outcome.FAILED, "AssertionError: mul(3, 4) should be 12"),
        ),
        assignment(),
    )
    assert [c.points for c in review.criteria] == [1.5, 1.0]
    assert review.criteria[0].failed == ("test_calc.py::test_add_negative",)
    assert review.points == 2.5 and review.fraction == 0.5
    assert not review.passed
    assert review.confidence == pytest.approx(0.95)  # failing tests are a deterministic verdict
    assert "Addition: 1.5/3 points, 1 of 2 tests did not pass:" in review.feedback
    assert "test_add_negative failed — AssertionError: assert -3 == 3 / +  where" in review.feedback
    assert "test_mul[3-4] failed — AssertionError: mul(3, 4) should be 12" in review.feedback


def test_pass_mark_decides_the_overall_result() -> None:
    run = completed(t("test_add"), t("test_mul", Outcome.FAILED))
    assert score_run(run, assignment(pass_fraction=0.6)).passed
    assert not score_run(run, assignment(pass_fraction=0.7)).passed


def test_skipped_tests_do_not_count() -> None:
    review = score_run(
        completed(t("test_add"), t("test_add_2", Outcome.SKIPPED), t("test_mul")), assignment()
    )
    assert review.points == 5.0 and review.passed


def test_timeouts_and_sandbox_blocks_lower_confidence_so_a_human_looks() -> None:
    slow = score_run(
        completed(
            t(
                "test_add",
                Outcome.TIMEOUT,
                "took too long",
                "the per-test time limit (5 s) was reached",
            ),
            t("test_mul"),
        ),
        assignment(),
    )
    assert slow.confidence <= 0.4
    assert "per-test time limit" in slow.reasons[0]
    net = score_run(
        completed(
            t("test_add", Outcome.FAILED, "OSError: [Errno 101]", "network access is not allowed"),
            t("test_mul"),
        ),
        assignment(),
    )
    assert net.confidence == pytest.approx(0.6)
    assert "stopped by the sandbox: network access is not allowed" in net.feedback
    memory = score_run(
        completed(
            t("test_add", Outcome.FAILED, "MemoryError", "the memory limit (512 MiB) was reached"),
            t("test_mul"),
        ),
        assignment(),
    )
    assert memory.confidence == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("status", "ceiling"),
    [
        (RunStatus.SYNTAX_ERROR, 0.9),
        (RunStatus.COLLECTION_ERROR, 0.6),
        (RunStatus.CRASHED, 0.3),
        (RunStatus.INCOMPLETE, 0.3),
        (RunStatus.CPU_LIMIT, 0.3),
        (RunStatus.TIMEOUT, 0.2),
        (RunStatus.INFRASTRUCTURE, 0.0),
    ],
)
def test_run_endings_cap_confidence(status: RunStatus, ceiling: float) -> None:
    run = TestRun(
        status,
        (t("test_add", Outcome.NOT_RUN), t("test_mul", Outcome.NOT_RUN)),
        reason=f"ended: {status.value}",
    )
    review = score_run(run, assignment())
    assert review.confidence == pytest.approx(ceiling)
    assert review.points == 0.0 and not review.passed
    assert f"ended: {status.value}" in review.feedback
    assert review.reasons[0] == f"ended: {status.value}"


def test_infrastructure_failure_never_passes_and_asks_for_a_person() -> None:
    review = score_run(TestRun(RunStatus.INFRASTRUCTURE, reason="sandbox refused"), assignment())
    assert not review.passed and review.confidence == 0.0
    assert review.feedback.startswith("Your code could not be tested automatically")
    assert "sandbox refused" in review.feedback


def test_a_criterion_no_test_matches_is_flagged_not_silently_zero() -> None:
    review = score_run(completed(t("test_add")), assignment())
    assert review.criteria[1].points == 0.0
    assert review.confidence == pytest.approx(0.3)
    assert "No test matched criterion 'Multiplication'." in review.reasons


def test_feedback_trims_long_messages_and_caps_how_many_it_quotes() -> None:
    long_message = "AssertionError: " + "x" * 1000
    run = completed(
        *(t(f"test_add_{i}", Outcome.FAILED, long_message) for i in range(12)), t("test_mul")
    )
    review = score_run(run, assignment())
    quoted = [ln for ln in review.feedback.splitlines() if "test_add_" in ln]
    assert len(quoted) == 8
    assert all(len(ln) < 300 and ln.endswith("…") for ln in quoted)
    assert "(more failing tests not shown)" in review.feedback


def test_matching_uses_full_id_base_id_or_bare_name() -> None:
    c = CriterionTests("c", ("test_a",), 1.0)
    assert c.matches("f.py::test_a") and c.matches("f.py::test_a[1-2]")
    assert not c.matches("f.py::test_ab")
    assert CriterionTests("c", ("f.py::*",), 1.0).matches("f.py::TestX::test_y")
    assert CriterionTests("c", ("TestX::*",), 1.0).matches("f.py::TestX::test_y") is False


def test_invalid_mappings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one criterion"):
        validate_mapping(())
    with pytest.raises(InvalidInput, match="mapped twice"):
        validate_mapping((CriterionTests("a", ("x",), 1), CriterionTests("a", ("y",), 1)))
    with pytest.raises(InvalidInput, match="names no tests"):
        validate_mapping((CriterionTests("a", (), 1),))
    with pytest.raises(InvalidInput, match="more than 0 points"):
        validate_mapping((CriterionTests("a", ("x",), 0),))
    with pytest.raises(InvalidInput, match="pass mark"):
        CodeAssignment(TESTS, CRITERIA, pass_fraction=0)


class RecordingRunner:
    """A stand-in runner returning a fixed run: the reviewer's own logic is under test here;
    the real sandbox runner is exercised in tests/integration/test_sandbox.py."""

    def __init__(self, run: TestRun) -> None:
        self.run = run
        self.calls: list[tuple[str, Mapping[str, bytes], str]] = []

    def run_tests(
        self, submission: CodeSubmission, tests: Mapping[str, bytes], language: str
    ) -> TestRun:
        self.calls.append((submission.filename, tests, language))
        return self.run


def test_reviewer_runs_the_assignment_tests_and_scores_them() -> None:
    runner = RecordingRunner(completed(t("test_add"), t("test_mul")))
    review = CodeReviewer(runner).review(CodeSubmission("calc.py", b"..."), assignment())
    assert runner.calls == [("calc.py", TESTS, "python")]
    assert review.passed and review.run is runner.run
