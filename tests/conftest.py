"""Shared fixtures: the in-repo public vectors and a database per backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.vectors import VECTORS

from microcred.adapters.db import migrate
from microcred.adapters.sandbox import Sandbox
from microcred.bootstrap import Container, build
from microcred.config import Settings

POSTGRES_URL = os.environ.get(
    "MICROCRED_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
KEK = "test-kek-secret-0123456789abcdef"


@pytest.fixture(scope="session", autouse=True)
def _sandbox_uids_per_worker() -> Iterator[None]:
    """Each xdist worker's sandboxes take uids from their own part of the range, so a test that
    checks no sandbox process is left over sees its own worker's runs, not the other's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    index = int(worker) if worker.isdigit() else 0
    saved = Sandbox.UID_BASE, Sandbox.UID_SPAN
    span = saved[1] // max(count, 1)
    Sandbox.UID_BASE, Sandbox.UID_SPAN = saved[0] + index * span, span
    yield
    Sandbox.UID_BASE, Sandbox.UID_SPAN = saved


class FrozenClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture(scope="session")
def vectors() -> Path:
    """The folder of public test vectors kept in the repository (tests/vectors)."""
    return VECTORS


def _postgres_schema_url() -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server; the run fails if it is unreachable."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'microcred.db'}"
        migrate.upgrade(url)
        yield url
    else:
        gen = _postgres_schema_url()
        url = next(gen)
        migrate.upgrade(url)
        yield url
        next(gen, None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        mail_outbox_dir=str(tmp_path / "outbox"),
        environment="test",
        database_url=database_url,
        kek_secrets=[KEK],
        public_base_url="https://issuer.test",
        ledger_interval_ms=0,
        run_worker=False,
    )


@pytest.fixture
def container(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    c = build(settings, clock=clock)
    yield c
    c.close()
