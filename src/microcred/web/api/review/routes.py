"""Rubrics and measured trust, code assignments, graded imports and the human review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from microcred.assessment.code_audit import AUDIT_SHARE as DEFAULT_AUDIT_SHARE
from microcred.credentials.parsing import load_json
from microcred.errors import InvalidInput
from microcred.services.learning.evidence import Upload
from microcred.web.api.deps import ContainerDep, PrincipalDep, require_instructor
from microcred.web.api.learning.schemas import SubmissionPublic
from microcred.web.api.review.schemas import (
    GradedImport,
    ReviewDecision,
    RubricUpdate,
    queue_item_json,
)

router = APIRouter(prefix="/api/v1", tags=["review"])

#: Routes that take files: their bodies may reach ``MICROCRED_MAX_UPLOAD_BYTES`` (see BodyLimits).
UPLOAD_ROUTES = ("/api/v1/achievements/{achievement_id}/code-assignment",)


@router.put("/achievements/{achievement_id}/rubric")
def set_rubric(
    achievement_id: str, body: RubricUpdate, p: PrincipalDep, c: ContainerDep
) -> dict[str, Any]:
    """Set a micro-credential's rubric (a new version each time)."""
    data = body.model_dump(exclude={"threshold"})
    record = c.rubrics.set_rubric(p, achievement_id, data, body.threshold)
    return {
        "id": record.id,
        "version": record.version,
        **record.data,
        "threshold": record.threshold,
    }


@router.put("/achievements/{achievement_id}/code-assignment")
async def set_code_assignment(
    achievement_id: str, request: Request, p: PrincipalDep, c: ContainerDep
) -> dict[str, Any]:
    """Attach the instructor's tests (multipart: ``tests`` file, ``criteria`` JSON list of
    ``{criterion_id, patterns, max_points}``, optional ``pass_fraction``, ``auto_decide``,
    ``audit_share``: the share of clean runs a person checks, default 0.05)."""
    form = await request.form(max_files=1, max_fields=10)
    tests = form.get("tests")
    if tests is None or isinstance(tests, str):
        raise InvalidInput("Attach the tests as a file field named 'tests'.")
    criteria = load_json(str(form.get("criteria") or "[]"), what="criteria")
    if not isinstance(criteria, list):
        raise InvalidInput("criteria is a JSON list.")
    try:
        fraction = float(str(form.get("pass_fraction") or "1"))
    except ValueError:
        raise InvalidInput("pass_fraction is a number between 0 and 1.") from None
    try:
        audit_share = float(str(form.get("audit_share") or DEFAULT_AUDIT_SHARE))
    except ValueError:
        raise InvalidInput("audit_share is a number between 0 and 1.") from None
    upload = Upload(tests.filename or "tests", await tests.read())
    # the archive checks and the database work run off the event loop
    record = await run_in_threadpool(
        c.code.set,
        p,
        achievement_id,
        upload,
        criteria,
        pass_fraction=fraction,
        auto_decide=str(form.get("auto_decide", "true")).lower() != "false",
        audit_share=audit_share,
    )
    found: dict[str, Any] = await run_in_threadpool(c.code.get, p, record.achievement_id)
    return found


@router.get("/achievements/{achievement_id}/code-assignment")
def get_code_assignment(achievement_id: str, p: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """The code assignment and how often people agreed with its tests in audits."""
    require_instructor(p)
    return c.code.get(p, achievement_id)


@router.post("/achievements/{achievement_id}/graded", status_code=status.HTTP_201_CREATED)
def import_graded(
    achievement_id: str, body: GradedImport, p: PrincipalDep, c: ContainerDep
) -> dict[str, int]:
    """Import human-graded answers: the AI learns from them and is measured against them."""
    return {"imported": c.rubrics.import_graded(p, achievement_id, body.items)}


@router.get("/achievements/{achievement_id}/trust")
def trust(achievement_id: str, p: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """How reliable the AI has measured to be on this rubric, and whether it may decide alone."""
    require_instructor(p)
    return c.rubrics.trust(p, achievement_id)


@router.get("/review-queue")
def review_queue(
    p: PrincipalDep,
    c: ContainerDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[SubmissionPublic]:
    """Submissions waiting for a person, oldest first."""
    return [SubmissionPublic.of(s, with_review=True) for s in c.review.queue(p, offset, limit)]


@router.get("/review-queue/{submission_id}")
def review_item(submission_id: str, p: PrincipalDep, c: ContainerDep) -> dict[str, Any]:
    """A submission beside its rubric and the AI's suggestion."""
    return queue_item_json(c.review.item(p, submission_id))


@router.post("/review-queue/{submission_id}/decision")
def decide(
    submission_id: str, body: ReviewDecision, p: PrincipalDep, c: ContainerDep
) -> SubmissionPublic:
    """Accept the AI's suggestion or grade it yourself, with feedback."""
    return SubmissionPublic.of(
        c.review.decide(
            p,
            submission_id,
            accept_ai=body.accept_ai,
            points=body.points,
            passed=body.passed,
            feedback=body.feedback,
        )
    )
