"""Assignment and Grade Services 2.0: when a submission for a micro-credential launched from a
platform is decided, its score goes to the platform's line item. The job is queued in the
deciding transaction (``queue_scores``); the job (``lti.score``, retried with backoff by the
queue) gets an access token by the client-credentials grant with a JWT assertion signed by the
tool's key, then posts the score, all through the guarded client."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from microcred.domain.learning import Submission, SubmissionStatus
from microcred.domain.review import RubricDecision
from microcred.errors import UpstreamFailed
from microcred.ports.clock import Clock
from microcred.ports.lti import LtiClient
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.lti.claims import SCORE_SCOPE
from microcred.services.lti.registrations import ToolKeys

SCORE_JOB = "lti.score"
SCORE_ATTEMPTS = 6
log = logging.getLogger("microcred.lti")


def queue_scores(uow: UnitOfWork, submission: Submission, now: datetime) -> int:
    """Queue one score post per line item the submission's learner launched this
    micro-credential from (in ``uow``'s transaction); how many were queued."""
    if submission.decision is None or submission.status not in (
        SubmissionStatus.PASSED,
        SubmissionStatus.NOT_YET,
    ):
        return 0
    scope = uow.tenant(submission.organisation_id)
    items = scope.lti.line_items_for(submission.user_id, submission.achievement_id)
    for item in items:
        uow.jobs.enqueue(
            SCORE_JOB,
            {
                "organisation_id": submission.organisation_id,
                "line_item_id": item.id,
                "submission_id": submission.id,
            },
            dedupe_key=f"{SCORE_JOB}:{item.id}:{submission.id}:{submission.status.value}",
            max_attempts=SCORE_ATTEMPTS,
        )
    return len(items)


def score_of(submission: Submission, user_id: str, at: datetime) -> dict[str, Any]:
    """The AGS score of a decided submission (a rubric's points, else 1 for passed, 0 not)."""
    decision = submission.decision
    if isinstance(decision, RubricDecision) and decision.max_points > 0:
        given, maximum = float(decision.points), float(decision.max_points)
    else:
        given, maximum = (1.0 if submission.status is SubmissionStatus.PASSED else 0.0), 1.0
    stamp = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    score: dict[str, Any] = {
        "userId": user_id,
        "scoreGiven": given,
        "scoreMaximum": maximum,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": stamp,
    }
    if submission.feedback:
        score["comment"] = submission.feedback[:1000]
    return score


class LtiGrades:
    """Runs ``lti.score`` jobs."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, client: LtiClient, keys: ToolKeys
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._client = client
        self._keys = keys

    def post(self, payload: dict[str, Any]) -> str:
        """Post one score; raises (so the queue retries) when the platform fails or is
        unreachable; a line item, platform or submission gone meanwhile ends the job."""
        org_id = str(payload.get("organisation_id", ""))
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            item = scope.lti.line_item(str(payload.get("line_item_id", "")))
            platform = scope.lti.platform(item.platform_id) if item else None
            submission = scope.submissions.get(str(payload.get("submission_id", "")))
        if item is None or platform is None or submission is None or not platform.enabled:
            log.info("lti.score: line item, platform or submission gone; nothing posted")
            return "gone"
        now = self._clock.now()
        stamp = int(now.timestamp())
        assertion = self._keys.sign(
            org_id,
            {
                "iss": platform.client_id,
                "sub": platform.client_id,
                "aud": platform.auth_token_url,
                "iat": stamp,
                "exp": stamp + 300,
                "jti": secrets.token_urlsafe(24),
            },
        )
        token = self._client.access_token(platform.auth_token_url, assertion, [SCORE_SCOPE])
        status = self._client.post_score(
            item.lineitem_url,
            token,
            score_of(submission, item.subject, submission.decided_at or now),
        )
        if status >= 500 or status in (401, 408, 429):
            raise UpstreamFailed(f"The platform answered the score post with HTTP {status}.")
        if status >= 300:
            log.warning("lti.score: the platform refused the score (HTTP %s); not retried", status)
            return f"refused {status}"
        return "posted"
