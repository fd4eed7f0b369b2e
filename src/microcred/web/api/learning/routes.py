"""Pathways, enrolment and submissions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from microcred.errors import InvalidInput
from microcred.services.learning.evidence import Upload
from microcred.web.api.deps import ContainerDep, PrincipalDep
from microcred.web.api.learning.schemas import (
    EnrolmentCreate,
    PathwayCreate,
    PathwayPublic,
    SubmissionCreate,
    SubmissionPublic,
)

router = APIRouter(prefix="/api/v1", tags=["learning"])

#: Routes that take files: their bodies may reach ``MICROCRED_MAX_UPLOAD_BYTES`` (see BodyLimits).
UPLOAD_ROUTES = ("/api/v1/submissions/upload",)


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
