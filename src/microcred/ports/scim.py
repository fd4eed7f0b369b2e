"""What SCIM 2.0 provisioning needs: the organisation's bearer token (its digest only), the
provisioned Users and Groups as SCIM documents with the columns filters run on, and the
small filter tree the repository turns into a query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

#: the two resource types served
ScimKind = Literal["User", "Group"]


@dataclass(slots=True)
class ScimToken:
    """An organisation's provisioning token: only its SHA-256 digest is kept."""

    organisation_id: str
    token_hash: str
    hint: str
    created_at: datetime
    created_by: str


@dataclass(slots=True)
class ScimRecord:
    """A provisioned User (its id is the microcred user's) or Group (a team).

    ``name`` is the User's ``userName`` or the Group's ``displayName``; ``document`` is the
    SCIM resource as last written (without ``id`` and ``meta``); ``version`` grows by one on
    every change and is the ETag."""

    id: str
    kind: ScimKind
    name: str
    document: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime
    external_id: str | None = None
    display_name: str | None = None
    active: bool = True
    #: a User's e-mail addresses; a Group's member ids
    emails: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


# the filter tree: attributes are the repository's column names, never the client's text


@dataclass(frozen=True, slots=True)
class FilterCompare:
    """``attribute op value`` (``op`` one of eq ne co sw ew gt ge lt le)."""

    attribute: str
    op: str
    value: str | bool | None


@dataclass(frozen=True, slots=True)
class FilterPresent:
    """``attribute pr``."""

    attribute: str


@dataclass(frozen=True, slots=True)
class FilterAll:
    """Every term holds (``and``)."""

    terms: tuple[FilterCondition, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class FilterAny:
    """At least one term holds (``or``)."""

    terms: tuple[FilterCondition, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class FilterNot:
    """The term does not hold (``not``)."""

    term: FilterCondition


FilterCondition = FilterCompare | FilterPresent | FilterAll | FilterAny | FilterNot


class ScimRepository(Protocol):
    """SCIM rows of one organisation."""

    def token(self) -> ScimToken | None: ...
    def save_token(self, token: ScimToken) -> None: ...
    def delete_token(self) -> bool: ...
    def get(self, kind: ScimKind, record_id: str) -> ScimRecord | None: ...
    def by_name(self, kind: ScimKind, name: str) -> ScimRecord | None:
        """The record whose ``name`` equals ``name`` ignoring case."""
        ...

    def add(self, record: ScimRecord) -> None: ...
    def update(self, record: ScimRecord) -> None: ...
    def delete(self, kind: ScimKind, record_id: str) -> bool: ...
    def search(
        self,
        kind: ScimKind,
        condition: FilterCondition | None,
        *,
        offset: int,
        limit: int,
        sort_by: str | None = None,
        descending: bool = False,
    ) -> tuple[Sequence[ScimRecord], int]:
        """A page of matching records (filtered, ordered and paged in the query) and the
        number matching."""
        ...

    def groups_of(self, member_id: str) -> Sequence[ScimRecord]:
        """The Groups ``member_id`` belongs to, by name."""
        ...
