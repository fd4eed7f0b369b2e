"""``microcred export FILE`` and ``microcred import FILE`` (docs/export.md)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from microcred.bootstrap import Container
from microcred.cli.common import fail, session
from microcred.cli.static_site import check_target, write_static
from microcred.errors import MicrocredError
from microcred.services.portability import DEFAULT_STATUS_DAYS

_PASSPHRASE = typer.Option(
    envvar="MICROCRED_EXPORT_PASSPHRASE",
    help="Seals the signing keys inside the archive and keys its manifest (or the env var).",
    prompt=True,
    hide_input=True,
)


def _organisations(c: Container, org: list[str] | None) -> list[str] | None:
    if not org:
        return None
    with c.uow() as uow:
        found = [uow.organisations.by_slug(slug) for slug in org]
    if any(o is None for o in found):
        missing = [s for s, o in zip(org, found, strict=True) if o is None]
        fail("No such organisation: " + ", ".join(missing))
    return [o.id for o in found if o is not None]


def export(
    file: Annotated[
        Path | None, typer.Argument(help="The archive to write (a .zip); not with --static.")
    ] = None,
    passphrase: Annotated[
        str | None,
        typer.Option(
            envvar="MICROCRED_EXPORT_PASSPHRASE",
            help="Seals the keys inside the archive, keys its manifest (asked for when unset).",
        ),
    ] = None,
    org: Annotated[
        list[str] | None, typer.Option(help="Organisation slug (repeatable; default: all).")
    ] = None,
    static: Annotated[
        Path | None,
        typer.Option(
            "--static",
            help="Write the public part as plain files into this new or empty folder instead.",
        ),
    ] = None,
    status_days: Annotated[
        int, typer.Option(help="With --static: how long the re-signed status lists stay valid.")
    ] = DEFAULT_STATUS_DAYS,
) -> None:
    """Write organisations, their evidence files, keys (sealed) and the whole log to FILE; or,
    with --static DIR, the public part (credentials, status lists, DID documents, log tiles and
    checkpoints, achievement pages) as files any static web host can serve."""
    if static is not None:
        if file is not None:
            fail("Give either FILE or --static DIR, not both.")
        try:
            check_target(static)
        except MicrocredError as exc:
            fail(exc.explain())
        with session() as c:
            try:
                done = write_static(c, static, _organisations(c, org), status_days)
            except OSError as exc:
                fail(f"{static} cannot be written: {exc.strerror or exc}.")
        typer.echo(json.dumps({"folder": str(static), **asdict(done)}))
        return
    if file is None:
        fail("Name the archive to write (FILE), or give --static DIR.")
    if file.exists():
        fail(f"{file} exists; choose a new file name.")
    if passphrase is None:
        passphrase = typer.prompt("Passphrase", hide_input=True, confirmation_prompt=True)
    with session() as c:
        ids = _organisations(c, org)
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".export-")
        try:
            with os.fdopen(fd, "wb") as handle:
                summary = c.portability.export.write(handle, passphrase, ids)
            os.replace(tmp, file)  # all or nothing: never a half-written archive under FILE
        finally:
            Path(tmp).unlink(missing_ok=True)
    for digest in summary.missing_blobs:
        typer.echo(f"warning: evidence file {digest} is missing from the blob store", err=True)
    typer.echo(json.dumps({"file": str(file), "records": summary.counts, "blobs": summary.blobs}))


def import_(
    file: Annotated[Path, typer.Argument(help="An archive from `microcred export`.")],
    passphrase: Annotated[str, _PASSPHRASE],
) -> None:
    """Import an archive into this fresh, empty instance (all or nothing)."""
    try:
        handle = file.open("rb")
    except OSError as exc:
        fail(f"{file} cannot be read: {exc.strerror or exc}.")
    with handle, session() as c:
        summary = c.portability.importer.run(handle, file.stat().st_size, passphrase)
    typer.echo(
        json.dumps(
            {
                "organisations": summary.organisations,
                "records": dict(summary.counts),
                "blobs": summary.blobs,
            }
        )
    )
