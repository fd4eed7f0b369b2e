"""Reviewing submissions: the AI reviews in a background job; what it may not decide alone goes
to the human review queue; a passing decision issues the credential (and, when a pathway is
complete, the pathway's credential) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.assessment.code_review import HIGH_CONFIDENCE, CodeReviewer
from microcred.domain.identity import Permission, Principal
from microcred.domain.learning import PartKind, Submission, SubmissionStatus
from microcred.domain.review import PlainDecision, RubricDecision, RubricReview, TestsReview
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.credentials.issuance import IssuanceService
from microcred.services.ids import new_id
from microcred.services.lti import queue_scores
from microcred.services.review.ai import AIReview
from microcred.services.review.code_assignments import CodeAssignments, SourceFile
from microcred.services.review.outcomes import DecisionOutcomes
from microcred.services.review.rubrics import RubricService, rubric_to_json
from microcred.services.urls import PublicUrls
from microcred.services.webhooks import submission_decided

MAX_FEEDBACK = 10_000
__all__ = ["MAX_FEEDBACK", "QueueItem", "ReviewService"]


@dataclass(frozen=True, slots=True)
class QueueItem:
    """What a reviewer sees: the submission, the rubric beside it, the AI's suggestion."""

    submission: Submission
    rubric: dict[str, Any] | None
    #: the rubric reviewer's suggestion (None: no AI review, or the tests judged the code)
    suggestion: RubricReview | None
    route_reason: str | None
    #: for code: the tests' verdict (passed, points, failing tests, feedback) and the source
    tests_verdict: TestsReview | None = None
    source: tuple[SourceFile, ...] = ()
    #: the e-mail of the person who decided it (None: open, decided by the AI, or since removed)
    decided_by_email: str | None = None


class ReviewService:
    """AI review jobs, the human queue, and decisions."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rubrics: RubricService,
        issuance: IssuanceService,
        urls: PublicUrls,
        code: CodeAssignments | None = None,
        code_reviewer: CodeReviewer | None = None,
    ) -> None:
        self._code = code
        self._code_reviewer = code_reviewer
        self._uow = uow
        self._clock = clock
        self._rubrics = rubrics
        self._issuance = issuance
        self._urls = urls
        self._outcomes = DecisionOutcomes(clock, issuance)
        self._ai = AIReview(uow, clock, rubrics, self._outcomes, code, code_reviewer)

    # --- the AI ----------------------------------------------------------------------------
    def run(self, payload: dict[str, Any]) -> str | None:
        """Job handler: review one submission; its new status (see `AIReview`)."""
        return self._ai.run(payload)

    # --- people ----------------------------------------------------------------------------
    def queue(self, principal: Principal, offset: int = 0, limit: int = 50) -> list[Submission]:
        """Submissions waiting for a person, oldest first."""
        principal.require(Permission.REVIEW_SUBMISSIONS)
        with self._uow() as uow:
            return list(
                uow.tenant(principal.organisation_id).submissions.with_status(
                    SubmissionStatus.IN_HUMAN_REVIEW, offset=offset, limit=limit
                )
            )

    def item(self, principal: Principal, submission_id: str) -> QueueItem:
        """One submission with its rubric and the AI's suggestion."""
        principal.require(Permission.REVIEW_SUBMISSIONS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            submission = scope.submissions.get(submission_id)
            if submission is None:
                raise NotFound("No such submission in your organisation.")
            loaded = self._rubrics.load(scope, submission.achievement_id)
            decision = submission.decision
            reviewer_id = decision.reviewer_id if decision is not None else None
            reviewer = scope.users.get(reviewer_id) if reviewer_id is not None else None
        ai = submission.review
        return QueueItem(
            submission,
            rubric_to_json(loaded[1]) if loaded else None,
            ai if isinstance(ai, RubricReview) else None,
            ai.route if ai else None,
            ai if isinstance(ai, TestsReview) else None,
            self._source(submission),
            reviewer.email if reviewer is not None else None,
        )

    def _source(self, submission: Submission) -> tuple[SourceFile, ...]:
        part = next((p for p in submission.parts if p.kind is PartKind.CODE and p.blob), None)
        if part is None or self._code is None:
            return ()
        try:
            return tuple(self._code.source(part.blob or "", part.filename or "submission"))
        except MicrocredError as exc:  # checked on upload; a tightened limit may refuse it now
            return (SourceFile(part.filename or "submission", "", exc.explain()),)

    def decide(
        self,
        principal: Principal,
        submission_id: str,
        *,
        accept_ai: bool = False,
        points: dict[str, float] | None = None,
        passed: bool | None = None,
        feedback: str = "",
    ) -> Submission:
        """Accept the AI's suggestion, or grade (override) with feedback."""
        principal.require(Permission.REVIEW_SUBMISSIONS)
        if len(feedback) > MAX_FEEDBACK:
            raise InvalidInput(f"Feedback has at most {MAX_FEEDBACK:,} characters.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            submission = scope.submissions.get(submission_id, for_update=True)
            if submission is None:
                raise NotFound("No such submission in your organisation.")
            if submission.user_id == principal.user_id:
                raise PermissionDenied("You cannot review your own submission.")
            submission.require_open()
            if submission.status is SubmissionStatus.SUBMITTED:
                raise Conflict("The AI has not reviewed this submission yet; try again shortly.")
            loaded = self._rubrics.load(scope, submission.achievement_id)
            ai = submission.review if isinstance(submission.review, RubricReview) else None
            review = ai.review if ai else None
            agreement = ai.agreement if ai else None
            if loaded is None:
                self._outcomes.apply_plain(uow, scope, submission, principal, passed, feedback)
                self._count_audit(scope, submission)
            else:
                record, rubric = loaded
                if accept_ai:
                    if review is None:
                        raise Conflict("There is no AI suggestion to accept; grade it instead.")
                    decision = RubricDecision.accepted(review, agreement, principal.user_id)
                else:
                    if points is None:
                        raise InvalidInput("Give points for every criterion, or accept the AI's.")
                    decision = RubricDecision.by_human(
                        rubric,
                        points,
                        feedback,
                        principal.user_id,
                        review=review,
                        agreement=agreement,
                    )
                    # human grades teach the AI and measure it
                    scope.rubrics.add_graded(
                        new_id(),
                        record.id,
                        submission.answer_text,
                        dict(points),
                        "review",
                        submission.id,
                        self._clock.now(),
                    )
                self._outcomes.apply(uow, scope, submission, decision, rubric)
            scope.submissions.update(submission)
            submission_decided(uow, submission, self._clock.now())
            queue_scores(uow, submission, self._clock.now())
            uow.commit()
        return submission

    # --- consequences ----------------------------------------------------------------------
    @staticmethod
    def _count_audit(scope: TenantScope, submission: Submission) -> None:
        """A person's verdict on a clean test run measures the tests (whether the run was
        sampled, the tests were suspended, or the instructor has people decide everything)."""
        ai, decision = submission.review, submission.decision
        if (
            isinstance(ai, TestsReview)
            and ai.tests is not None
            and ai.verdict.ai_confidence >= HIGH_CONFIDENCE
            and isinstance(decision, PlainDecision)
        ):
            scope.rubrics.record_code_audit(
                submission.achievement_id, ai.tests, ai.verdict.passed, decision.passed
            )
