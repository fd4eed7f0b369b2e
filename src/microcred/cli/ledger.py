"""``microcred log``, ``microcred witness``, ``microcred audit`` and ``microcred worker``."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from microcred.bootstrap import log_reader, witness_store
from microcred.cli.common import fail, session
from microcred.errors import MicrocredError
from microcred.services.ledger.audit import audit_log
from microcred.services.ledger.monitor import Monitor, MonitorState
from microcred.services.ledger.service import log_policy
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.note import MAX_NOTE_BYTES, Ed25519NoteVerifier, parse_note
from microcred.transparency.witness import Witness

log_app = typer.Typer(help="The transparency log.", no_args_is_help=True)
witness_app = typer.Typer(help="Run an independent witness.", no_args_is_help=True)


@log_app.command("key")
def log_key() -> None:
    """Print the log's public note key (vkey), creating the key on first use."""
    with session() as c:
        with c.uow() as uow:
            signer = c.ledger.keys.signer(uow, c.clock)
            uow.commit()
        typer.echo(signer.verifier.vkey)


@log_app.command("policy")
def log_policy_command() -> None:
    """Print a C2SP tlog-policy for this log (log key, witnesses, quorum)."""
    with session() as c:
        with c.uow() as uow:
            signer = c.ledger.keys.signer(uow, c.clock)
            uow.commit()
        witnesses = [(e.verifier.vkey, e.url) for e in c.witnessing.endpoints.values()]
        typer.echo(
            log_policy(signer.verifier.vkey, f"{c.urls.base}/log", witnesses, c.ledger.quorum),
            nl=False,
        )


@log_app.command("sequence")
def log_sequence() -> None:
    """Sequence every staged entry now and sign checkpoints."""
    with session() as c:
        total = 0
        while (result := c.ledger.sequence()) is not None:
            total += result.sequenced
            typer.echo(f"checkpoint {result.size} root {result.root.hex()}")
        typer.echo(f"sequenced {total} entries")


@log_app.command("monitor")
def log_monitor(
    url: Annotated[str, typer.Argument(help="The log's base URL, e.g. https://host/log")],
    log_key: Annotated[str, typer.Option(help="The log's vkey (from its tlog-policy).")],
    state: Annotated[Path, typer.Option(help="Where to keep what was verified.")] = Path(
        "monitor-state.json"
    ),
    interval: Annotated[float, typer.Option(help="Seconds between polls.")] = 30.0,
    once: Annotated[bool, typer.Option(help="Poll once and exit (1 on misbehaviour).")] = False,
    ca_bundle: Annotated[str | None, typer.Option(help="Extra CA certificates (PEM).")] = None,
) -> None:
    """Follow another instance's log and report misbehaviour (forks, rollbacks, bad proofs)."""
    try:
        verifier = Ed25519NoteVerifier.from_vkey(log_key)
    except MicrocredError as exc:
        fail(exc.explain())
        return
    fetch = log_reader(url, ca_bundle=ca_bundle)
    monitor = Monitor(url, [verifier], fetch, origin=verifier.name)
    while True:
        current = MonitorState.load(state)
        report = monitor.poll(current)
        for entry in report.new_entries:
            typer.echo(
                f"{entry.time:%Y-%m-%dT%H:%M:%SZ} {entry.event.value:<10} "
                f"{entry.credential_id_hash.hex()[:16]} by {entry.issuer_did}"
            )
        if report.ok:
            current.save(state)
            typer.echo(f"ok: size {report.old_size} -> {report.new_size}")
        else:
            for problem in report.problems:
                typer.echo(f"MISBEHAVIOUR: {problem}", err=True)
        if once:
            raise typer.Exit(0 if report.ok else 1)
        time.sleep(interval)


def audit(
    offline: Annotated[bool, typer.Option(help="Do not ask the witnesses.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    against: Annotated[
        list[Path] | None,
        typer.Option(help="A checkpoint note a third party kept (repeatable): rollback evidence."),
    ] = None,
) -> None:
    """Recompute the log from stored entries and credentials; compare with the signed and
    cosigned checkpoints, the witnesses' view and kept checkpoints (--against); check status
    lists and stored records. Exit 1 when anything was tampered with."""
    kept = {str(path): _kept_checkpoint(path) for path in against or []}
    with session() as c, c.uow() as uow:
        verifier = c.ledger.keys.verifier(uow)
        credentials = list(uow.public.all_credentials())
        witness_notes: dict[str, str] = {}
        if not offline:
            client = c.witness_client
            for name, endpoint in c.witnessing.endpoints.items():
                try:
                    witness_notes[name] = client.latest_checkpoint(endpoint.url, c.ledger.origin)
                except MicrocredError as exc:
                    typer.echo(f"warning: {exc.explain()}", err=True)
        report = audit_log(
            uow,
            credentials,
            [verifier] if verifier else [],
            witness_checkpoints=witness_notes,
            against=kept,
        )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "clean": report.clean,
                    "entries": report.entries,
                    "credentials": report.credentials,
                    "checkpoint_size": report.checkpoint_size,
                    "cosigned_size": report.cosigned_size,
                    "independent_evidence": report.evidence,
                    "warnings": report.warnings,
                    "findings": [
                        {"kind": f.kind.value, "message": f.message} for f in report.findings
                    ],
                }
            )
        )
    else:
        typer.echo(f"{report.entries} log entries, {report.credentials} credentials checked")
        for line in report.evidence:
            typer.echo(f"compared with {line}")
        for warning in report.warnings:
            typer.echo(f"WARNING: {warning}")
        for f in report.findings:
            typer.echo(f"TAMPERED ({f.kind.value}): {f.message}")
        if report.clean:
            typer.echo(
                "clean: the log, the credentials, their status lists and records agree with the "
                "signed checkpoints"
                + ("" if report.independent else " (this database's own checkpoints only)")
            )
    raise typer.Exit(0 if report.clean else 1)


def _kept_checkpoint(path: Path) -> str:
    """The checkpoint note in ``path`` (a third party's copy), or a clear error and exit 2."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        fail(f"{path} cannot be read: {exc.strerror or exc}.")
    if len(data) > MAX_NOTE_BYTES:
        fail(f"{path} is not a checkpoint: a checkpoint note has at most {MAX_NOTE_BYTES} bytes.")
    try:
        Checkpoint.parse(parse_note(data).text)
    except MicrocredError as exc:
        fail(f"{path} is not a checkpoint note: {exc.message}")
    return data.decode("utf-8")


def worker(
    idle: Annotated[
        float | None,
        typer.Option(
            help="Seconds between polls when there is no work (default 0.5; 5 on PostgreSQL, "
            "where a new job wakes the worker at once)."
        ),
    ] = None,
) -> None:
    """Run background jobs (sequencing, witness submission, ...) until interrupted."""
    stop = threading.Event()
    with session() as c:
        if idle is None:
            idle = 0.5 if c.jobs.wakeup is None else 5.0
        try:
            c.jobs.run_forever(stop, idle)
        except KeyboardInterrupt:
            stop.set()


@witness_app.command("keygen")
def witness_keygen(
    name: Annotated[str, typer.Argument(help="The witness's key name, e.g. witness.example.org")],
    out: Annotated[Path, typer.Option(help="Where to write the private key (mode 600).")],
) -> None:
    """Create a witness key: the private key goes to OUT, the public vkey is printed."""
    try:
        signer = CosignatureSigner.generate(name)
    except MicrocredError as exc:
        fail(exc.explain())
        return
    out.touch(mode=0o600, exist_ok=False)
    out.write_text(signer.skey + "\n")
    typer.echo(signer.verifier.vkey)


@witness_app.command("serve")
def witness_serve(
    key: Annotated[Path, typer.Option(help="The witness's private key file (from keygen).")],
    log: Annotated[list[str], typer.Option(help="A log to witness: its vkey (repeatable).")],
    db: Annotated[str, typer.Option(help="Database URL for the witness's state.")] = (
        "sqlite:///./var/witness.db"
    ),
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8100,
) -> None:
    """Serve C2SP tlog-witness add-checkpoint for the given logs."""
    try:
        signer = CosignatureSigner.from_skey(key.read_text().strip())
        logs: dict[str, list[Ed25519NoteVerifier]] = {}
        for vkey in log:
            verifier = Ed25519NoteVerifier.from_vkey(vkey)
            logs.setdefault(verifier.name, []).append(verifier)
    except OSError as exc:
        fail(f"{key} cannot be read: {exc.strerror}.")
    except MicrocredError as exc:
        fail(exc.explain())
    serve_witness(signer, logs, db, host, port)


def serve_witness(
    signer: CosignatureSigner,
    logs: dict[str, list[Ed25519NoteVerifier]],
    db: str,
    host: str,
    port: int,
) -> None:
    """Serve the witness app for ``logs`` with state in the database ``db`` until stopped."""
    import uvicorn  # noqa: PLC0415

    from microcred.web.witness.app import create_witness_app  # noqa: PLC0415

    try:
        store = witness_store(db)
    except MicrocredError as exc:
        fail(exc.explain())
    app = create_witness_app(Witness(signer, logs), store)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
