"""SQLAlchemy 2.0 tables, repositories and the unit of work (SQLite and PostgreSQL alike)."""

from microcred.adapters.db.job_wakeup import PgJobWakeup
from microcred.adapters.db.uow import (
    SqlUnitOfWorkFactory,
    make_engine,
    reader_engine,
    snapshot_engine,
)
from microcred.adapters.db.witness_store import WitnessStore

__all__ = [
    "PgJobWakeup",
    "SqlUnitOfWorkFactory",
    "WitnessStore",
    "make_engine",
    "reader_engine",
    "snapshot_engine",
]
