"""SCIM Groups ↔ teams: a Group's ``displayName`` is the team of each of its members (the
``user_teams`` placement the skills pages read). A person in several Groups sits in the first
by name; leaving every Group clears their team. Members are Users of the same organisation
(``value`` is a User's id, or ``$ref`` its location here); nested Groups are refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from microcred.ports import ScimRecord
from microcred.ports.skills import Placement
from microcred.ports.unit_of_work import TenantScope
from microcred.services.ids import new_id
from microcred.services.scim.documents import stored
from microcred.services.scim.errors import invalid_value
from microcred.services.scim.users import resolve_user, uniqueness

#: a team name's limit in the skills pages
MAX_TEAM = 100
MAX_MEMBERS = 5000


def place(scope: TenantScope, user_ids: Iterable[str], now: datetime) -> None:
    """Set each user's team from the Groups they are in now."""
    changed = False
    for user_id in sorted(set(user_ids)):
        if scope.users.get(user_id) is None:
            continue
        groups = scope.scim.groups_of(user_id)
        team = groups[0].name if groups else None
        current = scope.skills.placement(user_id)
        if current.team != team:
            placement = Placement(user_id, team, current.current_role_id, current.dids)
            scope.skills.save_placement(placement, now)
            changed = True
    if changed:
        scope.skills.bump()


def store_group(
    scope: TenantScope,
    existing: ScimRecord | None,
    resource: Any,
    now: datetime,
    base: str,
) -> ScimRecord:
    """Write a validated Group and the teams of everyone who joined or left it."""
    name = str(resource.display_name or "").strip()
    if not name or len(name) > MAX_TEAM:
        raise invalid_value(f"displayName (the team's name) has 1–{MAX_TEAM} characters.")
    clash = scope.scim.by_name("Group", name)
    if clash is not None and (existing is None or clash.id != existing.id):
        raise uniqueness(f"A Group called {name[:80]!r} is already provisioned.")
    members = list(resource.members or [])
    if len(members) > MAX_MEMBERS:
        raise invalid_value(f"A Group has at most {MAX_MEMBERS} members.")
    ids: list[str] = []
    for member in members:
        if member.type is not None and str(member.type).lower() == "group":
            raise invalid_value("Groups inside Groups are not supported; list the Users.")
        found = resolve_user(scope, member.value, member.ref, base)
        if found is None:
            raise invalid_value(
                f"Member {str(member.value)[:64]!r} is no User of this organisation."
            )
        if found not in ids:
            ids.append(found)
    external_id = resource.external_id
    if external_id is not None and len(external_id) > 300:
        raise invalid_value("externalId has at most 300 characters.")
    record = ScimRecord(
        id=existing.id if existing else new_id(),
        kind="Group",
        name=name,
        document=stored(resource),
        version=existing.version + 1 if existing else 1,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        external_id=external_id,
        display_name=name,
        members=tuple(ids),
    )
    if existing is None:
        scope.scim.add(record)
    else:
        scope.scim.update(record)
    if existing is None or existing.name != name:
        place(scope, [*ids, *(existing.members if existing else ())], now)
    else:  # only who joined or left
        place(scope, set(ids) ^ set(existing.members), now)
    return record
