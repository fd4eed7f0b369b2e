"""``microcred vc``: sign and verify credential files, with no database."""

from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography.hazmat.primitives import serialization

from microcred.bootstrap import remote_fetcher
from microcred.cli.common import fail
from microcred.config import get_settings
from microcred.credentials import baking
from microcred.credentials.parsing import load_json
from microcred.credentials.proofs import data_integrity, jwt
from microcred.credentials.verify import Check, CheckStatus, VerificationReport, Verifier
from microcred.crypto.did import did_key, did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair, RsaKeyPair
from microcred.errors import InvalidInput, MicrocredError
from microcred.ports.credentials import DocumentFetcher
from microcred.services.credentials.fetch_budget import FetchBudget
from microcred.services.ledger.log_verification import LogProofCheck
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof

app = typer.Typer(
    help="Sign and verify Verifiable Credentials (files in, files out).", no_args_is_help=True
)

SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt-eddsa", "vc-jwt-rs256")
MAX_FILE = 10_000_000


def read_file(path: Path) -> bytes:
    """A file's bytes (``-`` is stdin), refusing missing or oversized files clearly."""
    try:
        if path == Path("-"):
            return sys.stdin.buffer.read(MAX_FILE + 1)
        if path.stat().st_size > MAX_FILE:
            raise InvalidInput(f"{path} is larger than {MAX_FILE:,} bytes.")
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}.") from exc


def _load_credential(path: Path) -> tuple[dict[str, Any] | str, str | None]:
    """The credential in a file (JSON, a VC-JWT, or baked into a PNG or SVG badge, found by
    its first bytes), with where it came from when it was a badge."""
    data = read_file(path)
    if baking.detect(data) is not None:
        found = baking.extract(data)
        return _credential_value(found.text.encode("utf-8"), path), found.source
    return _credential_value(data, path), None


def _credential_value(data: bytes, path: Path) -> dict[str, Any] | str:
    text = data.strip()
    if text[:1] not in (b"{", b"[", b'"') and text.count(b".") == 2:
        return text.decode("ascii", "replace")  # a compact VC-JWT
    value = load_json(data, max_bytes=MAX_FILE, what=str(path))
    if isinstance(value, str | dict):
        return value
    raise InvalidInput(f"{path} holds neither a credential object nor a VC-JWT.")


def write_private_file(path: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``path`` readable by its owner only (mode 0600), whatever the umask.

    An existing file (or symlink) is refused unless ``force``; then it is replaced whole, never
    truncated in place, so a failed write leaves the old file as it was.
    """
    data = text.encode("utf-8")
    try:
        if force:
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temporary = Path(name)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            temporary = path
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)  # exactly 0600, whatever the umask
                handle.write(data)
                os.fsync(handle.fileno())
            if temporary != path:
                os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except FileExistsError:
        raise InvalidInput(
            f"{path} already exists; not overwriting it.",
            hint="Choose another --out, or pass --force to replace it.",
        ) from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be written: {exc.strerror}.") from None


@app.command()
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the key pair (mode 0600).")] = Path(
        "keyPair.json"
    ),
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
) -> None:
    """Create an Ed25519 key pair for `vc sign --key` (Multikey JSON, mode 0600).

    Prints its did:key (the issuer id to sign as) on stdout, its verification method on stderr.
    """
    pair = Ed25519KeyPair.generate()
    try:
        if out == Path("-"):
            raise InvalidInput("--out wants a file name: the key pair is not printed.")
        write_private_file(out, json.dumps(pair.to_multikey(), indent=2) + "\n", force=force)
    except MicrocredError as exc:
        fail(exc.explain())
    typer.echo(did_key(pair.public))
    typer.echo(f"wrote {out} (Ed25519 key pair, mode 0600: it holds the secret key)", err=True)
    typer.echo(f"verification method: {did_key_verification_method(pair.public)}", err=True)


@app.command()
def sign(
    file: Annotated[Path, typer.Argument(help="The unsigned credential (JSON); '-' for stdin.")],
    key: Annotated[Path, typer.Option(help="Multikey pair JSON (Ed25519) or PKCS#8 PEM (RSA).")],
    suite: Annotated[str, typer.Option(help=f"One of: {', '.join(SUITES)}.")] = SUITES[0],
    created: Annotated[str | None, typer.Option(help="Proof creation time (XML dateTime).")] = None,
    verification_method: Annotated[
        str | None, typer.Option(help="Verification method id; default: the key's did:key.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Sign a credential with a Data Integrity proof or as a VC-JWT."""
    try:
        if suite not in SUITES:
            raise InvalidInput(f"Unknown suite {suite!r}; choose one of {', '.join(SUITES)}.")
        document = load_json(read_file(file), max_bytes=MAX_FILE, what=str(file))
        if not isinstance(document, dict):
            raise InvalidInput("The credential must be a JSON object.")
        key_bytes = read_file(key)
        if suite == "vc-jwt-rs256":
            try:
                pem = serialization.load_pem_private_key(key_bytes, password=None)
            except ValueError as exc:
                raise InvalidInput("The RSA key must be an unencrypted PEM private key.") from exc
            der = pem.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            if verification_method is None:
                raise InvalidInput("RS256 needs --verification-method (the key's id).")
            result: str = jwt.sign(document, RsaKeyPair(der), kid=verification_method)
        else:
            pair_json = load_json(key_bytes, what=str(key))
            if not isinstance(pair_json, dict):
                raise InvalidInput("The key file must be a JSON object.")
            pair = Ed25519KeyPair.from_multikey(pair_json)
            vm = verification_method or did_key_verification_method(pair.public)
            if suite == "vc-jwt-eddsa":
                result = jwt.sign(document, pair, kid=vm)
            else:
                signed = data_integrity.sign(
                    document,
                    pair,
                    verification_method=vm,
                    cryptosuite=data_integrity.Cryptosuite(suite),
                    created=created,
                )
                result = json.dumps(signed, indent=2, ensure_ascii=False)
    except MicrocredError as exc:
        fail(exc.explain())
        return
    if out:
        out.write_text(result + "\n", encoding="utf-8")
    else:
        typer.echo(result)


def _fetcher() -> DocumentFetcher:
    return remote_fetcher(get_settings())


def _budget(remote: DocumentFetcher | None) -> FetchBudget | None:
    """One verification's deadline and fetch cap, as the server applies them."""
    if remote is None:
        return None
    settings = get_settings()
    return FetchBudget(
        remote,
        seconds=settings.verify_deadline_seconds,
        max_fetches=settings.verify_max_fetches,
    )


def _documents(pairs: list[str]) -> dict[str, Any]:
    docs: dict[str, Any] = {}
    for pair in pairs:
        url, sep, path = pair.partition("=")
        if not sep or not url or not path:
            raise InvalidInput(f"--document wants URL=FILE, not {pair!r}.")
        value = load_json(read_file(Path(path)), what=path)
        if not isinstance(value, dict):
            raise InvalidInput(f"{path} is not a JSON object.")
        docs[url] = value
    return docs


def status_checked(report: VerificationReport) -> bool:
    """False when the credential can be revoked but no check established its status (offline,
    no status list passed, no status change proven by the log): "verified" is then qualified."""
    if report.credential is None or report.credential.get("credentialStatus") is None:
        return True
    return any(
        c.check in ("status", "log_status") and c.status is not CheckStatus.SKIPPED
        for c in report.checks
    )


def _print_report(name: str, report: VerificationReport) -> None:
    mark = {"passed": "✓", "failed": "✗", "skipped": "–"}
    if not report.verified:
        headline = "NOT VERIFIED"
    elif status_checked(report):
        headline = "VERIFIED"
    else:
        headline = "VERIFIED, STATUS NOT CHECKED (it may have been revoked: verify online)"
    typer.echo(f"{name}: {headline}")
    for c in report.checks:
        typer.echo(f"  {mark[c.status.value]} {c.check:<9} {c.message}")


@app.command()
def verify(
    files: Annotated[
        list[Path],
        typer.Argument(help="Credential files (JSON-LD, VC-JWT, or a baked PNG or SVG badge)."),
    ],
    offline: Annotated[bool, typer.Option(help="Fetch nothing from the network.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
    document: Annotated[
        list[str] | None,
        typer.Option(help="URL=FILE: a DID/controller document or status list to use for URL."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="A C2SP tlog-policy: also check each credential's log proof."),
    ] = None,
    tlog_proof: Annotated[
        Path | None,
        typer.Option(help="The tlog-proof of the (single) FILE; default: FILE.tlog-proof."),
    ] = None,
) -> None:
    """Verify credentials; exit 0 only if every file verifies. With --policy, each credential
    must also be proven in the issuer's transparency log, cosigned by the policy's witnesses."""
    try:
        docs = _documents(document or [])
    except MicrocredError as exc:
        fail(exc.explain())
        return
    try:
        log_policy = Policy.parse(read_file(policy)) if policy else None
        if tlog_proof is not None and len(files) != 1:
            raise InvalidInput("--tlog-proof goes with a single FILE; use FILE.tlog-proof files.")
    except MicrocredError as exc:
        fail(exc.explain())
        return
    fetch = None if offline else _fetcher()
    all_ok = True
    for path in files:
        source: str | None = None
        try:
            extra = []
            if log_policy is not None:
                proof_path = tlog_proof or path.with_name(path.name + ".tlog-proof")
                proof = TlogProof.parse(read_file(proof_path))
                extra.append(LogProofCheck(proof, log_policy, lambda: int(time.time())))
            verifier = Verifier(fetch=_budget(fetch), documents=docs, extra_checks=extra)
            credential, source = _load_credential(path)
            report = verifier.verify(credential)
        except MicrocredError as exc:
            report = VerificationReport()
            report.checks.append(Check("proof", CheckStatus.FAILED, exc.explain()))
        all_ok = all_ok and report.verified
        if as_json:
            result = {"file": str(path), **report.to_json()}
            result["status_checked"] = status_checked(report)
            result["extracted_from"] = source
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            _print_report(str(path) + (f" (extracted from {source})" if source else ""), report)
    raise typer.Exit(0 if all_ok else 1)
