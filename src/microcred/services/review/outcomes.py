"""What a decision on a submission does, inside the caller's transaction: its status, and for a
pass the credential (and every pathway credential it completes)."""

from __future__ import annotations

from typing import Any

from microcred.assessment.rubric import Rubric
from microcred.domain.credential import Evidence, Recipient, assessment
from microcred.domain.identity import Principal
from microcred.domain.learning import Submission, SubmissionStatus
from microcred.domain.pathway import achievements_in, evaluate
from microcred.domain.review import PlainDecision, RubricDecision
from microcred.errors import InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWork
from microcred.ports.webhooks import EventType
from microcred.services.credentials.issuance import IssuanceService, IssueRequest
from microcred.services.learning.service import earned_by
from microcred.services.webhooks import credential_data, emit


class DecisionOutcomes:
    """Applies decisions to submissions; passing ones issue in the same transaction."""

    def __init__(self, clock: Clock, issuance: IssuanceService) -> None:
        self._clock = clock
        self._issuance = issuance

    def apply(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        decision: RubricDecision,
        rubric: Rubric,
    ) -> None:
        """A rubric decision (the AI's, or a person's): not yet, or pass and issue."""
        submission.decision = decision
        submission.feedback = decision.feedback
        submission.decided_at = self._clock.now()
        if not decision.passed:
            submission.status = SubmissionStatus.NOT_YET
            return
        agreement = decision.agreement
        how = {
            "ai": f"by the AI ({decision.reviewer or 'AI'})",
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
        evidence, results = assessment(
            f"Assessment against rubric {rubric.title or rubric.id} v{rubric.version}",
            f"Decided {how}",
            decision.feedback,
            decision.points,
            decision.max_points,
            measured,
        )
        self.issue(uow, scope, submission, evidence, results)

    def apply_plain(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        principal: Principal,
        passed: bool | None,
        feedback: str,
    ) -> None:
        """A person's pass / not-yet on a micro-credential without a rubric."""
        if passed is None:
            raise InvalidInput("This micro-credential has no rubric: say whether it passed.")
        submission.decision = PlainDecision(passed, feedback, principal.user_id)
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
        self.issue(uow, scope, submission, evidence, [])

    def issue(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        submission: Submission,
        evidence: list[Evidence],
        results: list[dict[str, Any]],
    ) -> None:
        """Issue the submission's credential and mark it passed."""
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
            issued = self._issuance.issue_within(
                uow,
                scope.organisation_id,
                IssueRequest(pathway.achievement_id, Recipient(email=email), parts),
            )
            data = {"pathway_id": pathway.id, "user_id": user_id} | credential_data(issued)
            emit(uow, scope.organisation_id, EventType.PATHWAY_COMPLETED, data, issued.issued_at)
            earned = earned_by(scope, email)
