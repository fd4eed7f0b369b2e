"""What the manager's pages share: who may see them, rendering, and readable explanations of
search results and gaps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from microcred.bootstrap import Container
from microcred.domain.identity import Permission, Principal
from microcred.skills.gaps import GapStatus
from microcred.skills.search import Candidate
from microcred.web.pages.common import container, page_context
from microcred.web.pages.routes import templates
from microcred.web.pages.session import current

#: what a manager needs to see these pages (a learner has neither)
NEEDED = (Permission.VIEW_PEOPLE_SKILLS, Permission.SEARCH_TALENT)


def signed_in(request: Request) -> tuple[Container, Principal | None]:
    """The container and the signed-in principal (``None`` means: send them to sign in),
    refusing anyone whose role may not see other people's skills."""
    c = container(request)
    principal = current(request, c)
    if principal is not None:
        for permission in NEEDED:
            principal.require(permission)
    return c, principal


def to_login() -> Response:
    """Send a browser to the sign-in page."""
    return RedirectResponse("/login", status_code=303)


def render(request: Request, principal: Principal, template: str, **extra: object) -> Response:
    """A manager's page."""
    return templates.TemplateResponse(request, template, page_context(request, principal, **extra))


def percent(share: float) -> int:
    """A share between 0 and 1 as a whole percentage."""
    return round(share * 100)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a candidate ranks where they do, in words."""

    summary: str
    met: tuple[str, ...]
    below: tuple[str, ...]
    missing: tuple[str, ...]


def explain(c: Candidate, labels: Mapping[str, str], names: Mapping[str, str]) -> Explanation:
    """The candidate's readiness, and each requirement met (with the credential behind it),
    verified below the level, or missing."""
    met, below, missing = [], [], []
    essentials = sum(1 for m in c.matches if m.essential)
    for m in c.matches:
        label = labels.get(m.skill_id, m.skill_id)
        if m.status is GapStatus.MET:
            source = names.get(m.credential_id or "", "a verified credential")
            met.append(f"{label} (level {m.level}, from {source})")
        elif m.status is GapStatus.BELOW:
            below.append(f"{label} (level {m.level} of {m.required_level})")
        else:
            declared = (
                f", declares level {m.declared_level} (not counted)"
                if m.declared_level is not None
                else ""
            )
            missing.append(f"{label}{declared}")
    summary = (
        f"Meets {c.met} of {len(c.matches)} requirements ({c.essential_met} of {essentials} "
        f"essential); readiness {percent(c.readiness)} %."
    )
    return Explanation(summary, tuple(met), tuple(below), tuple(missing))


def status_words(status: GapStatus) -> str:
    """A gap status for people."""
    return {
        GapStatus.MET: "met",
        GapStatus.BELOW: "below the level",
        GapStatus.MISSING: "missing",
    }[status]


_RAISES = re.compile(r"Raises \S+ from \d+ to \d+ \(the role needs \d+\)\.\s*")


def step_reason(reason: str) -> str:
    """A plan step's reason without the sentence naming skills by URI (the page names them by
    label beside it)."""
    return _RAISES.sub("", reason).strip()
