"""The AI review job, in three steps so that no transaction is open while slow work runs (on
SQLite a transaction holds the one write lock: every issuance would wait for a sandbox run):

1. read the submission and what judges it, the instructor's tests or the rubric (a short
   read-only transaction);
2. run the tests in the sandbox, or score the text with the rubric's reviewer (retraining it
   first when enough new graded work has come in), with no transaction open;
3. write the outcome in a short transaction that locks the submission and first checks that it
   is still waiting as it was read, and still judged by the same tests or rubric version.

A run interrupted before step 3 commits has written nothing: the submission is still
``submitted`` and the job queue runs it again (a failure is retried with backoff; the job of a
worker that vanished is released after ``stale_after``). When the submission moved on meanwhile
(another run of the job finished it, a person decided it, the learner resubmitted), step 3
writes nothing and logs why; the job ends normally (nobody sees an error). When the tests or
the rubric changed, step 3 raises `Conflict` and the queue retries the review against the new
ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from microcred.assessment.code_audit import sampled_for_audit
from microcred.assessment.code_review import CodeReview, CodeReviewer, CodeSubmission
from microcred.assessment.routing import Trust, route
from microcred.assessment.rubric import Rubric
from microcred.domain.learning import PartKind, Submission, SubmissionPart, SubmissionStatus
from microcred.domain.review import (
    CodeDecision,
    DecidedBy,
    NoAIReview,
    Review,
    RubricDecision,
    RubricReview,
    TestsReview,
)
from microcred.errors import Conflict
from microcred.ports.clock import Clock
from microcred.ports.review import CodeAssignmentRecord, RubricRecord
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.services.lti import queue_scores
from microcred.services.review.code_assignments import CodeAssignments
from microcred.services.review.code_verdict import clean, code_evidence, code_verdict
from microcred.services.review.outcomes import DecisionOutcomes
from microcred.services.review.rubrics import RubricService
from microcred.services.webhooks import submission_decided

log = logging.getLogger(__name__)

NO_RUBRIC = "No rubric or no text the AI can read: a person reviews this submission."


@dataclass(frozen=True, slots=True)
class ReviewInputs:
    """What one review reads: the submission, and the tests or the rubric that judge it."""

    submission: Submission
    code_part: SubmissionPart | None
    tests: CodeAssignmentRecord | None
    rubric: tuple[RubricRecord, Rubric] | None

    @property
    def basis(self) -> tuple[object, ...]:
        """What the verdict depends on (not the audit policy, which is read when writing)."""
        t, r = self.tests, self.rubric[0] if self.rubric else None
        return (
            (t.id, t.tests_blob, t.criteria, t.pass_fraction, t.language) if t else None,
            (r.id, r.version) if r else None,
        )


@dataclass(frozen=True, slots=True)
class Judged:
    """The slow step's result: the tests' run, the AI's review, or neither (a person decides)."""

    code: CodeReview | None = None
    review: Review | None = None
    trust: Trust | None = None


def unchanged(read: Submission, current: Submission) -> bool:
    """Whether ``current`` is still waiting for the AI exactly as ``read`` was."""
    return current.status is SubmissionStatus.SUBMITTED and (
        current.review,
        current.decision,
        current.credential_id,
    ) == (read.review, read.decision, read.credential_id)


def moved_on(current: Submission | None) -> str:
    """Why a verdict is dropped: what the submission became while the AI reviewed it."""
    if current is None:
        return "the submission was deleted meanwhile"
    by = current.decision.decided_by if current.decision else None
    decided = f", decided by {'a person' if by is DecidedBy.HUMAN else by}" if by else ""
    return f"it became {current.status.value}{decided} meanwhile"


class AIReview:
    """Job handler: review one submission (see the module docstring for the three steps)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rubrics: RubricService,
        outcomes: DecisionOutcomes,
        code: CodeAssignments | None = None,
        code_reviewer: CodeReviewer | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._rubrics = rubrics
        self._outcomes = outcomes
        self._code = code
        self._code_reviewer = code_reviewer

    def run(self, payload: dict[str, Any]) -> str | None:
        """Review one submission; its new status (None: it had moved on, nothing written)."""
        organisation, submission_id = str(payload["organisation"]), str(payload["submission"])
        with self._uow() as uow:
            read = uow.tenant(organisation).submissions.get(submission_id)
            if read is None or read.status is not SubmissionStatus.SUBMITTED:
                return None  # superseded or already decided
            inputs = self.inputs(uow.tenant(organisation), read)
        judged = self.judge(organisation, inputs)  # slow: no transaction open
        with self._uow() as uow:
            scope = uow.tenant(organisation)
            current = scope.submissions.get(submission_id, for_update=True)
            if current is None or not unchanged(read, current):
                log.info(
                    "AI review of submission %s not written: %s; that outcome stands",
                    submission_id,
                    moved_on(current),
                )
                return None  # decided meanwhile: a person's or another run's outcome stands
            now = self.inputs(scope, current)
            if now.basis != inputs.basis:
                raise Conflict(
                    "The tests or the rubric changed while the AI reviewed this submission; "
                    "it is reviewed again."
                )
            self._write(uow, scope, current, now, judged)
            scope.submissions.update(current)
            submission_decided(uow, current, self._clock.now())
            queue_scores(uow, current, self._clock.now())
            uow.commit()
        return current.status.value

    def inputs(self, scope: TenantScope, submission: Submission) -> ReviewInputs:
        """Read what judges ``submission`` (cheap reads; blobs are read later)."""
        code_part = next((p for p in submission.parts if p.kind is PartKind.CODE and p.blob), None)
        tests = None
        if code_part is not None and self._code is not None and self._code_reviewer is not None:
            tests = scope.rubrics.code_assignment(submission.achievement_id)
        rubric = None if tests else RubricService.load(scope, submission.achievement_id)
        return ReviewInputs(submission, code_part if tests else None, tests, rubric)

    def judge(self, organisation_id: str, inputs: ReviewInputs) -> Judged:
        """The slow step: sandbox run, training, AI scoring. Call it with no transaction open."""
        part, tests = inputs.code_part, inputs.tests
        if part and tests and self._code is not None and self._code_reviewer is not None:
            source = CodeSubmission(
                part.filename or "submission", self._code.code_of(part.blob or "")
            )
            return Judged(code=self._code_reviewer.review(source, self._code.assignment(tests)))
        text = inputs.submission.answer_text
        if inputs.rubric is None or not text.strip():
            return Judged()
        record, rubric = inputs.rubric
        assessor = self._rubrics.assessor(organisation_id, record, rubric)
        return Judged(review=assessor.review(rubric, text), trust=assessor.trust)

    def _write(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        inputs: ReviewInputs,
        judged: Judged,
    ) -> None:
        """Record the verdict under today's policy; decide and issue when it may stand alone."""
        if judged.code is not None and inputs.tests is not None:
            self._write_code(uow, scope, submission, judged.code, inputs.tests)
            return
        if judged.review is None or inputs.rubric is None:
            submission.status = SubmissionStatus.IN_HUMAN_REVIEW
            submission.review = NoAIReview(NO_RUBRIC)
            return
        record, rubric = inputs.rubric
        review, trust = judged.review, judged.trust
        decision_route = route(review, trust, stricter_threshold=record.threshold)
        agreement = trust.agreement if trust else None
        submission.review = RubricReview(review, decision_route.reason, agreement)
        if decision_route.auto:
            decision = RubricDecision.by_ai(review, agreement)
            self._outcomes.apply(uow, scope, submission, decision, rubric)
        else:
            submission.status = SubmissionStatus.IN_HUMAN_REVIEW

    def _write_code(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        result: CodeReview,
        record: CodeAssignmentRecord,
    ) -> None:
        audit = clean(result) and audit_due(scope, submission, record.audit_share)
        verdict = code_verdict(result, record, audit)
        # ``tests`` ties a later human decision to these tests, so that it counts as an audit
        submission.review = TestsReview(
            verdict.verdict, verdict.why, verdict.audit, record.tests_blob
        )
        if not verdict.auto:
            submission.status = SubmissionStatus.IN_HUMAN_REVIEW
            return
        submission.decision = CodeDecision(verdict.verdict)
        submission.feedback = result.feedback
        submission.decided_at = self._clock.now()
        if not result.passed:
            submission.status = SubmissionStatus.NOT_YET
            return
        evidence, results = code_evidence(result)
        self._outcomes.issue(uow, scope, submission, evidence, results)


def audit_due(scope: TenantScope, submission: Submission, share: float) -> bool:
    """Sampled for an audit, or the learner withdrew a sampled submission before a person
    decided it (resubmitting cannot dodge an audit)."""
    if sampled_for_audit(submission.id, share):
        return True
    earlier = [
        s
        for s in scope.submissions.for_user(submission.user_id)
        if s.achievement_id == submission.achievement_id and s.version < submission.version
    ]
    for s in sorted(earlier, key=lambda s: s.version, reverse=True):
        if s.decision and s.decision.decided_by is DecidedBy.HUMAN:
            return False  # a person has looked since
        if isinstance(s.review, TestsReview) and s.review.audit:
            return s.status is SubmissionStatus.SUPERSEDED
    return False
