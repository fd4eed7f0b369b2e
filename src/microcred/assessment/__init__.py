"""Rubric-based assessment: rubrics, reviewers, measured agreement, calibration and routing.

Pure code (standard library, numpy, scipy): models and model servers are reached through the
``Embedder`` protocol and adapters in ``microcred.adapters.ai``. The main entry points:

- ``rubric.Rubric`` / ``Criterion`` / ``Level`` / ``Exemplar``: what work is graded against;
- ``trained_reviewer.TrainedReviewer.train(rubric, graded, embedder)``: learn a rubric from
  human-graded answers; ``.review(rubric, answers)`` → ``domain.review.Review``;
  ``.trust(policy)`` → ``routing.Trust`` (measured agreement + confidence threshold);
- ``embedding_reviewer.EmbeddingReviewer``: grades with no graded work;
- ``routing.route(review, trust)``: may the AI decide alone?;
- ``domain.review.RubricDecision``: the grade that stands, who decided, and the measured
  agreement (reviews and decisions are domain types: submissions record them);
- ``evaluation.evaluate(...)``: the ``microcred assess evaluate`` code path.
"""

from microcred.assessment.calibration import Calibrator
from microcred.assessment.code_audit import (
    AUDIT_SHARE,
    AuditAgreement,
    check_audit_share,
    sampled_for_audit,
)
from microcred.assessment.code_review import (
    HIGH_CONFIDENCE,
    CodeAssignment,
    CodeReview,
    CodeReviewer,
    CodeSubmission,
    CriterionTests,
    Outcome,
    RunStatus,
    TestOutcome,
    TestRun,
)
from microcred.assessment.embedder import Embedder
from microcred.assessment.embedding_reviewer import EmbeddingReviewer
from microcred.assessment.evaluation import evaluate, load_dataset
from microcred.assessment.reviewer import Reviewer
from microcred.assessment.routing import RoutingPolicy, Trust, route
from microcred.assessment.rubric import Criterion, Exemplar, Level, Rubric
from microcred.assessment.trained_reviewer import (
    MIN_GRADED,
    GradedAnswer,
    NotEnoughGradedWork,
    TrainedReviewer,
    should_retrain,
)

__all__ = [
    "AUDIT_SHARE",
    "HIGH_CONFIDENCE",
    "MIN_GRADED",
    "AuditAgreement",
    "Calibrator",
    "CodeAssignment",
    "CodeReview",
    "CodeReviewer",
    "CodeSubmission",
    "Criterion",
    "CriterionTests",
    "Embedder",
    "EmbeddingReviewer",
    "Exemplar",
    "GradedAnswer",
    "Level",
    "NotEnoughGradedWork",
    "Outcome",
    "Reviewer",
    "RoutingPolicy",
    "Rubric",
    "RunStatus",
    "TestOutcome",
    "TestRun",
    "TrainedReviewer",
    "Trust",
    "check_audit_share",
    "evaluate",
    "load_dataset",
    "route",
    "sampled_for_audit",
    "should_retrain",
]
