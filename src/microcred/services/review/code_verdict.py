"""How the instructor's tests decide a code submission: the stored verdict, whether it stands
alone (clean run, not sampled for an audit, tests not suspended), and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.assessment.code_review import HIGH_CONFIDENCE, CodeReview
from microcred.domain.credential import Evidence, assessment
from microcred.domain.review import TestedCriterion, TestsVerdict
from microcred.ports.review import CodeAssignmentRecord
from microcred.services.review.code_assignments import audits_of

#: Failing tests recorded per criterion.
MAX_FAILED_TESTS = 20


@dataclass(frozen=True, slots=True)
class CodeVerdict:
    """The tests' verdict on one run, and whether it decides the submission."""

    #: recorded as the submission's review (and, when ``auto``, its decision)
    verdict: TestsVerdict
    auto: bool
    why: str
    audit: bool


def clean(result: CodeReview) -> bool:
    """Whether the run ended in a clear result the tests may decide on."""
    return result.confidence >= HIGH_CONFIDENCE


def code_verdict(result: CodeReview, record: CodeAssignmentRecord, audit: bool) -> CodeVerdict:
    """The verdict on ``result`` under the assignment's current policy; ``audit``: the run is
    sampled for a person to check."""
    audits = audits_of(record)
    verdict = TestsVerdict(
        points=result.points,
        max_points=result.max_points,
        passed=result.passed,
        ai_confidence=round(result.confidence, 4),
        criteria=tuple(
            TestedCriterion(c.criterion_id, c.points, c.max_points, c.failed[:MAX_FAILED_TESTS])
            for c in result.criteria
        ),
        feedback=result.feedback,
        measured_agreement=audits.summary() if audits.n else None,
    )
    is_clean = clean(result)
    audit = is_clean and audit
    auto = record.auto_decide and is_clean and not audit and not audits.suspended
    if auto:
        why = "Every test ran to a clear result: the tests decide."
    elif not is_clean:
        why = f"The run was not clean ({'; '.join(result.reasons)[:300]}): a person decides."
    elif audit:
        why = (
            "Sampled for a human audit: a person checks the tests' verdict on "
            f"{record.audit_share:.0%} of clean runs."
        )
    elif audits.suspended:
        why = (
            f"People disagreed with the tests on {audits.false_passes + audits.false_fails} "
            f"of {audits.n} audits: a person decides until the tests are fixed."
        )
    else:
        why = "The instructor asked a person to decide every submission."
    return CodeVerdict(verdict, auto, why, audit)


def code_evidence(result: CodeReview) -> tuple[list[Evidence], list[dict[str, Any]]]:
    """The evidence and result a credential decided by the tests carries."""
    return assessment(
        "Code assessed by the instructor's tests",
        "Decided by the instructor's tests run in a sandbox",
        result.feedback,
        result.points,
        result.max_points,
    )
