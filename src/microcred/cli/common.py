"""What every command shares: plain error messages and exit codes, and the wired application."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from microcred.bootstrap import Container, build
from microcred.domain.identity import Principal, Role, permissions_of
from microcred.errors import MicrocredError, NotFound

log = logging.getLogger("microcred.cli")


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``error: message`` on stderr and exit (2: bad input or refused)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def session() -> Iterator[Container]:
    """The wired application for one command; a `MicrocredError` becomes a message and exit 2."""
    try:
        c = build()
    except MicrocredError as exc:
        fail(exc.explain())
    try:
        yield c
    except MicrocredError as exc:
        fail(exc.explain())
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception:  # a bug: say so plainly; the trace goes to the log, not the terminal
        log.exception("command failed")
        fail("Something went wrong inside microcred; nothing was changed. See the log.")
    finally:
        c.close()


def operator(c: Container, slug: str, who: str = "operator:cli") -> Principal:
    """Acting from the shell on behalf of an organisation, with its administrator's powers."""
    with c.uow() as uow:
        org = uow.organisations.by_slug(slug)
    if org is None:
        raise NotFound(f"No organisation called {slug!r}.")
    return Principal(who, org.id, Role.ADMIN, f"{who}@localhost", permissions_of(Role.ADMIN))
