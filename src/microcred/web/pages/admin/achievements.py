"""Defining micro-credentials: the list, and one form to create or edit (name, description,
criteria, type, effort, validity, tags, image) with an ESCO skill picker that works without
JavaScript: "Search skills" re-renders the form with matches, each with an "Add" button, and the
chosen skills ride along as hidden fields until the form is saved. Enter in the search box
searches (it never saves the form by surprise)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from microcred.bootstrap import Container
from microcred.credentials import baking
from microcred.domain.achievement import Achievement, Alignment, Image, StatusPurpose
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, MicrocredError
from microcred.services.credentials.achievements import AchievementInput
from microcred.skills.skill_matching import Match
from microcred.web.errors import status_of
from microcred.web.pages.admin.base import posted, render, staff, wants_search
from microcred.web.pages.common import container

router = APIRouter(include_in_schema=False)
TYPES = ("MicroCredential", "Badge", "Course", "Certificate", "Competency", "Assessment")
MAX_IMAGE = 350_000  # bytes; the data URI stays under the model's 500 KB
MAX_SKILLS = 30
SEP = "\t"


@dataclass(frozen=True, slots=True)
class Skill:
    """A chosen skill: its URI and label."""

    uri: str
    label: str

    @property
    def value(self) -> str:
        """The hidden field's value."""
        return f"{self.uri}{SEP}{self.label}"


def _skill(value: str) -> Skill:
    uri, _, label = value.partition(SEP)
    if not uri.startswith(("http://", "https://")) or not label.strip():
        raise InvalidInput("A chosen skill was malformed; search and add it again.")
    return Skill(uri[:500], label.strip()[:300])


def _chosen(form: FormData) -> list[Skill]:
    skills: dict[str, Skill] = {}
    removed = {v for v in form.getlist("remove_skill") if isinstance(v, str)}
    adding = form.get("add_skill")
    values = [v for v in form.getlist("skill") if isinstance(v, str)]
    values += [adding] if isinstance(adding, str) else []
    for value in values:
        skill = _skill(value)
        if skill.uri not in removed:
            skills.setdefault(skill.uri, skill)
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"At most {MAX_SKILLS} skills per micro-credential.")
    return list(skills.values())


def _form_page(
    request: Request,
    principal: Principal,
    typed: dict[str, str],
    skills: list[Skill],
    *,
    action: str,
    matches: list[Match] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        principal,
        "admin_achievement_form.html",
        status,
        typed=typed,
        skills=skills,
        matches=[m for m in matches or [] if m.uri not in {s.uri for s in skills}],
        searched=matches is not None,
        action=action,
        types=TYPES,
        error=error,
    )


def _typed(a: Achievement) -> dict[str, str]:
    return {
        "name": a.name,
        "description": a.description,
        "criteria": a.criteria_narrative,
        "type": a.achievement_type,
        "effort": "" if a.effort_hours is None else f"{a.effort_hours:g}",
        "validity": "" if a.validity_days is None else str(a.validity_days),
        "tags": ", ".join(a.tags),
        "status_purpose": a.status_purpose.value,
    }


def _number(text: str, what: str, kind: type[int] | type[float]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InvalidInput(f"The {what} must be a number.") from None


async def _image(form: FormData) -> Image | str | None:
    """The uploaded image as a data URI, None when none was uploaded, or an error message."""
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        return f"The image is larger than {MAX_IMAGE // 1000} KB."
    try:  # parsing an SVG is CPU work: off the event loop
        kind = await run_in_threadpool(_image_type, data)
    except InvalidInput as exc:
        return exc.explain()
    return Image(f"data:{kind};base64,{base64.b64encode(data).decode()}", upload.filename[:200])


def _image_type(data: bytes) -> str:
    """The media type of an image by its bytes: a well-formed PNG or a safe SVG (the two a
    credential can be baked into), or a JPEG or WebP; anything else is refused."""
    if baking.detect(data) is not None:
        return baking.check_image(data).media_type
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput("The image must be a PNG, SVG, JPEG or WebP file.")


def _input(typed: dict[str, str], skills: list[Skill], image: Image | None) -> AchievementInput:
    validity = _number(typed.get("validity", ""), "validity (days)", int)
    tags = [t.strip()[:60] for t in typed.get("tags", "").split(",") if t.strip()][:20]
    try:
        purpose = StatusPurpose(typed.get("status_purpose", "revocation"))
    except ValueError:
        raise InvalidInput("Choose whether credentials can be suspended.") from None
    kind = typed.get("type", "MicroCredential")
    if kind not in TYPES:
        raise InvalidInput("Choose one of the listed types.")
    return AchievementInput(
        name=typed.get("name", "").strip(),
        description=typed.get("description", "").strip(),
        criteria_narrative=typed.get("criteria", "").strip(),
        achievement_type=kind,
        alignments=[Alignment(s.label, s.uri, target_framework="ESCO") for s in skills],
        effort_hours=_number(typed.get("effort", ""), "effort (hours)", float),
        image=image,
        validity_days=None if validity is None else int(validity),
        tags=tags,
        status_purpose=purpose,
    )


@router.get("/admin/achievements")
def achievements_page(request: Request) -> Response:
    """The organisation's micro-credentials."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    listed = c.achievements.list(principal, limit=200)
    return render(
        request,
        principal,
        "admin_achievements.html",
        listed=listed,
        saved=request.query_params.get("saved"),
    )


@router.get("/admin/achievements/new")
def new_page(request: Request) -> Response:
    """An empty micro-credential form."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    return _form_page(request, principal, {}, [], action="/admin/achievements/new")


@router.get("/admin/achievements/{achievement_id}")
def edit_page(achievement_id: str, request: Request) -> Response:
    """The form of one micro-credential (another organisation's id is not found)."""
    c = container(request)
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    found = c.achievements.get(principal, achievement_id)
    skills = [Skill(a.target_url, a.target_name) for a in found.alignments]
    return _form_page(
        request, principal, _typed(found), skills, action=f"/admin/achievements/{found.id}"
    )


@router.post("/admin/achievements/new")
async def create(request: Request) -> Response:
    """Search skills, add or remove one, or save a new micro-credential."""
    c = container(request)
    form = await request.form()
    image = await _image(form)
    return await run_in_threadpool(_save, c, request, form, image, None)


@router.post("/admin/achievements/{achievement_id}")
async def update(achievement_id: str, request: Request) -> Response:
    """Search skills, add or remove one, or save the micro-credential's changes."""
    c = container(request)
    form = await request.form()
    image = await _image(form)
    return await run_in_threadpool(_save, c, request, form, image, achievement_id)


def _save(
    c: Container,
    request: Request,
    form: FormData,
    image: Image | str | None,
    achievement_id: str | None,
) -> Response:
    principal = staff(request, c, Permission.MANAGE_ACHIEVEMENTS)
    if isinstance(principal, Response):
        return principal
    typed = posted(request, form)
    action = f"/admin/achievements/{achievement_id or 'new'}"
    existing = None if achievement_id is None else c.achievements.get(principal, achievement_id)
    skills: list[Skill] = []
    try:
        skills = _chosen(form)
        if wants_search(typed, "skill_q") or "add_skill" in typed or "remove_skill" in typed:
            query = typed.get("skill_q", "").strip()[:200]
            found = c.skills.reference.match_skills(query, top_k=8) if query else []
            return _form_page(request, principal, typed, skills, action=action, matches=found)
        if isinstance(image, str):
            raise InvalidInput(image)
        if image is None and existing is not None and "drop_image" not in typed:
            image = existing.image
        data = _input(typed, skills, image)
        if existing is None:
            saved = c.achievements.create(principal, data)
        else:
            saved = c.achievements.update(principal, existing.id, data)
    except MicrocredError as exc:
        return _form_page(
            request,
            principal,
            typed,
            skills,
            action=action,
            error=exc.explain(),
            status=status_of(exc),
        )
    return RedirectResponse(f"/admin/achievements?saved={saved.id}", status_code=303)
