"""Engine construction and the SQLAlchemy unit of work."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from microcred.adapters.db.credentials.achievements import SqlAchievements
from microcred.adapters.db.credentials.bulk import SqlBulkIssuance
from microcred.adapters.db.credentials.imported import SqlImportedCredentials
from microcred.adapters.db.delivery import SqlOid4vci
from microcred.adapters.db.identity import SqlSso
from microcred.adapters.db.jobs import SqlJobs
from microcred.adapters.db.learning.repositories import (
    SqlEnrolments,
    SqlPathways,
    SqlRubrics,
    SqlSubmissions,
)
from microcred.adapters.db.ledger import SqlLedger
from microcred.adapters.db.lti import SqlLti
from microcred.adapters.db.mail import SqlMail, SqlMailLinks
from microcred.adapters.db.portability import SqlExportRuns
from microcred.adapters.db.repositories import (
    SqlCredentials,
    SqlKeys,
    SqlOrganisations,
    SqlPublic,
    SqlStatusLists,
    SqlTokens,
    SqlUsers,
)
from microcred.adapters.db.scim import SqlScim
from microcred.adapters.db.security_repositories import SqlAttemptCounters, SqlSecurityEvents
from microcred.adapters.db.skills.repositories import SqlSkills
from microcred.adapters.db.webhooks import SqlWebhooks

from microcred.adapters.db.delivery import SqlWalletExchanges  # isort: skip  (DCC wallet exchanges)
from microcred.errors import Conflict, Unavailable
from microcred.ports.clock import Clock

#: what a request hears when the database is down or its connection was cut (503: retry)
DB_UNAVAILABLE = "The database is unavailable or the connection to it was lost; try again."


def make_engine(url: str) -> Engine:
    """An engine for SQLite (WAL, foreign keys, immediate write transactions) or PostgreSQL."""
    parsed = make_url(url)
    if parsed.drivername.startswith("postgresql") and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)


class _WriterGate:
    """One writer at a time per SQLite engine, queued in this process.

    Every write transaction begins IMMEDIATE (the database's write lock). Without this gate,
    the threads of one server that wait for that lock each sleep in SQLite's busy handler
    (1, 2, 5 … 100 ms steps): measured, that gave p99 latencies near a second. Waiting on a
    lock here hands the database to the next thread the moment the last one commits. Other
    processes still wait in the busy handler (``busy_timeout``)."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout
        self._holder: int | None = None

    def enter(self, dbapi_conn: Any) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise OperationalError("BEGIN IMMEDIATE", None, TimeoutError("database is locked"))
        self._holder = id(dbapi_conn)

    def leave(self, dbapi_conn: Any) -> None:
        if self._holder == id(dbapi_conn):
            self._holder = None
            self._lock.release()


def _configure_sqlite(engine: Engine) -> None:
    gate = _WriterGate(timeout=30)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers never deadlock mid-way
        dbapi_conn = conn.connection.dbapi_connection
        gate.enter(dbapi_conn)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(dbapi_conn)
            raise

    # the transaction ends here, then the gate opens; the driver's own commit() or
    # rollback() that follows finds no transaction open and does nothing
    @event.listens_for(engine, "commit")
    def _on_commit(conn: Any) -> None:
        dbapi_conn = conn.connection.dbapi_connection
        if dbapi_conn.in_transaction:
            dbapi_conn.execute("COMMIT")  # if it fails, the rollback that follows opens the gate
        gate.leave(dbapi_conn)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        dbapi_conn = conn.connection.dbapi_connection
        try:
            if dbapi_conn.in_transaction:
                dbapi_conn.execute("ROLLBACK")
        finally:
            gate.leave(dbapi_conn)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, _record: Any) -> None:
        gate.leave(dbapi_conn)  # a connection returned mid-transaction (never normally)

    @event.listens_for(engine, "close")
    def _on_close(dbapi_conn: Any, _record: Any) -> None:
        gate.leave(dbapi_conn)


def reader_engine(engine: Engine) -> Engine:
    """A pooled engine for short read-only transactions (e.g. authenticating a request). On
    SQLite it begins DEFERRED and is ``query_only``, so a read neither takes the write lock
    nor waits for writers (WAL); elsewhere the application's engine is returned as it is."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    reader = create_engine(engine.url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(reader, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")

    return reader


def snapshot_engine(engine: Engine) -> Engine:
    """An engine for long reads (building the skills index). On SQLite the application's engine
    begins every transaction IMMEDIATE, taking the write lock; this one begins DEFERRED, so in
    WAL mode it reads a consistent snapshot while writers carry on. Elsewhere (PostgreSQL's MVCC)
    the application's engine already reads without blocking writers, and is returned as it is."""
    if engine.dialect.name != "sqlite":
        return engine
    reader = create_engine(
        engine.url,
        connect_args={"timeout": 30, "check_same_thread": False},
        poolclass=NullPool,
    )

    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(reader, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN DEFERRED")

    return reader


class SqlUnitOfWork:
    """One database transaction with its repositories."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._factory()
        self.organisations = SqlOrganisations(self._session)
        self.public = SqlPublic(self._session)
        self.jobs = SqlJobs(self._session, self._clock)
        self.ledger = SqlLedger(self._session)
        self.attempts = SqlAttemptCounters(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        except (OperationalError, InterfaceError):
            pass  # the connection died (a database restart): there is nothing left to undo
        finally:
            self._session.close()
            self._session = None
        if isinstance(exc, IntegrityError):  # e.g. a unique key raced at flush time
            raise Conflict("The change conflicts with existing data (a duplicate?).") from exc
        if isinstance(exc, OperationalError | InterfaceError):
            raise Unavailable(DB_UNAVAILABLE) from exc

    @property
    def session(self) -> Session:
        """The underlying session (for adapters that extend the schema, e.g. the ledger)."""
        assert self._session is not None, "unit of work not entered"
        return self._session

    def tenant(self, organisation_id: str) -> TenantRepositories:
        """Repositories bound to ``organisation_id``."""
        return TenantRepositories(self.session, organisation_id)

    def tokens_global(self) -> SqlTokens:
        """Token lookup across organisations (authentication only)."""
        return SqlTokens(self.session)

    def mail_links(self) -> SqlMailLinks:
        """Claim-token and unsubscribe lookups across organisations (e-mail links only)."""
        return SqlMailLinks(self.session)

    def commit(self) -> None:
        """Commit; integrity violations become `Conflict`."""
        try:
            self.session.commit()
        except IntegrityError as exc:
            self.session.rollback()
            raise Conflict("The change conflicts with existing data (a duplicate?).") from exc
        except (OperationalError, InterfaceError) as exc:
            with contextlib.suppress(OperationalError, InterfaceError):
                self.session.rollback()
            raise Unavailable(DB_UNAVAILABLE) from exc

    def rollback(self) -> None:
        """Throw away everything since the last commit."""
        self.session.rollback()


class TenantRepositories:
    """All repositories of one organisation."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self.organisation_id = organisation_id
        self.users = SqlUsers(session, organisation_id)
        self.tokens = SqlTokens(session, organisation_id)
        self.keys = SqlKeys(session, organisation_id)
        self.achievements = SqlAchievements(session, organisation_id)
        self.credentials = SqlCredentials(session, organisation_id)
        self.status_lists = SqlStatusLists(session, organisation_id)
        self.rubrics = SqlRubrics(session, organisation_id)
        self.pathways = SqlPathways(session, organisation_id)
        self.enrolments = SqlEnrolments(session, organisation_id)
        self.submissions = SqlSubmissions(session, organisation_id)
        self.security_events = SqlSecurityEvents(session, organisation_id)
        self.skills = SqlSkills(session, organisation_id)
        self.bulk_issuance = SqlBulkIssuance(session, organisation_id)
        self.imported = SqlImportedCredentials(session, organisation_id)
        self.webhooks = SqlWebhooks(session, organisation_id)
        self.mail = SqlMail(session, organisation_id)
        self.sso = SqlSso(session, organisation_id)
        self.lti = SqlLti(session, organisation_id)
        self.oid4vci = SqlOid4vci(session, organisation_id)
        self.wallet_exchanges = SqlWalletExchanges(session, organisation_id)
        self.exports = SqlExportRuns(session, organisation_id)
        self.scim = SqlScim(session, organisation_id)


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._clock)
