"""Reviewing submissions: the AI reviews in a background job; what it may not decide alone goes
to the human review queue; a passing decision issues the credential (and, when a pathway is
complete, the pathway's credential) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.assessment.code_audit import sampled_for_audit
from microcred.assessment.code_review import HIGH_CONFIDENCE, CodeReviewer, CodeSubmission
from microcred.assessment.reviewer import Agreement, CriterionScore, Decision, Review
from microcred.assessment.routing import route
from microcred.assessment.rubric import Rubric
from microcred.domain.credential import Evidence, Recipient
from microcred.domain.identity import Permission, Principal
from microcred.domain.learning import PartKind, Submission, SubmissionStatus
from microcred.domain.pathway import achievements_in, evaluate
from microcred.errors import Conflict, InvalidInput, MicrocredError, NotFound, PermissionDenied
from microcred.ports import Clock, TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.services.code_assignments import CodeAssignments, SourceFile, audits_of
from microcred.services.ids import new_id
from microcred.services.issuance import IssuanceService, IssueRequest
from microcred.services.learning import earned_by
from microcred.services.rubrics import RubricService, rubric_to_json
from microcred.services.urls import PublicUrls

MAX_FEEDBACK = 10_000


def review_to_json(review: Review) -> dict[str, Any]:
    """A stored AI review."""
    return {
        "rubric_id": review.rubric_id,
        "rubric_version": review.rubric_version,
        "reviewer": review.reviewer,
        "points": review.points,
        "max_points": review.max_points,
        "passed": review.passed,
        "confidence": review.confidence,
        "feedback": review.feedback,
        "scores": [
            {
                "criterion_id": s.criterion_id,
                "level": s.level,
                "points": s.points,
                "confidence": s.confidence,
                "feedback": s.feedback,
            }
            for s in review.scores
        ],
    }


def review_from_json(data: dict[str, Any]) -> Review:
    """Read `review_to_json` output."""
    return Review(
        rubric_id=data["rubric_id"],
        rubric_version=int(data["rubric_version"]),
        reviewer=data["reviewer"],
        scores=tuple(
            CriterionScore(
                s["criterion_id"],
                s["level"],
                float(s["points"]),
                float(s["confidence"]),
                s.get("feedback", ""),
            )
            for s in data["scores"]
        ),
        points=float(data["points"]),
        max_points=float(data["max_points"]),
        passed=bool(data["passed"]),
        confidence=float(data["confidence"]),
        feedback=data.get("feedback", ""),
    )


def _agreement(data: dict[str, Any] | None) -> Agreement | None:
    if not data:
        return None
    return Agreement(**{k: v for k, v in data.items() if k in Agreement.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class QueueItem:
    """What a reviewer sees: the submission, the rubric beside it, the AI's suggestion."""

    submission: Submission
    rubric: dict[str, Any] | None
    suggestion: dict[str, Any] | None
    route_reason: str | None
    #: for code: the tests' verdict (passed, points, failing tests, feedback) and the source
    tests_verdict: dict[str, Any] | None = None
    source: tuple[SourceFile, ...] = ()


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

    # --- the AI ----------------------------------------------------------------------------
    def run(self, payload: dict[str, Any]) -> str | None:
        """Job handler: review one submission; its new status."""
        with self._uow() as uow:
            scope = uow.tenant(str(payload["organisation"]))
            submission = scope.submissions.get(str(payload["submission"]))
            if submission is None or submission.status is not SubmissionStatus.SUBMITTED:
                return None  # superseded or already decided
            if self._review_code(uow, scope, submission):
                scope.submissions.update(submission)
                uow.commit()
                return submission.status.value
            loaded = self._rubrics.load(scope, submission.achievement_id)
            text = submission.answer_text
            if loaded is None or not text.strip():
                submission.status = SubmissionStatus.IN_HUMAN_REVIEW
                submission.review = {
                    "route": "No rubric or no text the AI can read: a person "
                    "reviews this submission."
                }
            else:
                record, rubric = loaded
                assessor = self._rubrics.assessor(scope, record, rubric)
                review = assessor.review(rubric, text)
                decision_route = route(review, assessor.trust, stricter_threshold=record.threshold)
                agreement = assessor.trust.agreement if assessor.trust else None
                submission.review = review_to_json(review) | {
                    "route": decision_route.reason,
                    "agreement": agreement.as_dict() if agreement else None,
                }
                if decision_route.auto:
                    self._apply(uow, scope, submission, Decision.by_ai(review, agreement), rubric)
                else:
                    submission.status = SubmissionStatus.IN_HUMAN_REVIEW
            scope.submissions.update(submission)
            uow.commit()
        return submission.status.value

    def _review_code(self, uow: UnitOfWork, scope: TenantScope, submission: Submission) -> bool:
        """Run the instructor's tests on submitted code; False when this is not a code task."""
        code_part = next((p for p in submission.parts if p.kind is PartKind.CODE and p.blob), None)
        if code_part is None or self._code is None or self._code_reviewer is None:
            return False
        loaded = self._code.load(scope, submission.achievement_id)
        if loaded is None:
            return False
        record, assignment = loaded
        result = self._code_reviewer.review(
            CodeSubmission(
                code_part.filename or "submission", self._code.code_of(code_part.blob or "")
            ),
            assignment,
        )
        audits = audits_of(record)
        clean = result.confidence >= HIGH_CONFIDENCE
        audit = clean and self._audit_due(scope, submission, record.audit_share)
        decision = {
            "decidedBy": "ai",
            "reviewer": "code/sandbox",
            "basis": "the instructor's tests",
            "points": result.points,
            "maxPoints": result.max_points,
            "passed": result.passed,
            "aiConfidence": round(result.confidence, 4),
            "measuredAgreement": audits.as_dict() if audits.n else None,
            "criteria": [
                {
                    "id": c.criterion_id,
                    "points": c.points,
                    "maxPoints": c.max_points,
                    "failedTests": list(c.failed)[:20],
                }
                for c in result.criteria
            ],
            "feedback": result.feedback,
        }
        auto = record.auto_decide and clean and not audit and not audits.suspended
        if auto:
            why = "Every test ran to a clear result: the tests decide."
        elif not clean:
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
        # ``tests`` ties a later human decision to these tests, so that it counts as an audit
        submission.review = decision | {"route": why, "audit": audit, "tests": record.tests_blob}
        if not auto:
            submission.status = SubmissionStatus.IN_HUMAN_REVIEW
            return True
        submission.decision = decision
        submission.feedback = result.feedback
        submission.decided_at = self._clock.now()
        if not result.passed:
            submission.status = SubmissionStatus.NOT_YET
            return True
        evidence = [
            Evidence(
                name="Code assessed by the instructor's tests",
                description=f"Decided by the instructor's tests run in a sandbox: "
                f"{result.points:g} of {result.max_points:g} points.",
                narrative=result.feedback[:5000] or None,
                genre="Assessment",
            )
        ]
        results = [
            {
                "type": ["Result"],
                "value": f"{result.points:g}/{result.max_points:g}",
                "status": "Completed",
            }
        ]
        self._issue(uow, scope, submission, evidence, results)
        return True

    @staticmethod
    def _audit_due(scope: TenantScope, submission: Submission, share: float) -> bool:
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
            if s.decision and s.decision.get("decidedBy") == "human":
                return False  # a person has looked since
            if (s.review or {}).get("audit"):
                return s.status is SubmissionStatus.SUPERSEDED
        return False

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
        suggestion = (
            submission.review if submission.review and "scores" in submission.review else None
        )
        ai = submission.review or {}
        verdict = (
            {k: ai.get(k) for k in ("passed", "points", "maxPoints", "criteria", "feedback")}
            if ai.get("reviewer") == "code/sandbox"
            else None
        )
        return QueueItem(
            submission,
            rubric_to_json(loaded[1]) if loaded else None,
            suggestion,
            ai.get("route"),
            verdict,
            self._source(submission),
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
            submission = scope.submissions.get(submission_id)
            if submission is None:
                raise NotFound("No such submission in your organisation.")
            if submission.user_id == principal.user_id:
                raise PermissionDenied("You cannot review your own submission.")
            submission.require_open()
            if submission.status is SubmissionStatus.SUBMITTED:
                raise Conflict("The AI has not reviewed this submission yet; try again shortly.")
            loaded = self._rubrics.load(scope, submission.achievement_id)
            ai = submission.review if submission.review and "scores" in submission.review else None
            review = review_from_json(ai) if ai else None
            agreement = _agreement(ai.get("agreement")) if ai else None
            if loaded is None:
                self._apply_plain(uow, scope, submission, principal, passed, feedback)
                self._count_audit(scope, submission)
            else:
                record, rubric = loaded
                if accept_ai:
                    if review is None:
                        raise Conflict("There is no AI suggestion to accept; grade it instead.")
                    decision = Decision.accepted(review, agreement, principal.user_id)
                else:
                    if points is None:
                        raise InvalidInput("Give points for every criterion, or accept the AI's.")
                    decision = Decision.by_human(
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
                self._apply(uow, scope, submission, decision, rubric)
            scope.submissions.update(submission)
            uow.commit()
        return submission

    # --- consequences ----------------------------------------------------------------------
    def _apply(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        decision: Decision,
        rubric: Rubric,
    ) -> None:
        submission.decision = decision.as_result()
        submission.feedback = decision.feedback
        submission.decided_at = self._clock.now()
        if not decision.passed:
            submission.status = SubmissionStatus.NOT_YET
            return
        agreement = decision.agreement
        how = {
            "ai": f"by the AI ({decision.review.reviewer if decision.review else 'AI'})",
            "ai_accepted_by_human": "by a reviewer who accepted the AI's assessment",
            "human": "by a human reviewer",
        }[decision.decided_by.value]
        measured = (
            f" Measured agreement of the AI with human graders on this rubric: QWK "
            f"{agreement.qwk:.2f}, exact {agreement.exact:.0%} over {agreement.n} "
            f"answers ({agreement.method})."
            if agreement
            else ""
        )
        evidence = [
            Evidence(
                name=f"Assessment against rubric {rubric.title or rubric.id} v{rubric.version}",
                description=f"Decided {how}: {decision.points:g} of {decision.max_points:g} points."
                + measured,
                narrative=decision.feedback[:5000] or None,
                genre="Assessment",
            )
        ]
        results = [
            {
                "type": ["Result"],
                "value": f"{decision.points:g}/{decision.max_points:g}",
                "status": "Completed",
            }
        ]
        self._issue(uow, scope, submission, evidence, results)

    @staticmethod
    def _count_audit(scope: TenantScope, submission: Submission) -> None:
        """A person's verdict on a clean test run measures the tests (whether the run was
        sampled, the tests were suspended, or the instructor has people decide everything)."""
        ai = submission.review or {}
        decision = submission.decision or {}
        if (
            ai.get("reviewer") == "code/sandbox"
            and isinstance(ai.get("tests"), str)
            and float(ai.get("aiConfidence") or 0.0) >= HIGH_CONFIDENCE
            and isinstance(decision.get("passed"), bool)
        ):
            scope.rubrics.record_code_audit(
                submission.achievement_id, ai["tests"], bool(ai.get("passed")), decision["passed"]
            )

    def _apply_plain(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        principal: Principal,
        passed: bool | None,
        feedback: str,
    ) -> None:
        if passed is None:
            raise InvalidInput("This micro-credential has no rubric: say whether it passed.")
        submission.decision = {
            "decidedBy": "human",
            "passed": passed,
            "feedback": feedback,
            "reviewer": principal.user_id,
        }
        submission.feedback = feedback
        submission.decided_at = self._clock.now()
        if not passed:
            submission.status = SubmissionStatus.NOT_YET
            return
        evidence = [
            Evidence(
                name="Assessment",
                description="Decided by a human reviewer.",
                narrative=feedback[:5000] or None,
                genre="Assessment",
            )
        ]
        self._issue(uow, scope, submission, evidence, [])

    def _issue(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        evidence: list[Evidence],
        results: list[dict[str, Any]],
    ) -> None:
        learner = scope.users.get(submission.user_id)
        if learner is None:
            raise NotFound("The learner no longer exists.")
        issued = self._issuance.issue_within(
            uow,
            scope.organisation_id,
            IssueRequest(
                submission.achievement_id, Recipient(email=learner.email), evidence, results=results
            ),
        )
        submission.status = SubmissionStatus.PASSED
        submission.credential_id = issued.id
        self._complete_pathways(uow, scope, learner.id, learner.email)

    def _complete_pathways(
        self, uow: UnitOfWork, scope: TenantScope, user_id: str, email: str
    ) -> None:
        """Issue every pathway credential whose requirement the learner now meets."""
        earned = earned_by(scope, email)
        for enrolment in scope.enrolments.for_user(user_id):
            pathway = scope.pathways.get(enrolment.pathway_id) if enrolment.pathway_id else None
            if pathway is None or pathway.achievement_id in earned:
                continue
            if not evaluate(pathway.requirement, earned).satisfied:
                continue
            parts = []
            for aid in sorted(achievements_in(pathway.requirement) & set(earned)):
                found = scope.credentials.list(achievement_id=aid, recipient_email=email, limit=1)
                achievement = scope.achievements.get(aid)
                if found and achievement:
                    parts.append(
                        Evidence(
                            id=found[0].credential_url,
                            name=achievement.name,
                            description="A micro-credential this builds on.",
                            genre="Credential",
                        )
                    )
            self._issuance.issue_within(
                uow,
                scope.organisation_id,
                IssueRequest(pathway.achievement_id, Recipient(email=email), parts),
            )
            earned = earned_by(scope, email)
