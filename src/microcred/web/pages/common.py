"""What every signed-in page needs: the container, the page context (principal, CSRF token, the
role's navigation), and the organisation's micro-credentials by id."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from microcred.bootstrap import Container
from microcred.domain.achievement import Achievement
from microcred.domain.identity import Permission, Principal
from microcred.web.pages.session import csrf_token


def container(request: Request) -> Container:
    """The application's container."""
    found: Container = request.app.state.container
    return found


def achievements(c: Container, principal: Principal, ids: Iterable[str]) -> dict[str, Achievement]:
    """Those of ``ids`` that are the principal's organisation's micro-credentials, by id."""
    return c.achievements.get_many(principal, ids)


def names(c: Container, principal: Principal, ids: Iterable[str]) -> dict[str, str]:
    """The names of those of ``ids`` that are the organisation's micro-credentials, by id."""
    return {i: a.name for i, a in achievements(c, principal, ids).items()}


def page_context(request: Request, principal: Principal, **extra: object) -> dict[str, object]:
    """The template context of a signed-in page."""
    return {
        "principal": principal,
        "csrf": csrf_token(request),
        "can_review": Permission.REVIEW_SUBMISSIONS in principal.permissions,
        "can_define": Permission.MANAGE_ACHIEVEMENTS in principal.permissions,
        "can_issue": Permission.ISSUE_CREDENTIALS in principal.permissions,
        "can_manage": Permission.MANAGE_USERS in principal.permissions,
        "can_see_skills": {Permission.VIEW_PEOPLE_SKILLS, Permission.SEARCH_TALENT}
        <= principal.permissions,
        **extra,
    }
