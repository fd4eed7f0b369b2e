"""SCIM 2.0 provisioning (RFC 7644) for one organisation at a time, the one its token names:
read, search, create, replace, patch and delete Users and Groups. Every change is one
transaction: a refused request leaves nothing written. ``If-Match`` is honoured on every write
(412 when the resource moved on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scim2_models import Resource

from microcred.ports import ScimKind, ScimRecord
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory
from microcred.services.scim import documents, filters
from microcred.services.scim.errors import ScimProblem, invalid_value, not_found
from microcred.services.scim.groups import place, store_group
from microcred.services.scim.users import set_active, store_user

MAX_COUNT = 200
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


@dataclass(frozen=True, slots=True)
class ScimQuery:
    """A list or search request's parameters (RFC 7644 §3.4.2)."""

    filter: str | None = None
    start_index: int = 1
    count: int = 100
    sort_by: str | None = None
    sort_order: str | None = None
    attributes: str | None = None
    excluded_attributes: str | None = None


@dataclass(frozen=True, slots=True)
class ScimDocument:
    """A resource as a response carries it, and its ETag."""

    body: dict[str, Any]
    etag: str


def _matches(record: ScimRecord, if_match: str | None) -> None:
    if if_match is None:
        return
    wanted = {t.strip() for t in if_match.split(",")}
    current = documents.etag(record.version)
    if "*" not in wanted and current not in wanted and current[2:] not in wanted:
        raise ScimProblem(f"The resource is at version {current}, not {if_match[:40]}.", status=412)


class ScimProvisioning:
    """Users and Groups of the organisation a SCIM token belongs to."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, base_url: str) -> None:
        self._uow = uow
        self._clock = clock
        #: the SCIM base, e.g. ``https://host/scim/v2``
        self.base = base_url.rstrip("/")

    def _record(self, scope: TenantScope, kind: ScimKind, record_id: str) -> ScimRecord:
        found = scope.scim.get(kind, record_id) if len(record_id) <= 64 else None
        if found is None:
            raise not_found(kind)
        return found

    def _document(self, record: ScimRecord, query: ScimQuery | None = None) -> ScimDocument:
        params = (
            documents.parameters(record.kind, query.attributes, query.excluded_attributes)
            if query
            else None
        )
        body = documents.rendered(record, self.base, params)
        return ScimDocument(body, documents.etag(record.version))

    def get(self, org_id: str, kind: ScimKind, record_id: str, query: ScimQuery) -> ScimDocument:
        """One resource."""
        with self._uow() as uow:
            record = self._record(uow.tenant(org_id), kind, record_id)
        return self._document(record, query)

    def search(self, org_id: str, kind: ScimKind, query: ScimQuery) -> dict[str, Any]:
        """A ListResponse: filtered, sorted and paged in the database (``startIndex`` from 1;
        ``count`` 0–200, 0 giving only ``totalResults``)."""
        condition = filters.condition(kind, query.filter)
        sort = filters.sort_column(kind, query.sort_by)
        if query.sort_order not in (None, "", "ascending", "descending"):
            raise invalid_value("sortOrder is 'ascending' or 'descending'.")
        params = documents.parameters(kind, query.attributes, query.excluded_attributes)
        start = max(query.start_index, 1)
        count = min(max(query.count, 0), MAX_COUNT)
        with self._uow() as uow:
            records, total = uow.tenant(org_id).scim.search(
                kind,
                condition,
                offset=start - 1,
                limit=count,
                sort_by=sort,
                descending=query.sort_order == "descending",
            )
        resources = [documents.rendered(r, self.base, params) for r in records] if count else []
        return {
            "schemas": [LIST_RESPONSE],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(resources),
            "Resources": resources,
        }

    def _store(
        self,
        uow: UnitOfWork,
        scope: TenantScope,
        kind: ScimKind,
        existing: ScimRecord | None,
        resource: Resource[Any],
        now: datetime,
    ) -> ScimRecord:
        if kind == "Group":
            return store_group(scope, existing, resource, now, self.base)
        return store_user(uow, scope, existing, resource, now, self.base)

    def _drop_member(
        self, scope: TenantScope, group: ScimRecord, user_id: str, now: datetime
    ) -> None:
        location = f"{self.base}/Users/{user_id}"
        kept = [
            m
            for m in group.document.get("members") or []
            if not isinstance(m, dict) or (m.get("value") != user_id and m.get("$ref") != location)
        ]
        group.document = {**group.document, "members": kept}
        if not kept:
            group.document.pop("members")
        group.members = tuple(m for m in group.members if m != user_id)
        group.version, group.updated_at = group.version + 1, now
        scope.scim.update(group)

    def create(self, org_id: str, kind: ScimKind, payload: object) -> ScimDocument:
        """A new User or Group (201)."""
        resource = documents.parse(kind, payload, self.base)
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            record = self._store(uow, scope, kind, None, resource, self._clock.now())
            uow.commit()
        return self._document(record)

    def replace(
        self, org_id: str, kind: ScimKind, record_id: str, payload: object, if_match: str | None
    ) -> ScimDocument:
        """PUT: the resource replaced by ``payload``."""
        resource = documents.parse(kind, payload, self.base, replacing=True)
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            existing = self._record(scope, kind, record_id)
            _matches(existing, if_match)
            record = self._store(uow, scope, kind, existing, resource, self._clock.now())
            uow.commit()
        return self._document(record)

    def patch(
        self, org_id: str, kind: ScimKind, record_id: str, body: object, if_match: str | None
    ) -> ScimDocument:
        """PATCH: the operations applied together, or none of them."""
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            existing = self._record(scope, kind, record_id)
            _matches(existing, if_match)
            resource = documents.patched(existing, body, self.base)
            record = self._store(uow, scope, kind, existing, resource, self._clock.now())
            uow.commit()
        return self._document(record)

    def delete(self, org_id: str, kind: ScimKind, record_id: str, if_match: str | None) -> None:
        """DELETE: a Group stops being anyone's team; a User's account is deactivated (tokens
        and sessions ended, credentials kept) and leaves every Group."""
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(org_id)
            existing = self._record(scope, kind, record_id)
            _matches(existing, if_match)
            if kind == "Group":
                scope.scim.delete("Group", existing.id)
                place(scope, existing.members, now)
            else:
                groups = scope.scim.groups_of(existing.id)
                user = scope.users.get(existing.id)
                if user is not None:
                    set_active(uow, scope, user, False, now)
                scope.scim.delete("User", existing.id)
                for group in groups:
                    self._drop_member(scope, group, existing.id, now)
                if groups:
                    place(scope, [existing.id], now)
            uow.commit()
