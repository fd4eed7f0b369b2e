"""Who may do what with skills intelligence.

Everyone may read role profiles and see their own skills, gaps, career paths and role matches,
and declare skills of their own (kept apart, unverified). Admins and issuers manage role profiles.
Admins and employer viewers see other people's skills and gaps, team gaps and heatmaps, search
for talent and handle external applicants. Admins also place people in teams and roles.
Organisation-wide figures (counts with no names) are open to issuers as well.
"""

from __future__ import annotations

import enum

from microcred.domain.identity import Principal, Role
from microcred.errors import PermissionDenied


class SkillsPermission(enum.StrEnum):
    """Actions on skills intelligence, guarded by role."""

    VIEW_ROLES = "view_role_profiles"
    MANAGE_ROLES = "manage_role_profiles"
    VIEW_OWN_SKILLS = "view_own_skills"
    DECLARE_OWN_SKILLS = "declare_own_skills"
    VIEW_PEOPLE_SKILLS = "view_other_peoples_skills"
    VIEW_ORGANISATION_GAPS = "view_organisation_gaps"
    SEARCH_TALENT = "search_talent"
    MANAGE_APPLICANTS = "manage_applicants"
    PLACE_PEOPLE = "place_people_in_teams_and_roles"


_EVERYONE = frozenset(
    {
        SkillsPermission.VIEW_ROLES,
        SkillsPermission.VIEW_OWN_SKILLS,
        SkillsPermission.DECLARE_OWN_SKILLS,
    }
)
_GRANTS: dict[Role, frozenset[SkillsPermission]] = {
    Role.ADMIN: frozenset(SkillsPermission),
    Role.ISSUER: _EVERYONE
    | {SkillsPermission.MANAGE_ROLES, SkillsPermission.VIEW_ORGANISATION_GAPS},
    Role.EMPLOYER_VIEWER: _EVERYONE
    | {
        SkillsPermission.VIEW_PEOPLE_SKILLS,
        SkillsPermission.VIEW_ORGANISATION_GAPS,
        SkillsPermission.SEARCH_TALENT,
        SkillsPermission.MANAGE_APPLICANTS,
    },
    Role.REVIEWER: _EVERYONE,
    Role.LEARNER: _EVERYONE,
}


def skills_permissions(role: Role) -> frozenset[SkillsPermission]:
    """Everything ``role`` may do with skills intelligence."""
    return _GRANTS[role]


def may(principal: Principal, permission: SkillsPermission) -> bool:
    """Whether the principal holds ``permission``."""
    return permission in _GRANTS.get(principal.role, frozenset())


def require(principal: Principal, permission: SkillsPermission) -> None:
    """Raise `PermissionDenied` unless the principal holds ``permission``."""
    if not may(principal, permission):
        raise PermissionDenied(
            f"Your role ({principal.role.value}) may not {permission.value.replace('_', ' ')}."
        )


def require_self_or(principal: Principal, user_id: str, permission: SkillsPermission) -> None:
    """Allow a person to act on their own record; anyone else needs ``permission``."""
    if user_id == principal.user_id:
        return
    if not may(principal, permission):
        raise PermissionDenied(
            f"Your role ({principal.role.value}) may only see and change your own skills."
        )
