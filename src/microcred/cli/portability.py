"""``microcred export FILE`` and ``microcred import FILE`` (docs/export.md)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import fail, session

_PASSPHRASE = typer.Option(
    envvar="MICROCRED_EXPORT_PASSPHRASE",
    help="Seals the signing keys inside the archive and keys its manifest (or the env var).",
    prompt=True,
    hide_input=True,
)


def export(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .zip).")],
    passphrase: Annotated[str, _PASSPHRASE],
    org: Annotated[
        list[str] | None, typer.Option(help="Organisation slug (repeatable; default: all).")
    ] = None,
) -> None:
    """Write organisations, their evidence files, keys (sealed) and the whole log to FILE."""
    if file.exists():
        fail(f"{file} exists; choose a new file name.")
    with session() as c:
        ids = None
        if org:
            with c.uow() as uow:
                found = [uow.organisations.by_slug(slug) for slug in org]
            if any(o is None for o in found):
                missing = [s for s, o in zip(org, found, strict=True) if o is None]
                fail("No such organisation: " + ", ".join(missing))
            ids = [o.id for o in found if o is not None]
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
