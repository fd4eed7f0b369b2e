"""A witness's own small database: the latest cosigned checkpoint per log, and the evidence of
refused but validly signed checkpoints. Separate from the issuer's schema on purpose: a witness
is run by someone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, Integer, LargeBinary, MetaData, String, Text, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from microcred.adapters.db.tables import UTCDateTime
from microcred.adapters.db.uow import make_engine
from microcred.transparency.witness import Evidence, LogRecord, WitnessDecision

_ATTEMPTS = 5  # compare-and-set retries before the witness answers "busy"


class WitnessBase(DeclarativeBase):
    """Tables of a witness database."""

    metadata = MetaData()


class WitnessLogRow(WitnessBase):
    __tablename__ = "witness_logs"
    origin: Mapped[str] = mapped_column(String(1000), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[int] = mapped_column(Integer)


class WitnessEvidenceRow(WitnessBase):
    __tablename__ = "witness_evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(1000), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    submitted: Mapped[str] = mapped_column(Text)
    recorded: Mapped[str | None] = mapped_column(Text)
    request: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WitnessStore:
    """Durable witness state; every write commits before the caller answers."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        WitnessBase.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def apply(
        self, origin: str, decide: Callable[[LogRecord | None], WitnessDecision]
    ) -> WitnessDecision | None:
        """Decide against the stored record, keep any evidence and move the record, in one commit.

        If another request moved the record meanwhile, decide again (a few times; then None).
        """
        for _attempt in range(_ATTEMPTS):
            with self.session() as session:
                previous = self.load(session, origin)
                decision = decide(previous)
                if decision.evidence is not None:
                    self.keep_evidence(session, decision.evidence)
                if decision.new_state is not None and not self.save(
                    session, previous, decision.new_state
                ):
                    session.rollback()
                    continue
                session.commit()
                return decision
        return None

    def session(self) -> Session:
        """A new session (one transaction: on SQLite it holds the write lock)."""
        return self._sessions()

    @staticmethod
    def load(session: Session, origin: str) -> LogRecord | None:
        """The record for ``origin`` (locked on PostgreSQL)."""
        row = session.scalar(
            select(WitnessLogRow).where(WitnessLogRow.origin == origin).with_for_update()
        )
        if row is None:
            return None
        return LogRecord(row.origin, row.size, bytes(row.root_hash), row.note, row.timestamp)

    @staticmethod
    def save(session: Session, previous: LogRecord | None, record: LogRecord) -> bool:
        """Compare-and-set: replace ``previous`` with ``record``; False if someone moved it."""
        if previous is None:
            if session.get(WitnessLogRow, record.origin) is not None:
                return False
            session.add(
                WitnessLogRow(
                    origin=record.origin,
                    size=record.size,
                    root_hash=record.root_hash,
                    note=record.note,
                    timestamp=record.timestamp,
                )
            )
            session.flush()
            return True
        result = session.execute(
            update(WitnessLogRow)
            .where(WitnessLogRow.origin == record.origin, WitnessLogRow.size == previous.size)
            .values(
                size=record.size,
                root_hash=record.root_hash,
                note=record.note,
                timestamp=record.timestamp,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    @staticmethod
    def keep_evidence(session: Session, evidence: Evidence) -> None:
        """Store a refused, validly signed checkpoint."""
        session.add(
            WitnessEvidenceRow(
                origin=evidence.origin,
                kind=evidence.kind.value,
                reason=evidence.reason,
                submitted=evidence.submitted,
                recorded=evidence.recorded.note if evidence.recorded else None,
                request=evidence.request,
                received_at=datetime.now(UTC),
            )
        )
        session.flush()

    def evidence(self, origin: str | None = None) -> list[tuple[str, str, str]]:
        """(kind, reason, submitted note) of kept evidence."""
        with self.session() as s:
            query = select(WitnessEvidenceRow).order_by(WitnessEvidenceRow.id)
            if origin is not None:
                query = query.where(WitnessEvidenceRow.origin == origin)
            return [(r.kind, r.reason, r.submitted) for r in s.scalars(query)]

    def record(self, origin: str) -> LogRecord | None:
        """The current record for ``origin``."""
        with self.session() as s:
            return self.load(s, origin)
