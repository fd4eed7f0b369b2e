"""A database whose connections are cut (a PostgreSQL restart, a failover) answers 503 "try
again", never 400 "your request is wrong" nor a raw driver error: found by the chaos run
(tests/chaos), where an issuance caught by the cut came back as 400 Bad Request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import POSTGRES_URL, FrozenClock, _postgres_schema_url

from microcred.adapters.db import migrate
from microcred.adapters.db.uow import SqlUnitOfWorkFactory, make_engine
from microcred.errors import Unavailable
from microcred.web.errors import status_of

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    gen = _postgres_schema_url()
    url = next(gen)
    migrate.upgrade(url)
    yield url
    next(gen, None)


def _cut(pid: int) -> None:
    """What a restart does to one client: its backend is terminated."""
    admin = create_engine(POSTGRES_URL)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def _backend(uow: object) -> int:
    return int(uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one())  # type: ignore[attr-defined]


def _query_after_a_cut(factory: SqlUnitOfWorkFactory) -> None:
    with factory() as uow:
        _cut(_backend(uow))
        uow.ledger.size()  # the next statement finds the connection gone


def _commit_after_a_cut(factory: SqlUnitOfWorkFactory) -> None:
    with factory() as uow:
        uow.ledger.add_entry(b"entry", b"\x00" * 32, "issued", None, FrozenClock().now())
        _cut(_backend(uow))
        uow.commit()


def test_a_cut_mid_transaction_is_unavailable_not_bad_request(pg_url: str) -> None:
    engine = make_engine(pg_url)
    factory = SqlUnitOfWorkFactory(engine, FrozenClock())
    with pytest.raises(Unavailable) as raised:
        _query_after_a_cut(factory)
    assert status_of(raised.value) == 503
    with factory() as uow:  # the pool recovers: the next unit of work just works
        assert uow.ledger.size() == 0
    engine.dispose()


def test_a_cut_at_commit_is_unavailable(pg_url: str) -> None:
    engine = make_engine(pg_url)
    factory = SqlUnitOfWorkFactory(engine, FrozenClock())
    with pytest.raises(Unavailable):
        _commit_after_a_cut(factory)
    with factory() as uow:  # nothing half-written
        assert uow.ledger.unsequenced(10) == []
    engine.dispose()
