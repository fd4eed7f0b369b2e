"""The reviewer's pages: the queue (filters and counts) and one submission beside its task, pass
mark and rubric. The reviewer forms a judgement before seeing the AI's: nothing is pre-selected
and the AI's suggestion stays folded away below the reviewer's own fields (docs/guide-reviewer.md
says why)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.domain.learning import Submission
from microcred.domain.review import DecidedBy, RubricReview
from microcred.errors import InvalidInput, MicrocredError
from microcred.web.errors import status_of
from microcred.web.pages.common import (
    achievements,
    container,
    names,
    page_context,
)
from microcred.web.pages.routes import templates
from microcred.web.pages.session import check_csrf, current

router = APIRouter(include_in_schema=False)

QUEUE_LIMIT = 500
#: AI confidence bands offered as a filter: name -> (label, low inclusive, high exclusive)
CONFIDENCE = {
    "low": ("below 0.5", 0.0, 0.5),
    "medium": ("0.5 to 0.8", 0.5, 0.8),
    "high": ("0.8 or more", 0.8, 1.01),
    "none": ("no AI score", -1.0, -1.0),
}
WAITING = {"1": "more than a day", "3": "more than 3 days", "7": "more than a week"}


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One waiting submission as the queue shows it."""

    submission: Submission
    name: str
    confidence: float | None
    reason: str | None


def _confidence(submission: Submission) -> float | None:
    review = submission.review
    return review.review.confidence if isinstance(review, RubricReview) else None


def _in_band(confidence: float | None, band: str) -> bool:
    if band == "none":
        return confidence is None
    _, low, high = CONFIDENCE[band]
    return confidence is not None and low <= confidence < high


@router.get("/review")
def review_queue(request: Request) -> Response:
    """Submissions waiting for a person, oldest first, with filters and counts."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    waiting = c.review.queue(principal, limit=QUEUE_LIMIT)
    by_id = names(c, principal, {s.achievement_id for s in waiting})
    rows = [
        QueueRow(
            s,
            by_id.get(s.achievement_id, "Micro-credential"),
            _confidence(s),
            s.review.route if s.review else None,
        )
        for s in waiting
    ]
    chosen = {
        "credential": request.query_params.get("credential", ""),
        "waiting": request.query_params.get("waiting", ""),
        "confidence": request.query_params.get("confidence", ""),
    }
    shown = rows
    if chosen["credential"] in by_id:
        shown = [r for r in shown if r.submission.achievement_id == chosen["credential"]]
    if chosen["waiting"] in WAITING:
        cutoff = c.clock.now() - timedelta(days=int(chosen["waiting"]))
        shown = [r for r in shown if _aware(r.submission.created_at) <= cutoff]
    if chosen["confidence"] in CONFIDENCE:
        shown = [r for r in shown if _in_band(r.confidence, chosen["confidence"])]
    per_credential = Counter(r.name for r in rows)
    return templates.TemplateResponse(
        request,
        "review_queue.html",
        page_context(
            request,
            principal,
            rows=shown,
            total=len(rows),
            per_credential=sorted(per_credential.items()),
            oldest=rows[0].submission.created_at if rows else None,
            credentials=sorted(
                {(r.submission.achievement_id, r.name) for r in rows}, key=lambda x: x[1]
            ),
            chosen=chosen,
            bands=CONFIDENCE,
            waiting_choices=WAITING,
            full=len(rows) >= QUEUE_LIMIT,
        ),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Decided:
    """Who decided a closed submission, when, and how it came out."""

    by: str
    at: datetime | None
    points: float | None
    max_points: float | None
    feedback: str | None


#: How the page names a decider who is not a person it can name.
DECIDERS = {
    DecidedBy.AI: "the AI",
    DecidedBy.AI_ACCEPTED_BY_HUMAN: "a reviewer who accepted the AI's assessment",
    DecidedBy.HUMAN: "a reviewer",
}


def _decided(submission: Submission, decided_by_email: str | None) -> Decided:
    decision = submission.decision
    if decision is None:  # closed without a decision: superseded by a newer version
        return Decided("a reviewer", submission.decided_at, None, None, submission.feedback)
    by = DECIDERS[decision.decided_by]
    if decision.decided_by is DecidedBy.HUMAN and decided_by_email is not None:
        by = decided_by_email
    return Decided(
        by, submission.decided_at, decision.points, decision.max_points, submission.feedback
    )


def _item_page(
    request: Request,
    c: Container,
    principal: Principal,
    submission_id: str,
    error: str | None = None,
    status: int = 200,
    chosen: dict[str, str] | None = None,
) -> Response:
    item = c.review.item(principal, submission_id)
    achievement = achievements(c, principal, [item.submission.achievement_id]).get(
        item.submission.achievement_id
    )
    rubric = item.rubric
    max_points = (
        sum(max((lv["points"] for lv in cr["levels"]), default=0) for cr in rubric["criteria"])
        if rubric
        else None
    )
    pass_points = None
    if rubric and max_points is not None:
        pass_points = rubric["pass_points"] if rubric["pass_points"] is not None else max_points / 2
    scores = item.suggestion.review.scores if item.suggestion else ()
    suggested = {s.criterion_id: s for s in scores}
    return templates.TemplateResponse(
        request,
        "review_item.html",
        page_context(
            request,
            principal,
            item=item,
            achievement=achievement,
            task=(rubric or {}).get("task")
            or (achievement.criteria_narrative if achievement else ""),
            max_points=max_points,
            pass_points=pass_points,
            suggested=suggested,
            decided=None
            if item.submission.open
            else _decided(item.submission, item.decided_by_email),
            chosen=chosen or {},
            error=error,
        ),
        status_code=status,
    )


@router.get("/review/{submission_id}")
def review_item(submission_id: str, request: Request) -> Response:
    """One submission: the task and pass mark, the evidence beside the rubric, the decision."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return _item_page(request, c, principal, submission_id)


@router.post("/review/{submission_id}")
async def review_decide(submission_id: str, request: Request) -> Response:
    """Save the reviewer's grade, or accept the AI's assessment."""
    c = container(request)
    form = await request.form()
    # the session lookup, the decision and any issuance run off the event loop
    return await run_in_threadpool(_review_decide, c, submission_id, request, form)


def _review_decide(c: Container, submission_id: str, request: Request, form: FormData) -> Response:
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("csrf"))
    feedback = str(form.get("feedback") or "")
    chosen = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"}
    try:
        if form.get("action") == "accept":
            c.review.decide(principal, submission_id, accept_ai=True, feedback=feedback)
        else:
            points: dict[str, float] = {}
            for key, value in form.multi_items():
                if key.startswith("points:") and isinstance(value, str):
                    try:
                        points[key[len("points:") :]] = float(value)
                    except ValueError:
                        raise InvalidInput("Pick a level for each criterion.") from None
            passed = form.get("passed")
            c.review.decide(
                principal,
                submission_id,
                points=points or None,
                passed=None if passed is None else passed == "true",
                feedback=feedback,
            )
    except MicrocredError as exc:
        return _item_page(
            request, c, principal, submission_id, exc.explain(), status_of(exc), chosen
        )
    return RedirectResponse("/review?decided=" + submission_id, status_code=303)


@router.get("/review/{submission_id}/files/{digest}")
def review_file(submission_id: str, digest: str, request: Request) -> Response:
    """A submitted file, as an attachment."""
    c = container(request)
    principal = current(request, c)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    part, data = c.learning.evidence_file(principal, submission_id, digest)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{part.filename or "file"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
