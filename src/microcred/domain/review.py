"""Review verdicts and decisions on submissions, typed.

A submission's *review* is what the AI review job recorded: a rubric reviewer's suggestion
(`RubricReview`: a trained, embedding or LLM reviewer), the instructor's tests' verdict
(`TestsReview`), or only why a person decides (`NoAIReview`). Its *decision* is the verdict that
stands: a grade against a rubric (`RubricDecision`, by the AI, by a person, or the AI's accepted
by a person), a person's pass / not yet where there is no rubric (`PlainDecision`), or the tests'
verdict standing alone (`CodeDecision`). Their stored JSON form is read and written in one place,
`microcred.domain.review_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from microcred.errors import InvalidInput

#: The name the instructor's tests are recorded under (``reviewer`` in the stored form).
CODE_SANDBOX = "code/sandbox"
#: How the tests' verdict names what it rests on.
TESTS_BASIS = "the instructor's tests"


class ReviewerKind(StrEnum):
    """Which kind of reviewer produced a review."""

    RUBRIC = "rubric"  # a rubric reviewer trained on, or matching, the rubric (``trained/…``)
    LLM = "llm"  # a language model through an OpenAI-compatible endpoint (``llm/<model>``)
    CODE = "code"  # the instructor's tests run in the sandbox (``code/sandbox``)
    NONE = "none"  # no AI review: a person decides

    @classmethod
    def of(cls, reviewer: str) -> ReviewerKind:
        """The kind of a recorded reviewer name (``llm/<model>``, ``code/sandbox``, others)."""
        if reviewer == CODE_SANDBOX:
            return cls.CODE
        return cls.LLM if reviewer.startswith("llm/") else cls.RUBRIC


class DecidedBy(StrEnum):
    """Who made a grading decision."""

    AI = "ai"
    AI_ACCEPTED_BY_HUMAN = "ai_accepted_by_human"
    HUMAN = "human"


class GradingLevel(Protocol):
    """A level of a rubric criterion, as a decision needs it."""

    @property
    def name(self) -> str: ...

    @property
    def points(self) -> float: ...


class GradingCriterion(Protocol):
    """A rubric criterion, as a decision needs it."""

    @property
    def id(self) -> str: ...

    @property
    def levels(self) -> Sequence[GradingLevel]: ...

    def level_index(self, points: float) -> int:
        """The index of the level worth ``points`` (refusing points between levels)."""


class GradingRubric(Protocol):
    """What reviews and decisions read of a rubric (``assessment.rubric.Rubric`` is one)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def criteria(self) -> Sequence[GradingCriterion]: ...

    @property
    def max_points(self) -> float: ...

    @property
    def pass_mark(self) -> float: ...


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """The level given on one criterion, with its confidence and feedback."""

    criterion_id: str
    level: str
    points: float
    #: Calibrated probability that a human grader gives the same level.
    confidence: float
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Agreement:
    """Measured agreement between the AI and human graders on one rubric.

    ``qwk`` and ``exact`` are over all ``n`` held-out human-graded answers. The ``auto_*``
    figures are for the held-out answers the AI would decide alone, with the threshold chosen on
    other answers: ``auto_qwk`` is plain QWK on those answers, ``auto_qwk_lower`` its lower 90%
    bootstrap bound, ``auto_human_qwk`` the human figure it was compared with and
    ``auto_basis`` which figure that is (a second grader on the same answers, or the rubric's).
    """

    qwk: float
    exact: float
    n: int
    auto_qwk: float | None = None
    auto_share: float = 0.0
    #: Human–human agreement on the rubric, when known.
    human_qwk: float | None = None
    method: str = "cross-validation on human-graded answers"
    auto_qwk_lower: float | None = None
    auto_human_qwk: float | None = None
    auto_basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the routing rule's figures only when measured, so agreements
        stored before the rule are written back exactly)."""
        out: dict[str, Any] = {
            "qwk": round(self.qwk, 4),
            "exact": round(self.exact, 4),
            "n": self.n,
            "auto_qwk": None if self.auto_qwk is None else round(self.auto_qwk, 4),
            "auto_share": round(self.auto_share, 4),
            "human_qwk": None if self.human_qwk is None else round(self.human_qwk, 4),
            "method": self.method,
        }
        if self.auto_qwk_lower is not None or self.auto_human_qwk is not None or self.auto_basis:
            lower, human = self.auto_qwk_lower, self.auto_human_qwk
            out["auto_qwk_lower"] = None if lower is None else round(lower, 4)
            out["auto_human_qwk"] = None if human is None else round(human, 4)
            out["auto_basis"] = self.auto_basis
        return out


@dataclass(frozen=True, slots=True)
class Review:
    """A rubric reviewer's suggestion for one answer against one rubric."""

    rubric_id: str
    rubric_version: int
    #: The reviewer's recorded name and version: ``trained/minilm-static``, ``llm/<model>``…
    reviewer: str
    scores: tuple[CriterionScore, ...]
    points: float
    max_points: float
    passed: bool
    #: Calibrated probability that a human gives the same levels on every criterion.
    confidence: float
    feedback: str

    @property
    def kind(self) -> ReviewerKind:
        """Which kind of reviewer wrote it."""
        return ReviewerKind.of(self.reviewer)

    @classmethod
    def from_scores(
        cls, rubric: GradingRubric, reviewer: str, scores: Sequence[CriterionScore], feedback: str
    ) -> Review:
        """Totals, pass/fail and overall confidence from the per-criterion scores."""
        points = sum(s.points for s in scores)
        confidence = 1.0
        for s in scores:
            confidence *= s.confidence
        return cls(
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            reviewer=reviewer,
            scores=tuple(scores),
            points=points,
            max_points=rubric.max_points,
            passed=points >= rubric.pass_mark,
            confidence=confidence,
            feedback=feedback,
        )


@dataclass(frozen=True, slots=True)
class RubricReview:
    """A rubric reviewer's suggestion as recorded on a submission, with the routing reason."""

    review: Review
    #: Why the AI decided alone, or why a person decides.
    route: str
    #: The AI's measured agreement with people on the rubric when it reviewed (None: unmeasured).
    agreement: Agreement | None = None

    @property
    def kind(self) -> ReviewerKind:
        """``RUBRIC`` or ``LLM``."""
        return self.review.kind


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """How often people agreed with the tests in audits, as recorded with a verdict (see
    ``assessment.code_audit.AuditAgreement``, which computes it)."""

    audits: int
    exact: float | None
    kappa: float | None
    both_pass: int
    both_fail: int
    false_passes: int
    false_fails: int
    disagreement_upper_95: float | None
    min_audits: int
    required_agreement: float
    suspended: bool
    method: str = "human audits of clean test runs"


@dataclass(frozen=True, slots=True)
class TestedCriterion:
    """Points on one criterion judged by the tests, and the tests that failed (at most 20)."""

    __test__ = False  # not a pytest test class

    criterion_id: str
    points: float
    max_points: float
    failed_tests: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TestsVerdict:
    """The instructor's tests' verdict on one run of a code submission."""

    __test__ = False

    points: float
    max_points: float
    passed: bool
    #: How clean the run was (0.95 when every test ran to a deterministic result).
    ai_confidence: float
    criteria: tuple[TestedCriterion, ...]
    feedback: str
    #: Audits of the tests so far (None before the first).
    measured_agreement: AuditSummary | None = None
    basis: str = TESTS_BASIS

    @property
    def reviewer(self) -> str:
        """The recorded reviewer name."""
        return CODE_SANDBOX


@dataclass(frozen=True, slots=True)
class TestsReview:
    """The tests' verdict as recorded on a submission, with the routing reason."""

    __test__ = False

    verdict: TestsVerdict
    route: str
    #: Sampled for a person to check the tests' verdict.
    audit: bool = False
    #: The tests' blob (SHA-256) the verdict rests on: a later human decision on a clean run
    #: counts as an audit of these tests (None in rows written before audits existed).
    tests: str | None = None

    @property
    def kind(self) -> ReviewerKind:
        """Always ``CODE``."""
        return ReviewerKind.CODE


@dataclass(frozen=True, slots=True)
class NoAIReview:
    """No AI verdict: only why a person decides (no rubric, or nothing the AI can read)."""

    route: str

    @property
    def kind(self) -> ReviewerKind:
        """Always ``NONE``."""
        return ReviewerKind.NONE


#: What the AI review job recorded on a submission.
SubmissionReview = RubricReview | TestsReview | NoAIReview


@dataclass(frozen=True, slots=True)
class GradedCriterion:
    """The level that stands on one criterion of a decision."""

    criterion_id: str
    level: str
    points: float


@dataclass(frozen=True, slots=True)
class RubricDecision:
    """The grade that stands: who decided, on what, and how far the AI is trusted there."""

    rubric_id: str
    rubric_version: int
    criteria: tuple[GradedCriterion, ...]
    points: float
    max_points: float
    passed: bool
    feedback: str
    decided_by: DecidedBy
    #: The AI reviewer the decision rests on, and its confidence (None: a person graded
    #: without an AI review).
    reviewer: str | None
    ai_confidence: float | None
    agreement: Agreement | None
    #: The person who decided or accepted (None when the AI decided alone).
    reviewer_id: str | None = None

    @classmethod
    def by_ai(cls, review: Review, agreement: Agreement | None) -> RubricDecision:
        """The AI's review stands alone (routing allowed it)."""
        return cls._of(review, DecidedBy.AI, agreement, None)

    @classmethod
    def accepted(
        cls, review: Review, agreement: Agreement | None, reviewer_id: str
    ) -> RubricDecision:
        """A human reviewer accepted the AI's suggestion as it is."""
        return cls._of(review, DecidedBy.AI_ACCEPTED_BY_HUMAN, agreement, reviewer_id)

    @classmethod
    def by_human(
        cls,
        rubric: GradingRubric,
        points_by_criterion: dict[str, float],
        feedback: str,
        reviewer_id: str,
        *,
        review: Review | None = None,
        agreement: Agreement | None = None,
    ) -> RubricDecision:
        """A human graded (or overrode the AI); every criterion must get one of its levels."""
        if set(points_by_criterion) != {c.id for c in rubric.criteria}:
            raise InvalidInput("A human grade must give a level on every criterion of the rubric.")
        criteria = []
        for c in rubric.criteria:
            level = c.levels[c.level_index(points_by_criterion[c.id])]
            criteria.append(GradedCriterion(c.id, level.name, level.points))
        points = sum(s.points for s in criteria)
        return cls(
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            criteria=tuple(criteria),
            points=points,
            max_points=rubric.max_points,
            passed=points >= rubric.pass_mark,
            feedback=feedback,
            decided_by=DecidedBy.HUMAN,
            reviewer=review.reviewer if review else None,
            ai_confidence=review.confidence if review else None,
            agreement=agreement,
            reviewer_id=reviewer_id,
        )

    @classmethod
    def _of(
        cls,
        review: Review,
        who: DecidedBy,
        agreement: Agreement | None,
        reviewer_id: str | None,
    ) -> RubricDecision:
        return cls(
            rubric_id=review.rubric_id,
            rubric_version=review.rubric_version,
            criteria=tuple(
                GradedCriterion(s.criterion_id, s.level, s.points) for s in review.scores
            ),
            points=review.points,
            max_points=review.max_points,
            passed=review.passed,
            feedback=review.feedback,
            decided_by=who,
            reviewer=review.reviewer,
            ai_confidence=review.confidence,
            agreement=agreement,
            reviewer_id=reviewer_id,
        )


@dataclass(frozen=True, slots=True)
class PlainDecision:
    """A person's pass / not yet on a micro-credential without a rubric."""

    passed: bool
    feedback: str
    #: The person who decided.
    reviewer_id: str | None

    @property
    def decided_by(self) -> DecidedBy:
        """Always ``HUMAN``."""
        return DecidedBy.HUMAN

    @property
    def points(self) -> float | None:
        """No points without a rubric."""
        return None

    @property
    def max_points(self) -> float | None:
        """No points without a rubric."""
        return None


@dataclass(frozen=True, slots=True)
class CodeDecision:
    """The instructor's tests' verdict standing alone (a clean run, not sampled for an audit)."""

    verdict: TestsVerdict

    @property
    def decided_by(self) -> DecidedBy:
        """Always ``AI``: the tests decided."""
        return DecidedBy.AI

    @property
    def reviewer_id(self) -> str | None:
        """No person decided."""
        return None

    @property
    def passed(self) -> bool:
        """Whether the tests passed the work."""
        return self.verdict.passed

    @property
    def feedback(self) -> str:
        """The tests' feedback."""
        return self.verdict.feedback

    @property
    def points(self) -> float:
        """Points the tests gave."""
        return self.verdict.points

    @property
    def max_points(self) -> float:
        """Points the tests could give."""
        return self.verdict.max_points


#: The decision that stands on a submission.
SubmissionDecision = RubricDecision | PlainDecision | CodeDecision
