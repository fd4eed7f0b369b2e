"""Running Alembic migrations from the installed package (``microcred db upgrade``)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext

from microcred.adapters.db.uow import make_engine


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the migrations shipped inside microcred."""
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("microcred.adapters.db").joinpath("migrations"))
    )
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database schema up to ``revision`` (default: every head)."""
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The schema revision the database is at (None when never migrated)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
            return ",".join(sorted(heads)) if heads else None
    finally:
        engine.dispose()
