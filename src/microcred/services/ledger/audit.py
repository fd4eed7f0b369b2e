"""Tamper detection: recompute the log from the stored entries and credentials and compare it
with the signed (and cosigned) checkpoints — and, when they can be reached, with what the
witnesses last cosigned. Every finding names what changed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from microcred.domain.credential import CredentialStatus, IssuedCredential
from microcred.errors import MicrocredError
from microcred.ports.unit_of_work import UnitOfWork
from microcred.services.ledger.audit_records import (
    check_change_records,
    check_records,
    check_status_lists,
)
from microcred.services.ledger.audit_report import AuditFinding, AuditReport, Finding
from microcred.services.ledger.service import canonical_bytes
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.entry import LogEntry, LogEvent, credential_id_hash
from microcred.transparency.merkle import MerkleTree, leaf_hash
from microcred.transparency.note import NoteVerifier, parse_note, verify_note

__all__ = ["AuditFinding", "AuditReport", "Finding", "audit_log"]

_STATUS_AFTER = {
    LogEvent.ISSUED: CredentialStatus.ACTIVE,
    LogEvent.REINSTATED: CredentialStatus.ACTIVE,
    LogEvent.SUSPENDED: CredentialStatus.SUSPENDED,
    LogEvent.REVOKED: CredentialStatus.REVOKED,
}


def audit_log(
    uow: UnitOfWork,
    credentials: Iterable[IssuedCredential],
    log_verifiers: Iterable[NoteVerifier],
    *,
    witness_checkpoints: Mapping[str, str] | None = None,
    against: Mapping[str, str] | None = None,
) -> AuditReport:
    """Audit the log, the credentials it vouches for, their status lists and status records.

    ``witness_checkpoints`` maps witness names to the cosigned checkpoint each currently
    holds (fetched by the caller); ``against`` maps a label (a file name) to a checkpoint note
    a third party kept. A larger or different tree there means a rollback or fork. With
    neither, the report warns: deleting the newest entries and their checkpoint goes unseen.
    """
    report = AuditReport()
    verifiers = list(log_verifiers)
    rows = uow.ledger.all_entries()
    sequenced = sorted((r for r in rows if r[0] is not None), key=lambda r: r[0] or 0)
    report.entries = len(sequenced)
    tree = MerkleTree()
    decoded: list[LogEntry | None] = []
    for expected_index, (index, data, stored_hash, _cid) in enumerate(sequenced):
        if index != expected_index:
            report.add(
                Finding.ENTRY_MISSING,
                f"Log entry {expected_index} is missing (the next stored one is {index}).",
            )
            break
        if not hmac.compare_digest(leaf_hash(data), stored_hash):
            report.add(
                Finding.ENTRY_REWRITTEN,
                f"Log entry {index} was rewritten: its data no longer matches its hash.",
            )
        tree.append(data)
        try:
            decoded.append(LogEntry.decode(data))
        except MicrocredError:
            report.add(Finding.ENTRY_REWRITTEN, f"Log entry {index} is not a valid entry.")
            decoded.append(None)
    size = len(tree)
    _check_checkpoints(uow, tree, verifiers, report)
    if witness_checkpoints:
        _check_witnesses(tree, witness_checkpoints, verifiers, report, "Witness", "witness")
    if against:
        _check_witnesses(tree, against, verifiers, report, "The checkpoint in", "checkpoint file")
    if not report.evidence:
        report.warnings.append(
            "No independent evidence: no witness was reached and no kept checkpoint was given "
            "(--against FILE). The log was compared only with checkpoints stored in this same "
            "database, so deleting the newest entries and their checkpoint (a rollback) would "
            "not be detected."
        )
    staged = set()
    for index, data, _hash, _cid in rows:
        if index is None:
            try:
                staged.add(LogEntry.decode(data).credential_id_hash)
            except MicrocredError:
                report.add(Finding.ENTRY_REWRITTEN, "A staged log entry is not a valid entry.")
    stored = list(credentials)
    _check_credentials(stored, decoded, staged, report)
    logged = _logged_status(decoded)
    check_records(stored, report)
    check_status_lists(uow.public.all_status_lists(), stored, logged, report)
    check_change_records(uow.public.all_status_changes(), stored, decoded, report)
    report.checkpoint_size = size
    return report


def _check_checkpoints(
    uow: UnitOfWork, tree: MerkleTree, verifiers: list[NoteVerifier], report: AuditReport
) -> None:
    latest = uow.ledger.latest_checkpoint()
    if latest is None:
        return
    size, root, note_text = latest
    try:
        verify_note(parse_note(note_text), verifiers)
    except MicrocredError as exc:
        report.add(
            Finding.CHECKPOINT_FORGED,
            f"The latest checkpoint (size {size}) is not validly signed: {exc.message}",
        )
    if size > len(tree):
        report.add(
            Finding.ENTRY_MISSING,
            f"The latest checkpoint covers {size} entries but only {len(tree)} are stored.",
        )
        return
    if not hmac.compare_digest(tree.root(size), root):
        report.add(
            Finding.TREE_MISMATCH,
            f"The stored entries do not hash to the signed checkpoint of size {size}: "
            "an entry was changed, removed or reordered.",
        )
    cosigned = uow.ledger.latest_cosigned(1)
    report.cosigned_size = cosigned
    if cosigned is not None and cosigned <= len(tree):
        found = uow.ledger.checkpoint(cosigned)
        if found is not None and not hmac.compare_digest(tree.root(cosigned), found[1]):
            report.add(
                Finding.TREE_MISMATCH,
                f"The stored entries do not match the cosigned checkpoint of size {cosigned}.",
            )


def _logged_status(entries: list[LogEntry | None]) -> dict[bytes, CredentialStatus]:
    """The status each logged credential has after its last logged event."""
    status: dict[bytes, CredentialStatus] = {}
    for entry in entries:
        if entry is not None:
            status[entry.credential_id_hash] = _STATUS_AFTER[entry.event]
    return status


def _check_witnesses(
    tree: MerkleTree,
    witness_checkpoints: Mapping[str, str],
    verifiers: list[NoteVerifier],
    report: AuditReport,
    who: str = "Witness",
    kind: str = "witness",
) -> None:
    for name, note_text in witness_checkpoints.items():
        try:
            note = parse_note(note_text)
            verify_note(note, verifiers)
            checkpoint = Checkpoint.parse(note.text)
        except MicrocredError as exc:
            report.add(
                Finding.CHECKPOINT_FORGED,
                f"The checkpoint {kind} {name} holds cannot be checked: {exc.message}",
            )
            continue
        report.evidence.append(f"{kind} {name}: checkpoint of size {checkpoint.size}")
        if checkpoint.size > len(tree):
            report.add(
                Finding.ROLLBACK,
                f"{who} {name} vouches for a tree of {checkpoint.size} entries, but the log "
                f"now has {len(tree)}: the log was rolled back.",
            )
        elif not hmac.compare_digest(tree.root(checkpoint.size), checkpoint.root_hash):
            report.add(
                Finding.FORK,
                f"{who} {name} vouches for a different tree of size {checkpoint.size}: "
                "the log was forked or rewritten.",
            )


def _check_credentials(
    credentials: list[IssuedCredential],
    entries: list[LogEntry | None],
    staged: set[bytes],
    report: AuditReport,
) -> None:
    report.credentials = len(credentials)
    by_hash = {credential_id_hash(c.credential_url): c for c in credentials}
    logged: dict[bytes, list[tuple[int, LogEntry]]] = {}
    for index, entry in enumerate(entries):
        if entry is not None:
            logged.setdefault(entry.credential_id_hash, []).append((index, entry))
    for id_hash, items in logged.items():
        credential = by_hash.get(id_hash)
        first_index = items[0][0]
        if credential is None:
            report.add(
                Finding.CREDENTIAL_DELETED,
                f"The credential logged at entry {first_index} "
                f"({items[0][1].event.value}) is no longer stored: it was deleted.",
            )
            continue
        digest = hashlib.sha256(canonical_bytes(credential)).digest()
        if any(not hmac.compare_digest(entry.credential_sha256, digest) for _, entry in items):
            report.add(
                Finding.CREDENTIAL_CHANGED,
                f"Credential {credential.id} was changed after it was logged (entry "
                f"{first_index}).",
            )
        expected = _STATUS_AFTER[items[-1][1].event]
        if credential.status is not expected:
            report.add(
                Finding.STATUS_MISMATCH,
                f"Credential {credential.id} is {credential.status.value} in the database "
                f"but the log last recorded it as {items[-1][1].event.value} "
                f"(entry {items[-1][0]}).",
            )
    for id_hash, credential in by_hash.items():
        if id_hash not in logged and id_hash not in staged:
            report.add(
                Finding.CREDENTIAL_UNLOGGED,
                f"Credential {credential.id} has no sequenced log entry.",
            )
