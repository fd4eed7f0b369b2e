"""SCIM Users ↔ microcred users of the token's organisation.

A User's id is the microcred user's id. Its e-mail is the primary (else first) of ``emails``,
else ``userName`` when that is an address; its name is ``displayName``, else ``name``, else
``userName``. A new User whose e-mail already has an account in the organisation takes that
account over (an identity provider adopting existing people); accounts are made as learners.
``active: false`` deactivates the account: every token and session is revoked, sign-in is
refused, ``person.deactivated`` is emitted; credentials are not touched. The enterprise
extension's ``manager`` makes the named User a manager (Manager / HR) when they are a learner."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from microcred.domain.identity import Role, User, normalise_email
from microcred.errors import InvalidInput
from microcred.ports import ScimRecord
from microcred.ports.unit_of_work import TenantScope, UnitOfWork
from microcred.ports.webhooks import EventType
from microcred.services.identity import security_event
from microcred.services.ids import new_id
from microcred.services.scim.documents import stored
from microcred.services.scim.errors import ScimProblem, invalid_value, not_found
from microcred.services.webhooks import emit, utc_timestamp

MAX_NAME = 300
MAX_PERSON_NAME = 200
MAX_EMAILS = 20


def uniqueness(message: str) -> ScimProblem:
    """409 ``uniqueness``."""
    return ScimProblem(message, status=409, scim_type="uniqueness")


def _email(resource: Any, user_name: str, user_id: str) -> str:
    emails = [e for e in resource.emails or [] if e.value]
    chosen = next((e.value for e in emails if e.primary), None) or (
        emails[0].value if emails else None
    )
    try:
        if chosen:
            return normalise_email(chosen)
        if "@" in user_name:
            return normalise_email(user_name)
    except InvalidInput as exc:
        raise invalid_value(exc.message) from None
    return f"scim-{user_id}@users.invalid"


def _person_name(resource: Any, user_name: str) -> str:
    name = resource.name
    given = " ".join(p for p in (name and name.given_name, name and name.family_name) if p)
    text = resource.display_name or (name and name.formatted) or given or user_name
    return str(text).strip()[:MAX_PERSON_NAME] or user_name[:MAX_PERSON_NAME]


def reference_id(value: str | None, ref: object, base: str, kind: str) -> str | None:
    """The id a ``value`` / ``$ref`` pair points at: ``value`` itself, else the id at the end
    of a ``$ref`` that is this service's ``{base}/{kind}s/{id}``."""
    if isinstance(ref, str) and ref.startswith(f"{base}/{kind}s/"):
        return ref.rsplit("/", 1)[-1] or None
    return value


def resolve_user(scope: TenantScope, value: str | None, ref: object, base: str) -> str | None:
    """The id of the provisioned User ``value`` (else ``$ref``) names; None when neither does."""
    for candidate in (value, reference_id(None, ref, base, "User")):
        if candidate and len(candidate) <= 64 and scope.scim.get("User", candidate) is not None:
            return candidate
    return None


def set_active(
    uow: UnitOfWork, scope: TenantScope, user: User, active: bool, now: datetime
) -> None:
    """Activate or deactivate ``user`` as `AccountService.set_active` does, by provisioning."""
    if user.active == active:
        return
    user.active = active
    scope.users.update(user)
    revoked = 0 if active else scope.tokens.revoke_for_user(user.id, now)
    scope.security_events.add(
        security_event(
            scope.organisation_id,
            "user_activated" if active else "user_deactivated",
            now,
            f"{user.email} was {'reactivated' if active else 'deactivated'} by SCIM provisioning"
            + (f"; {revoked} token(s) revoked." if revoked else "."),
            user_id=user.id,
        )
    )
    if not active:
        data = {"user_id": user.id, "email": user.email, "deactivated_at": utc_timestamp(now)}
        emit(uow, scope.organisation_id, EventType.PERSON_DEACTIVATED, data, now)


def _promote_manager(scope: TenantScope, resource: Any, base: str, user_id: str) -> None:
    extension = getattr(resource, "EnterpriseUser", None) or getattr(
        resource, "enterprise_user", None
    )
    manager = getattr(extension, "manager", None) if extension is not None else None
    if manager is None:
        return
    manager_id = resolve_user(scope, manager.value, manager.ref, base)
    if manager_id is None:
        raise invalid_value("manager names no User of this organisation.")
    if manager_id == user_id:
        return
    person = scope.users.get(manager_id)
    if person is not None and person.role is Role.LEARNER:
        person.role = Role.EMPLOYER_VIEWER
        scope.users.update(person)


def store_user(
    uow: UnitOfWork,
    scope: TenantScope,
    existing: ScimRecord | None,
    resource: Any,
    now: datetime,
    base: str,
) -> ScimRecord:
    """Write a validated User: the microcred account and the SCIM record, in ``uow``."""
    user_name = str(resource.user_name or "").strip()
    if not user_name or len(user_name) > MAX_NAME:
        raise invalid_value(f"userName has 1–{MAX_NAME} characters.")
    clash = scope.scim.by_name("User", user_name)
    if clash is not None and (existing is None or clash.id != existing.id):
        raise uniqueness(f"userName {user_name[:80]!r} is already provisioned.")
    emails = tuple(str(e.value).strip() for e in resource.emails or [] if e.value)
    if len(emails) > MAX_EMAILS or any(len(e) > 320 for e in emails):
        raise invalid_value(f"At most {MAX_EMAILS} e-mail addresses of up to 320 characters.")
    user_id = existing.id if existing else new_id()
    email = _email(resource, user_name, user_id)
    other = scope.users.by_email(email)
    if existing is None:
        if other is not None and scope.scim.get("User", other.id) is not None:
            raise uniqueness(f"{email} is already provisioned as another User.")
        user = other
        if user is None:
            user = User(user_id, scope.organisation_id, email, "", Role.LEARNER, None, True, now)
            user.name = _person_name(resource, user_name)
            scope.users.add(user)
        user_id = user.id
    else:
        user = scope.users.get(existing.id)
        if user is None:
            raise not_found("User")
        if other is not None and other.id != user.id:
            raise uniqueness(f"{email} belongs to another account of this organisation.")
    user.email, user.name = email, _person_name(resource, user_name)
    scope.users.update(user)
    active = resource.active is not False
    set_active(uow, scope, user, active, now)
    record = ScimRecord(
        id=user_id,
        kind="User",
        name=user_name,
        document=stored(resource),
        version=existing.version + 1 if existing else 1,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        external_id=_bounded(resource.external_id, "externalId"),
        display_name=_bounded(resource.display_name, "displayName"),
        active=active,
        emails=emails,
    )
    if existing is None:
        scope.scim.add(record)
    else:
        scope.scim.update(record)
    _promote_manager(scope, resource, base, user_id)
    return record


def _bounded(value: str | None, what: str) -> str | None:
    if value is not None and len(value) > MAX_NAME:
        raise invalid_value(f"{what} has at most {MAX_NAME} characters.")
    return value
