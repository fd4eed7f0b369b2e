"""``microcred witness local``: the witness ``make run`` starts beside the server.

It is a real witness process (``microcred witness serve``) with its own key, its own state
database and the log key it follows, all kept in one directory (``./var`` by default), so a rerun
finds the same key and the same last cosigned checkpoint::

    var/witness.key        the witness's private key (mode 0600), created on first run
    var/witness.log.vkey   the log key it follows, pinned on first run
    var/witness.db         the latest checkpoint it cosigned per log, and kept evidence

The log key is read from this instance's database on first run only; afterwards the pinned key
wins, and a database whose log key changed is refused rather than silently followed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from microcred.cli.common import fail, session
from microcred.cli.ledger import serve_witness
from microcred.errors import MicrocredError
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.note import Ed25519NoteVerifier

KEY_FILE = "witness.key"
LOG_KEY_FILE = "witness.log.vkey"
STATE_FILE = "witness.db"


@dataclass(frozen=True, slots=True)
class LocalWitness:
    """The local witness's key, the log it follows and where its state lives."""

    signer: CosignatureSigner
    log: Ed25519NoteVerifier
    state_url: str

    def spec(self, url: str) -> str:
        """The ``<url> <vkey>`` pair for ``MICROCRED_WITNESSES``."""
        return f"{url} {self.signer.verifier.vkey}"


def prepare(directory: Path) -> LocalWitness:
    """Create (first run) or load (later runs) the local witness kept in ``directory``.

    Raises `MicrocredError` when a kept file is unreadable or the database's log key is not the
    one the witness pinned.
    """
    directory.mkdir(parents=True, exist_ok=True)
    with session() as c:
        with c.uow() as uow:
            log_key = c.ledger.keys.verifier(uow)  # the public key: no need to unseal it
            if log_key is None:  # a fresh database: the log key is created now
                log_key = c.ledger.keys.signer(uow, c.clock).verifier
                uow.commit()
        log_vkey = log_key.vkey
        origin = c.ledger.origin
    signer = _key(directory / KEY_FILE, f"{origin}/local-witness")
    pinned_file = directory / LOG_KEY_FILE
    if pinned_file.exists():
        pinned = _read(pinned_file)
        if pinned != log_vkey:
            raise MicrocredError(
                f"The log key in this database ({log_vkey}) is not the one the local witness "
                f"follows ({pinned}, in {pinned_file}). A witness never follows a log whose key "
                f"changed; if you recreated the database on purpose, delete {directory}/witness.*."
            )
    else:
        pinned_file.write_text(log_vkey + "\n", encoding="utf-8")
    state = (directory / STATE_FILE).resolve()
    return LocalWitness(signer, Ed25519NoteVerifier.from_vkey(log_vkey), f"sqlite:///{state}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise MicrocredError(f"{path} cannot be read: {exc}.") from None


def _key(path: Path, name: str) -> CosignatureSigner:
    """The witness key in ``path``, generated there (mode 0600) when the file does not exist."""
    if path.exists():
        return CosignatureSigner.from_skey(_read(path))
    signer = CosignatureSigner.generate(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.skey + "\n")
    return signer


def witness_local(
    directory: Annotated[
        Path, typer.Option("--dir", help="Where the witness keeps its key and state.")
    ] = Path("var"),
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8100,
    spec: Annotated[
        bool, typer.Option("--spec", help="Set up, print '<url> <vkey>' and exit (no serving).")
    ] = False,
) -> None:
    """Run a witness of this instance's own log (what `make run` starts beside the server)."""
    try:
        local = prepare(directory)
    except MicrocredError as exc:
        fail(exc.explain())
    url_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
    url = f"http://{f'[{url_host}]' if ':' in url_host else url_host}:{port}"
    if spec:
        typer.echo(local.spec(url))
        return
    typer.echo(f"local witness {local.signer.name} on {url}, state in {directory}/", err=True)
    serve_witness(local.signer, {local.log.name: [local.log]}, local.state_url, host, port)
