"""Every kind of record as JSON-ready rows (SQLAlchemy Core over the application's tables).

Binary columns travel as base64 strings and times as ISO 8601 with their UTC offset; JSON columns
as they are; everything else as its JSON scalar. Reading back checks every value against its
column (type, length, nullability) on both backends, so SQLite refuses what PostgreSQL would.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from microcred.adapters.db.tables import Base, UTCDateTime
from microcred.errors import InvalidInput
from microcred.ports import Row

# register every feature's tables on the metadata
from microcred.adapters.db.credentials import bulk_tables as _bulk  # noqa: F401  # isort: skip
from microcred.adapters.db.webhooks import tables as _webhooks  # noqa: F401  # isort: skip

#: transient or secret-bearing records that do not travel: queued jobs, sign-in throttles,
#: API and session tokens (an archive must not grant access; people sign in again), pending SSO
#: sign-ins and the export runs themselves
EXCLUDED = frozenset({"jobs", "attempt_counters", "api_tokens", "sso_pending", "export_runs"})
_BATCH = 500


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


def encode(column: Column[Any], value: Any) -> Any:
    """A stored value as JSON."""
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(column.type, UTCDateTime):
        return value.isoformat()
    return value


def decode(column: Column[Any], value: Any, kind: str) -> Any:
    """A JSON value checked against its column and turned into what the column stores."""
    where = f"{kind}.{column.name}"
    if value is None:
        if not column.nullable:
            raise InvalidInput(f"{where} may not be empty.")
        return None
    ctype = column.type
    if isinstance(ctype, LargeBinary):
        if not isinstance(value, str):
            raise InvalidInput(f"{where} must be base64 text.")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(f"{where} is not valid base64.") from None
    if isinstance(ctype, UTCDateTime):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise InvalidInput(f"{where} must be an ISO 8601 time with its UTC offset.")
        return moment
    if isinstance(ctype, JSON):
        return value
    if isinstance(ctype, Boolean):
        if not isinstance(value, bool):
            raise InvalidInput(f"{where} must be true or false.")
        return value
    if isinstance(ctype, Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**63:
            raise InvalidInput(f"{where} must be an integer.")
        return value
    if isinstance(ctype, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"{where} must be a number.")
        return float(value)
    if isinstance(ctype, String):
        if not isinstance(value, str):
            raise InvalidInput(f"{where} must be text.")
        if ctype.length is not None and len(value) > ctype.length:
            raise InvalidInput(f"{where} is longer than {ctype.length} characters.")
        if "\x00" in value:
            raise InvalidInput(f"{where} contains a NUL character.")
        return value
    raise InvalidInput(f"{where} has a type this version cannot read.")  # pragma: no cover


class _Snapshot:
    def __init__(self, conn: Connection, tables: Mapping[str, Table]) -> None:
        self._conn = conn
        self._tables = tables

    def rows(self, kind: str, organisation_ids: Sequence[str] | None) -> Iterator[Row]:
        table = self._tables[kind]
        stmt = select(table)
        if organisation_ids is None:
            pass
        elif "organisation_id" in table.c:
            stmt = stmt.where(table.c.organisation_id.in_(list(organisation_ids)))
        elif kind == "organisations":
            stmt = stmt.where(table.c.id.in_(list(organisation_ids)))
        order: list[Any] = [
            fk.parent.is_not(None) for fk in table.foreign_keys if fk.column.table is table
        ]
        stmt = stmt.order_by(*order, *table.primary_key.columns)
        columns = list(table.columns)
        result = self._conn.execution_options(stream_results=True, yield_per=_BATCH).execute(stmt)
        for record in result:
            yield {c.name: encode(c, record._mapping[c]) for c in columns}


class SqlPortableStore:
    """`PortableStore` on the application's engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._tables = {t.name: t for t in _tables()}

    def kinds(self) -> Sequence[str]:
        """Kinds in dependency order."""
        return list(self._tables)

    def columns(self, kind: str) -> Sequence[str]:
        """The column names of ``kind``."""
        return [c.name for c in self._tables[kind].columns]

    def snapshot(self) -> AbstractContextManager[_Snapshot]:
        """A consistent read: DEFERRED on SQLite (WAL snapshot), REPEATABLE READ on PostgreSQL."""
        return self._snapshot()

    @contextmanager
    def _snapshot(self) -> Iterator[_Snapshot]:
        from microcred.adapters.db.uow import snapshot_engine  # noqa: PLC0415  (uow imports us)

        if self._engine.dialect.name == "sqlite":
            reader = snapshot_engine(self._engine)
            try:
                with reader.connect() as conn, conn.begin():
                    yield _Snapshot(conn, self._tables)
            finally:
                reader.dispose()
        else:
            with (
                self._engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
                conn.begin(),
            ):
                yield _Snapshot(conn, self._tables)

    def occupied(self) -> list[str]:
        """Kinds holding rows, tokens included."""
        names = [*self._tables, "api_tokens"]
        with self._engine.connect() as conn:
            return [
                name
                for name in names
                if conn.execute(select(Base.metadata.tables[name]).limit(1)).first() is not None
            ]

    def schema_revision(self) -> str | None:
        """The revision(s) the database is at."""
        from microcred.adapters.db.migrate import current  # noqa: PLC0415  (via uow, imports us)

        return current(self._engine.url.render_as_string(hide_password=False))

    def load(self, batches: Iterable[tuple[str, Sequence[Row]]]) -> Mapping[str, int]:
        """All batches in one transaction; sequences moved past the imported ids (PostgreSQL)."""
        counts: dict[str, int] = {}
        kind = "?"
        try:
            with self._engine.begin() as conn:
                for kind, rows in batches:
                    table = self._tables.get(kind)
                    if table is None:
                        raise InvalidInput(f"This instance stores no records of kind {kind!r}.")
                    decoded = [self._decode_row(table, row) for row in rows]
                    if decoded:
                        conn.execute(table.insert(), decoded)
                    counts[kind] = counts.get(kind, 0) + len(decoded)
                if conn.dialect.name == "postgresql":
                    self._advance_sequences(conn)
        except SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            raise InvalidInput(
                f"The archive's {kind} records do not fit this database ({reason}); nothing "
                "was imported."
            ) from None
        return counts

    @staticmethod
    def _decode_row(table: Table, row: Row) -> dict[str, Any]:
        unknown = set(row) - set(table.c.keys())
        if unknown:
            raise InvalidInput(f"{table.name} has no field {sorted(unknown)[0]!r}.")
        return {c.name: decode(c, row.get(c.name), table.name) for c in table.columns}

    def _advance_sequences(self, conn: Connection) -> None:
        for table in self._tables.values():
            for column in table.primary_key.columns:
                if column.autoincrement is True and isinstance(column.type, Integer):
                    top = conn.execute(select(func.max(column))).scalar()
                    if top is not None:
                        conn.execute(
                            text("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"),
                            {"t": table.name, "c": column.name, "v": int(top)},
                        )
