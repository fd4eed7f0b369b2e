"""Rubrics and measured trust, pathways, enrolment, submissions and the human review queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from microcred.assessment.code_audit import AUDIT_SHARE as DEFAULT_AUDIT_SHARE
from microcred.credentials.parsing import load_json
from microcred.errors import InvalidInput
from microcred.services.learning.evidence import Upload
from microcred.web.api.deps import ContainerDep, PrincipalDep, require_instructor
from microcred.web.api.learning.schemas import (
    EnrolmentCreate,
    GradedImport,
    PathwayCreate,
    PathwayPublic,
    ReviewDecision,
    RubricUpdate,
    SubmissionCreate,
    SubmissionPublic,
)

router = APIRouter(prefix="/api/v1", tags=["learning"])

#: Routes that take files: their bodies may reach ``MICROCRED_MAX_UPLOAD_BYTES`` (see BodyLimits).
UPLOAD_ROUTES = (
    "/api/v1/achievements/{achievement_id}/code-assignment",
    "/api/v1/submissions/upload",
)


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


@router.post("/pathways", status_code=status.HTTP_201_CREATED)
def create_pathway(body: PathwayCreate, p: PrincipalDep, c: ContainerDep) -> PathwayPublic:
    """A course or pathway that embeds micro-credentials."""
    return PathwayPublic.of(
        c.learning.create_pathway(
            p,
            name=body.name,
            description=body.description,
            kind=body.kind,
            achievement_id=body.achievement_id,
            requirement=body.requirement,
            prerequisites=body.prerequisites,
        )
    )


@router.get("/pathways")
def list_pathways(p: PrincipalDep, c: ContainerDep) -> list[PathwayPublic]:
    """The organisation's courses and pathways."""
    return [PathwayPublic.of(x) for x in c.learning.pathways(p)]


@router.post("/enrolments", status_code=status.HTTP_201_CREATED)
def enrol(body: EnrolmentCreate, p: PrincipalDep, c: ContainerDep) -> dict[str, str | None]:
    """Enrol yourself in a pathway or a single micro-credential."""
    e = c.learning.enrol(p, pathway_id=body.pathway_id, achievement_id=body.achievement_id)
    return {"id": e.id, "pathway_id": e.pathway_id, "achievement_id": e.achievement_id}


@router.get("/me/progress")
def my_progress(p: PrincipalDep, c: ContainerDep) -> list[dict[str, Any]]:
    """Your progress on each pathway."""
    return [
        {
            "pathway_id": x.pathway_id,
            "name": x.name,
            "percent": x.percent,
            "done": x.done,
            "needed": x.needed,
            "missing": list(x.missing),
            "completed": x.completed,
            "unlocked": list(x.unlocked),
        }
        for x in c.learning.progress(p)
    ]


@router.post("/submissions", status_code=status.HTTP_201_CREATED)
def submit(body: SubmissionCreate, p: PrincipalDep, c: ContainerDep) -> SubmissionPublic:
    """Submit written answers and links for review (a new version each time)."""
    return SubmissionPublic.of(
        c.learning.submit(p, body.achievement_id, texts=body.texts, links=body.links)
    )


@router.post("/submissions/upload", status_code=status.HTTP_201_CREATED)
async def submit_upload(request: Request, p: PrincipalDep, c: ContainerDep) -> SubmissionPublic:
    """Submit files (``file``), code archives (``code``), ``text`` and ``link`` fields as
    multipart form data, with ``achievement_id``."""
    form = await request.form(max_files=20, max_fields=60)
    achievement_id = form.get("achievement_id")
    if not isinstance(achievement_id, str) or not achievement_id:
        raise InvalidInput("achievement_id is required.")
    texts = [v for v in form.getlist("text") if isinstance(v, str)]
    links = [v for v in form.getlist("link") if isinstance(v, str)]
    uploads: dict[str, list[Upload]] = {"file": [], "code": []}
    for field, received in uploads.items():
        for item in form.getlist(field):
            if isinstance(item, str):
                raise InvalidInput(f"{field} must be a file.")
            received.append(Upload(item.filename or "file", await item.read()))
    # storing blobs, checking archives and the database work run off the event loop
    submission = await run_in_threadpool(
        c.learning.submit,
        p,
        achievement_id,
        texts=texts,
        links=links,
        files=uploads["file"],
        code=uploads["code"],
    )
    return SubmissionPublic.of(submission)


@router.get("/me/submissions")
def my_submissions(p: PrincipalDep, c: ContainerDep) -> list[SubmissionPublic]:
    """Every version you submitted, with its status and feedback."""
    return [SubmissionPublic.of(s) for s in c.learning.my_submissions(p)]


@router.get("/submissions/{submission_id}")
def get_submission(submission_id: str, p: PrincipalDep, c: ContainerDep) -> SubmissionPublic:
    """A submission's status (visible while it waits) and decision."""
    return SubmissionPublic.of(c.learning.submission(p, submission_id))


@router.get("/submissions/{submission_id}/files/{digest}")
def submission_file(submission_id: str, digest: str, p: PrincipalDep, c: ContainerDep) -> Response:
    """A stored file of a submission (as an attachment, never rendered inline)."""
    part, data = c.learning.evidence_file(p, submission_id, digest)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{part.filename or "file"}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


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
    item = c.review.item(p, submission_id)
    return {
        "submission": SubmissionPublic.of(item.submission).model_dump(mode="json"),
        "rubric": item.rubric,
        "ai_suggestion": item.suggestion,
        "why_a_person": item.route_reason,
        "tests_verdict": item.tests_verdict,
        "source": [{"path": f.path, "text": f.text, "note": f.note} for f in item.source],
    }


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
