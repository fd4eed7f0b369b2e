"""Organisations (tenants), users, roles and what each role may do."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from microcred.errors import InvalidInput, PermissionDenied

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


class Role(enum.StrEnum):
    """What a user is to their organisation."""

    ADMIN = "admin"
    ISSUER = "issuer"
    REVIEWER = "reviewer"
    LEARNER = "learner"
    EMPLOYER_VIEWER = "employer_viewer"


class Permission(enum.StrEnum):
    """Actions guarded by role."""

    MANAGE_ORGANISATION = "manage_organisation"
    MANAGE_USERS = "manage_users"
    MANAGE_KEYS = "manage_keys"
    MANAGE_ACHIEVEMENTS = "manage_achievements"
    VIEW_ACHIEVEMENTS = "view_achievements"
    ISSUE_CREDENTIALS = "issue_credentials"
    CHANGE_STATUS = "change_status"
    VIEW_CREDENTIALS = "view_credentials"
    VIEW_OWN_CREDENTIALS = "view_own_credentials"
    REVIEW_SUBMISSIONS = "review_submissions"
    MANAGE_WEBHOOKS = "manage_webhooks"
    # skills intelligence
    VIEW_ROLES = "view_role_profiles"
    MANAGE_ROLES = "manage_role_profiles"
    VIEW_OWN_SKILLS = "view_own_skills"
    DECLARE_OWN_SKILLS = "declare_own_skills"
    VIEW_PEOPLE_SKILLS = "view_other_peoples_skills"
    VIEW_ORGANISATION_GAPS = "view_organisation_gaps"
    SEARCH_TALENT = "search_talent"
    MANAGE_APPLICANTS = "manage_applicants"
    PLACE_PEOPLE = "place_people_in_teams_and_roles"


#: skills intelligence everyone may use: read role profiles; see and declare their own skills
_SKILLS_EVERYONE = frozenset(
    {Permission.VIEW_ROLES, Permission.VIEW_OWN_SKILLS, Permission.DECLARE_OWN_SKILLS}
)
_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ISSUER: _SKILLS_EVERYONE
    | {
        Permission.MANAGE_ACHIEVEMENTS,
        Permission.VIEW_ACHIEVEMENTS,
        Permission.ISSUE_CREDENTIALS,
        Permission.CHANGE_STATUS,
        Permission.VIEW_CREDENTIALS,
        Permission.VIEW_OWN_CREDENTIALS,
        Permission.MANAGE_ROLES,
        Permission.VIEW_ORGANISATION_GAPS,
    },
    Role.REVIEWER: _SKILLS_EVERYONE
    | {
        Permission.VIEW_ACHIEVEMENTS,
        Permission.REVIEW_SUBMISSIONS,
        Permission.VIEW_CREDENTIALS,
        Permission.VIEW_OWN_CREDENTIALS,
    },
    Role.EMPLOYER_VIEWER: _SKILLS_EVERYONE
    | {
        Permission.VIEW_ACHIEVEMENTS,
        Permission.VIEW_CREDENTIALS,
        Permission.VIEW_PEOPLE_SKILLS,
        Permission.VIEW_ORGANISATION_GAPS,
        Permission.SEARCH_TALENT,
        Permission.MANAGE_APPLICANTS,
    },
    Role.LEARNER: _SKILLS_EVERYONE
    | {Permission.VIEW_ACHIEVEMENTS, Permission.VIEW_OWN_CREDENTIALS},
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """Everything ``role`` may do."""
    return _GRANTS[role]


def validate_slug(slug: str) -> str:
    """A URL-safe organisation handle: lowercase letters, digits and inner hyphens."""
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise InvalidInput(
            f"{str(slug)[:70]!r} is not a valid organisation slug.",
            hint="Use 1–63 lowercase letters, digits or hyphens, not starting or ending with '-'.",
        )
    return slug


def normalise_email(email: str) -> str:
    """Trim and lowercase an e-mail address; refuse what is clearly not one."""
    if not isinstance(email, str):
        raise InvalidInput("An e-mail address must be text.")
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InvalidInput(f"{email[:80]!r} is not a valid e-mail address.")
    return value


@dataclass(slots=True)
class Organisation:
    """A tenant: an employer or training provider that issues credentials."""

    id: str
    slug: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None
    #: "key" (did:key, self-contained) or "web" (did:web under public_base_url)
    did_method: str = "key"
    created_at: datetime | None = None


@dataclass(slots=True)
class User:
    """A person who signs in to an organisation."""

    id: str
    organisation_id: str
    email: str
    name: str
    role: Role
    password_hash: str | None = None
    active: bool = True
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user of one organisation, with the permissions of their role."""

    user_id: str
    organisation_id: str
    role: Role
    email: str
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    #: the token the caller presented (None when not signed in with a token)
    token_id: str | None = None
    token_kind: TokenKind | None = None

    def require(self, permission: Permission) -> None:
        """Raise `PermissionDenied` unless the principal holds ``permission``."""
        if permission not in self.permissions:
            raise PermissionDenied(
                f"Your role ({self.role.value}) may not {permission.value.replace('_', ' ')}."
            )

    def require_self_or(self, user_id: str, permission: Permission) -> None:
        """Let a person act on their own skills record; anyone else needs ``permission``."""
        if user_id != self.user_id and permission not in self.permissions:
            raise PermissionDenied(
                f"Your role ({self.role.value}) may only see and change your own skills."
            )


class TokenKind(enum.StrEnum):
    """Where a token came from: password sign-in (a session) or a named API token."""

    SESSION = "session"
    API = "api"


@dataclass(slots=True)
class ApiToken:
    """A bearer token (only its hash is stored)."""

    id: str
    organisation_id: str
    user_id: str
    name: str
    token_hash: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False
    kind: TokenKind = TokenKind.API
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """Something an organisation's admins should know about: a lock-out, a deactivation, ..."""

    id: str
    organisation_id: str
    kind: str
    at: datetime
    detail: str
    user_id: str | None = None
    actor_user_id: str | None = None
    client: str | None = None
