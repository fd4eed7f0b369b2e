"""The SCIM repository of one organisation: every query filters by it. A filter tree becomes
one SQL expression over named columns; values are bound parameters and ``LIKE`` wildcards in
them are escaped, so a filter's text never reaches the SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from microcred.adapters.db.scim.tables import ScimResourceRow, ScimTokenRow, ScimValueRow
from microcred.errors import InvalidInput
from microcred.ports import (
    FilterAll,
    FilterAny,
    FilterCondition,
    FilterNot,
    FilterPresent,
    ScimKind,
    ScimRecord,
    ScimToken,
)

R = ScimResourceRow
#: single-valued attributes: (column, compared ignoring case)
_COLUMNS: dict[str, tuple[Any, bool]] = {
    "id": (R.id, False),
    "name": (R.name_lc, True),
    "external_id": (R.external_id, False),
    "display_name": (R.display_name_lc, True),
    "active": (R.active, False),
}
#: multi-valued attributes: (value kind in scim_values, compared ignoring case)
_VALUES: dict[str, tuple[str, bool]] = {"email": ("email", True), "member": ("member", False)}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _compare(column: Any, op: str, value: str | bool | None) -> ColumnElement[bool]:
    if isinstance(value, bool) or value is None:
        if op == "eq":
            return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]
        if op == "ne":
            return column.is_not(None) if value is None else column != value  # type: ignore[no-any-return]
        raise InvalidInput(f"'{op}' does not apply to true, false or null.")
    like = {"co": f"%{_escape(value)}%", "sw": f"{_escape(value)}%", "ew": f"%{_escape(value)}"}
    if op in like:
        return column.like(like[op], escape="\\")  # type: ignore[no-any-return]
    found: ColumnElement[bool] = {
        "eq": column == value,
        "ne": column != value,
        "gt": column > value,
        "ge": column >= value,
        "lt": column < value,
        "le": column <= value,
    }[op]
    return found


def _lower(value: str | bool | None, fold: bool) -> str | bool | None:
    return value.lower() if fold and isinstance(value, str) else value


class SqlScim:
    """Tokens, resources and their values in the ``scim_*`` tables."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    # the token

    def token(self) -> ScimToken | None:
        """The organisation's token, if it made one."""
        row = self._s.get(ScimTokenRow, self._org)
        if row is None:
            return None
        return ScimToken(
            row.organisation_id, row.token_hash, row.hint, row.created_at, row.created_by
        )

    def save_token(self, token: ScimToken) -> None:
        """Store or replace the organisation's token."""
        row = self._s.get(ScimTokenRow, self._org)
        if row is None:
            row = ScimTokenRow(organisation_id=self._org)
            self._s.add(row)
        row.token_hash, row.hint = token.token_hash, token.hint
        row.created_at, row.created_by = token.created_at, token.created_by
        self._s.flush()

    def delete_token(self) -> bool:
        """Revoke the token; False if there was none."""
        row = self._s.get(ScimTokenRow, self._org)
        if row is None:
            return False
        self._s.delete(row)
        self._s.flush()
        return True

    # resources

    def _values(self, resource_id: str, attr: str) -> tuple[str, ...]:
        rows = self._s.scalars(
            select(ScimValueRow.value)
            .where(ScimValueRow.resource_id == resource_id, ScimValueRow.attr == attr)
            .order_by(ScimValueRow.id)
        )
        return tuple(rows)

    def _record(self, row: ScimResourceRow) -> ScimRecord:
        kind: ScimKind = "User" if row.kind == "User" else "Group"
        return ScimRecord(
            id=row.id,
            kind=kind,
            name=row.name,
            document=dict(row.document),
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            external_id=row.external_id,
            display_name=row.display_name,
            active=row.active,
            emails=self._values(row.id, "email") if kind == "User" else (),
            members=self._values(row.id, "member") if kind == "Group" else (),
        )

    def _row(self, kind: ScimKind, record_id: str) -> ScimResourceRow | None:
        return self._s.scalars(
            select(R).where(R.organisation_id == self._org, R.kind == kind, R.id == record_id)
        ).first()

    def get(self, kind: ScimKind, record_id: str) -> ScimRecord | None:
        """One record of this organisation."""
        row = self._row(kind, record_id)
        return self._record(row) if row else None

    def by_name(self, kind: ScimKind, name: str) -> ScimRecord | None:
        """The record named ``name`` (any case)."""
        row = self._s.scalars(
            select(R).where(
                R.organisation_id == self._org, R.kind == kind, R.name_lc == name.lower()
            )
        ).first()
        return self._record(row) if row else None

    def _write(self, row: ScimResourceRow, record: ScimRecord) -> None:
        row.name, row.name_lc = record.name, record.name.lower()
        row.external_id = record.external_id
        row.display_name = record.display_name
        row.display_name_lc = record.display_name.lower() if record.display_name else None
        row.active, row.document, row.version = record.active, dict(record.document), record.version
        row.created_at, row.updated_at = record.created_at, record.updated_at
        self._s.execute(delete(ScimValueRow).where(ScimValueRow.resource_id == record.id))
        for attr, values in (("email", record.emails), ("member", record.members)):
            for value in values:
                self._s.add(
                    ScimValueRow(
                        organisation_id=self._org,
                        resource_id=record.id,
                        attr=attr,
                        value=value,
                        value_lc=value.lower(),
                    )
                )
        self._s.flush()

    def add(self, record: ScimRecord) -> None:
        """Store a new record."""
        row = ScimResourceRow(id=record.id, organisation_id=self._org, kind=record.kind)
        self._s.add(row)
        self._write(row, record)

    def update(self, record: ScimRecord) -> None:
        """Replace a stored record."""
        row = self._row(record.kind, record.id)
        if row is None:
            raise InvalidInput("No such resource.")
        self._write(row, record)

    def delete(self, kind: ScimKind, record_id: str) -> bool:
        """Remove a record and its values (and it from every Group); False if unknown."""
        row = self._row(kind, record_id)
        if row is None:
            return False
        self._s.execute(delete(ScimValueRow).where(ScimValueRow.resource_id == record_id))
        self._s.execute(
            delete(ScimValueRow).where(
                ScimValueRow.organisation_id == self._org,
                ScimValueRow.attr == "member",
                ScimValueRow.value == record_id,
            )
        )
        self._s.delete(row)
        self._s.flush()
        return True

    def _condition(self, node: FilterCondition) -> ColumnElement[bool]:
        if isinstance(node, FilterAll):
            return and_(true(), *(self._condition(t) for t in node.terms))
        if isinstance(node, FilterAny):
            return or_(false(), *(self._condition(t) for t in node.terms))
        if isinstance(node, FilterNot):
            return not_(self._condition(node.term))
        if node.attribute in _VALUES:
            attr, fold = _VALUES[node.attribute]
            v = ScimValueRow
            scoped = [v.resource_id == R.id, v.organisation_id == self._org, v.attr == attr]
            if isinstance(node, FilterPresent):
                return exists().where(*scoped)
            column = v.value_lc if fold else v.value
            if node.op == "ne":
                inner = _compare(column, "eq", _lower(node.value, fold))
                return not_(exists().where(*scoped, inner))
            return exists().where(*scoped, _compare(column, node.op, _lower(node.value, fold)))
        if node.attribute not in _COLUMNS:
            raise InvalidInput(f"{node.attribute!r} cannot be filtered on.")
        column, fold = _COLUMNS[node.attribute]
        if isinstance(node, FilterPresent):
            return and_(column.is_not(None), column != "") if column is not R.active else true()
        if node.op == "ne" and isinstance(node.value, str):
            return or_(column.is_(None), _compare(column, "ne", _lower(node.value, fold)))
        return _compare(column, node.op, _lower(node.value, fold))

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
        """A page of matching records and how many match."""
        where = [R.organisation_id == self._org, R.kind == kind]
        if condition is not None:
            where.append(self._condition(condition))
        total = self._s.scalar(select(func.count()).select_from(R).where(*where)) or 0
        key = _COLUMNS.get(sort_by or "", (R.created_at, False))[0]
        order = [key.desc() if descending else key.asc(), R.id.asc()]
        rows = self._s.scalars(select(R).where(*where).order_by(*order).offset(offset).limit(limit))
        return [self._record(r) for r in rows], int(total)

    def groups_of(self, member_id: str) -> Sequence[ScimRecord]:
        """The Groups ``member_id`` is in, by name."""
        v = ScimValueRow
        rows = self._s.scalars(
            select(R)
            .join(v, and_(v.resource_id == R.id, v.attr == "member"))
            .where(R.organisation_id == self._org, R.kind == "Group", v.value == member_id)
            .order_by(R.name_lc)
        )
        return [self._record(r) for r in rows]
