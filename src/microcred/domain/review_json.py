"""The one codec between review verdicts and decisions and their stored JSON form.

The stored form is also the API's wire form (``ai_review`` and ``decision`` of a submission), so
its keys never change. Every shape written since reviews existed is read: rubric reviews (trained,
embedding and LLM reviewers), the tests' verdict (with or without the audit fields added later),
the bare routing reason; rubric decisions (with or without ``decidedByUser``), a person's plain
pass / not yet, and the tests' decision. Anything else raises `UnreadableReview`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.domain.review import (
    TESTS_BASIS,
    Agreement,
    AuditSummary,
    CodeDecision,
    CriterionScore,
    DecidedBy,
    GradedCriterion,
    NoAIReview,
    PlainDecision,
    Review,
    ReviewerKind,
    RubricDecision,
    RubricReview,
    SubmissionDecision,
    SubmissionReview,
    TestedCriterion,
    TestsReview,
    TestsVerdict,
)
from microcred.errors import MicrocredError

__all__ = [
    "UnreadableReview",
    "agreement_from_json",
    "audit_to_json",
    "decision_from_json",
    "decision_to_json",
    "review_from_json",
    "review_to_json",
]


class UnreadableReview(MicrocredError):
    """A stored review or decision is in no shape microcred ever wrote."""

    code = "unreadable_review"


class _Fields:
    """Typed reads of one JSON object, each failure naming the field."""

    def __init__(self, data: object, what: str) -> None:
        if not isinstance(data, Mapping):
            raise UnreadableReview(f"The stored {what} is not a JSON object.")
        self.data: Mapping[str, Any] = data
        self.what = what

    def _fail(self, key: str, expected: str) -> UnreadableReview:
        found = "missing" if key not in self.data else f"{type(self.data[key]).__name__}"
        return UnreadableReview(
            f"The stored {self.what} is unreadable: {key!r} should be {expected}, found {found}."
        )

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self._fail(key, "text")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "text or null")
        return value

    def number(self, key: str) -> float:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._fail(key, "a number")
        return float(value)

    def opt_number(self, key: str) -> float | None:
        return None if self.data.get(key) is None else self.number(key)

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "a whole number")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self._fail(key, "true or false")
        return value

    def items(self, key: str) -> list[object]:
        value = self.data.get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self._fail(key, "a list of text")
        return tuple(values)


# --- reviews ---------------------------------------------------------------------------------
def review_to_json(review: SubmissionReview) -> dict[str, Any]:
    """The stored (and wire) form of what the AI review job recorded."""
    if isinstance(review, NoAIReview):
        return {"route": review.route}
    if isinstance(review, TestsReview):
        return _verdict_to_json(review.verdict) | {
            "route": review.route,
            "audit": review.audit,
            "tests": review.tests,
        }
    r = review.review
    return {
        "rubric_id": r.rubric_id,
        "rubric_version": r.rubric_version,
        "reviewer": r.reviewer,
        "points": r.points,
        "max_points": r.max_points,
        "passed": r.passed,
        "confidence": r.confidence,
        "feedback": r.feedback,
        "scores": [
            {
                "criterion_id": s.criterion_id,
                "level": s.level,
                "points": s.points,
                "confidence": s.confidence,
                "feedback": s.feedback,
            }
            for s in r.scores
        ],
        "route": review.route,
        "agreement": review.agreement.as_dict() if review.agreement else None,
    }


def review_from_json(data: object) -> SubmissionReview:
    """Read any stored review (see the module docstring); `UnreadableReview` on anything else."""
    f = _Fields(data, "review")
    if "scores" in f.data:
        return RubricReview(
            Review(
                rubric_id=f.text("rubric_id"),
                rubric_version=f.integer("rubric_version"),
                reviewer=f.text("reviewer"),
                scores=tuple(_score(s) for s in f.items("scores")),
                points=f.number("points"),
                max_points=f.number("max_points"),
                passed=f.flag("passed"),
                confidence=f.number("confidence"),
                feedback=f.text("feedback", ""),
            ),
            route=f.text("route", ""),
            agreement=agreement_from_json(f.data.get("agreement")),
        )
    if _by_the_tests(f):
        return TestsReview(
            _verdict_from(f),
            route=f.text("route", ""),
            audit=f.flag("audit", False),
            tests=f.opt_text("tests"),
        )
    if set(f.data) == {"route"}:
        return NoAIReview(f.text("route"))
    raise UnreadableReview(
        "The stored review is in no known shape (a rubric review, the tests' verdict or a "
        f"routing reason); its keys: {', '.join(sorted(map(str, f.data))) or 'none'}."
    )


def _by_the_tests(f: _Fields) -> bool:
    """Whether the object is the tests' verdict (its reviewer is the code sandbox)."""
    reviewer = f.data.get("reviewer")
    return isinstance(reviewer, str) and ReviewerKind.of(reviewer) is ReviewerKind.CODE


def _score(data: object) -> CriterionScore:
    f = _Fields(data, "criterion score")
    return CriterionScore(
        f.text("criterion_id"),
        f.text("level"),
        f.number("points"),
        f.number("confidence"),
        f.text("feedback", ""),
    )


def agreement_from_json(data: object) -> Agreement | None:
    """A stored `Agreement` (None when none was measured); unknown keys are ignored."""
    if not data:
        return None
    f = _Fields(data, "measured agreement")
    return Agreement(
        qwk=f.number("qwk"),
        exact=f.number("exact"),
        n=f.integer("n"),
        auto_qwk=f.opt_number("auto_qwk"),
        auto_share=f.number("auto_share") if "auto_share" in f.data else 0.0,
        human_qwk=f.opt_number("human_qwk"),
        method=f.text("method", "cross-validation on human-graded answers"),
        auto_qwk_lower=f.opt_number("auto_qwk_lower"),
        auto_human_qwk=f.opt_number("auto_human_qwk"),
        auto_basis=f.text("auto_basis", ""),
    )


# --- the tests' verdict -----------------------------------------------------------------------
def _verdict_to_json(v: TestsVerdict) -> dict[str, Any]:
    return {
        "decidedBy": DecidedBy.AI.value,
        "reviewer": v.reviewer,
        "basis": v.basis,
        "points": v.points,
        "maxPoints": v.max_points,
        "passed": v.passed,
        "aiConfidence": round(v.ai_confidence, 4),
        "measuredAgreement": audit_to_json(v.measured_agreement) if v.measured_agreement else None,
        "criteria": [
            {
                "id": c.criterion_id,
                "points": c.points,
                "maxPoints": c.max_points,
                "failedTests": list(c.failed_tests),
            }
            for c in v.criteria
        ],
        "feedback": v.feedback,
    }


def _verdict_from(f: _Fields) -> TestsVerdict:
    criteria = []
    for item in f.items("criteria"):
        c = _Fields(item, "tested criterion")
        criteria.append(
            TestedCriterion(
                c.text("id"), c.number("points"), c.number("maxPoints"), c.texts("failedTests")
            )
        )
    measured = f.data.get("measuredAgreement")
    return TestsVerdict(
        points=f.number("points"),
        max_points=f.number("maxPoints"),
        passed=f.flag("passed"),
        ai_confidence=f.number("aiConfidence"),
        criteria=tuple(criteria),
        feedback=f.text("feedback", ""),
        measured_agreement=None if measured is None else _audit_from(measured),
        basis=f.text("basis", TESTS_BASIS),
    )


def audit_to_json(a: AuditSummary) -> dict[str, Any]:
    """The JSON view of the audits of some tests (rounded to 4 places)."""

    def r4(x: float | None) -> float | None:
        return None if x is None else round(x, 4)

    return {
        "audits": a.audits,
        "exact": r4(a.exact),
        "kappa": r4(a.kappa),
        "both_pass": a.both_pass,
        "both_fail": a.both_fail,
        "false_passes": a.false_passes,
        "false_fails": a.false_fails,
        "disagreement_upper_95": r4(a.disagreement_upper_95),
        "min_audits": a.min_audits,
        "required_agreement": a.required_agreement,
        "suspended": a.suspended,
        "method": a.method,
    }


def _audit_from(data: object) -> AuditSummary:
    f = _Fields(data, "audit agreement")
    return AuditSummary(
        audits=f.integer("audits"),
        exact=f.opt_number("exact"),
        kappa=f.opt_number("kappa"),
        both_pass=f.integer("both_pass"),
        both_fail=f.integer("both_fail"),
        false_passes=f.integer("false_passes"),
        false_fails=f.integer("false_fails"),
        disagreement_upper_95=f.opt_number("disagreement_upper_95"),
        min_audits=f.integer("min_audits"),
        required_agreement=f.number("required_agreement"),
        suspended=f.flag("suspended"),
        method=f.text("method", "human audits of clean test runs"),
    )


# --- decisions --------------------------------------------------------------------------------
def decision_to_json(decision: SubmissionDecision) -> dict[str, Any]:
    """The stored (and wire) form of the decision that stands; a rubric decision's form is also
    what a credential's result and evidence are built from."""
    if isinstance(decision, CodeDecision):
        return _verdict_to_json(decision.verdict)
    if isinstance(decision, PlainDecision):
        return {
            "decidedBy": DecidedBy.HUMAN.value,
            "passed": decision.passed,
            "feedback": decision.feedback,
            "reviewer": decision.reviewer_id,
        }
    d = decision
    return {
        "rubric": {"id": d.rubric_id, "version": d.rubric_version},
        "points": d.points,
        "maxPoints": d.max_points,
        "passed": d.passed,
        "decidedBy": d.decided_by.value,
        "decidedByUser": d.reviewer_id,
        "reviewer": d.reviewer,
        "aiConfidence": None if d.ai_confidence is None else round(d.ai_confidence, 4),
        "measuredAgreement": d.agreement.as_dict() if d.agreement else None,
        "criteria": [
            {"id": s.criterion_id, "level": s.level, "points": s.points} for s in d.criteria
        ],
        "feedback": d.feedback,
    }


def decision_from_json(data: object) -> SubmissionDecision:
    """Read any stored decision (see the module docstring); `UnreadableReview` otherwise."""
    f = _Fields(data, "decision")
    if "rubric" in f.data:
        rubric = _Fields(f.data["rubric"], "decision's rubric")
        criteria = []
        for item in f.items("criteria"):
            c = _Fields(item, "decided criterion")
            criteria.append(GradedCriterion(c.text("id"), c.text("level"), c.number("points")))
        return RubricDecision(
            rubric_id=rubric.text("id"),
            rubric_version=rubric.integer("version"),
            criteria=tuple(criteria),
            points=f.number("points"),
            max_points=f.number("maxPoints"),
            passed=f.flag("passed"),
            feedback=f.text("feedback", ""),
            decided_by=_decided_by(f),
            reviewer=f.opt_text("reviewer"),
            ai_confidence=f.opt_number("aiConfidence"),
            agreement=agreement_from_json(f.data.get("measuredAgreement")),
            reviewer_id=f.opt_text("decidedByUser"),  # absent in rows written before it was
        )
    if _by_the_tests(f):
        return CodeDecision(_verdict_from(f))
    if _decided_by(f) is DecidedBy.HUMAN:
        return PlainDecision(f.flag("passed"), f.text("feedback", ""), f.opt_text("reviewer"))
    raise UnreadableReview(
        "The stored decision is in no known shape (a rubric grade, a person's pass / not yet "
        f"or the tests' verdict); its keys: {', '.join(sorted(map(str, f.data))) or 'none'}."
    )


def _decided_by(f: _Fields) -> DecidedBy:
    value = f.text("decidedBy")
    try:
        return DecidedBy(value)
    except ValueError:
        raise UnreadableReview(
            f"The stored decision names an unknown decider {value[:40]!r}."
        ) from None
