"""The transparency log as a use case: record each issuance and status change in the same
transaction as the change, sequence staged entries in batches, and sign checkpoints.

Exactly one sequencer extends the log at a time: a PostgreSQL advisory lock (or SQLite's single
writer) is held for the whole batch, so several web processes and workers can run it safely.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from microcred.credentials.verify import issuer_id
from microcred.crypto import jcs
from microcred.crypto.keys import Ed25519KeyPair, Ed25519PublicKeyBytes
from microcred.crypto.sealing import Sealer
from microcred.domain.credential import IssuedCredential
from microcred.errors import MicrocredError, NotFound
from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.entry import LogEntry, LogEvent
from microcred.transparency.merkle import inclusion_proof, new_nodes, root_at
from microcred.transparency.note import Ed25519NoteSigner, Ed25519NoteVerifier, parse_note
from microcred.transparency.proof import TlogProof, build_proof
from microcred.transparency.status_proof import StatusProof, encode_extra

LOG_KEY = "log"
SEQUENCE_JOB = "ledger.sequence"


def log_origin(public_base_url: str) -> str:
    """The log's origin line: ``<host>/microcred``."""
    return f"{urlsplit(public_base_url).netloc}/microcred"


def canonical_bytes(credential: IssuedCredential) -> bytes:
    """The bytes the log hashes for a credential: the VC-JWT, or the RFC 8785 form of the
    signed JSON-LD document."""
    if credential.jwt is not None:
        return credential.jwt.encode("ascii")
    return jcs.canonicalize(credential.document)


@dataclass(frozen=True, slots=True)
class SequenceResult:
    """What one sequencing run did."""

    sequenced: int
    size: int
    root: bytes


class LogKeys:
    """The log's Ed25519 note key, created on first use and sealed at rest."""

    def __init__(self, sealer: Sealer, origin: str) -> None:
        self._sealer = sealer
        self.origin = origin

    def signer(self, uow: UnitOfWork, clock: Clock) -> Ed25519NoteSigner:
        """The signer (creating the key in this transaction when there is none)."""
        found = uow.ledger.server_key(LOG_KEY)
        if found is None:
            key = Ed25519KeyPair.generate()
            key_id = new_id()
            uow.ledger.add_server_key(
                key_id,
                LOG_KEY,
                self.origin,
                key.public.raw,
                self._sealer.seal(key.seed, self._aad(key_id)),
                clock.now(),
            )
            return Ed25519NoteSigner(self.origin, key)
        key_id, name, _public, sealed = found
        return Ed25519NoteSigner(name, Ed25519KeyPair(self._sealer.open(sealed, self._aad(key_id))))

    def verifier(self, uow: UnitOfWork) -> Ed25519NoteVerifier | None:
        """The log's public note key, if it exists yet."""
        found = uow.ledger.server_key(LOG_KEY)
        if found is None:
            return None
        return Ed25519NoteVerifier(found[1], Ed25519PublicKeyBytes(found[2]))

    @staticmethod
    def _aad(key_id: str) -> bytes:
        return f"microcred-server-key:{LOG_KEY}:{key_id}".encode()


class Ledger:
    """Records entries and extends the log."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        keys: LogKeys,
        *,
        batch_size: int = 1000,
        interval: timedelta = timedelta(milliseconds=200),
        quorum: int = 0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.keys = keys
        self._batch = batch_size
        self._interval = interval
        #: cosignatures a checkpoint needs before proofs are built on it
        self.quorum = quorum
        #: called in the sequencing transaction after each new checkpoint (enqueue follow-ups)
        self.after_checkpoint: list[Callable[[UnitOfWork, int], None]] = []

    @property
    def origin(self) -> str:
        """The log's origin line."""
        return self.keys.origin

    def record(
        self,
        uow: UnitOfWork,
        event: LogEvent,
        credential: IssuedCredential,
        change: bytes | None = None,
    ) -> None:
        """Stage an entry for ``event`` in the caller's transaction and ask for sequencing;
        ``change`` is the `change_commitment` of a status change's record."""
        achievement = credential.document.get("credentialSubject", {}).get("achievement", {})
        entry = LogEntry.for_credential(
            event,
            credential_id=credential.credential_url,
            canonical_credential=canonical_bytes(credential),
            issuer_did=issuer_id(credential.document) or "",
            achievement_id=str(achievement.get("id", credential.achievement_id)),
            time=self._clock.now(),
            change=change,
        )
        uow.ledger.add_entry(
            entry.encode(), entry.leaf_hash, event.value, credential.id, self._clock.now()
        )
        uow.jobs.enqueue(
            SEQUENCE_JOB, {}, dedupe_key=SEQUENCE_JOB, run_at=self._clock.now() + self._interval
        )

    def sequence(self, _payload: dict[str, Any] | None = None) -> SequenceResult | None:
        """Give the next batch of staged entries their indices, store the new tree nodes and sign
        a checkpoint, all in one transaction. None when nothing was staged."""
        with self._uow() as uow:
            ledger = uow.ledger
            ledger.lock_sequencer()
            size = ledger.size()
            batch = ledger.unsequenced(self._batch)
            if not batch:
                return None
            hashes = [h for _, h in batch]
            ledger.store_nodes(size, new_nodes(ledger, size, hashes))
            ledger.assign(size, [entry_id for entry_id, _ in batch])
            new_size = size + len(batch)
            root = root_at(ledger, new_size)
            note = Checkpoint(self.origin, new_size, root).sign(
                [self.keys.signer(uow, self._clock)]
            )
            ledger.add_checkpoint(new_size, root, note.format(), self._clock.now())
            if len(batch) == self._batch:  # more may be waiting
                uow.jobs.enqueue(SEQUENCE_JOB, {}, dedupe_key=SEQUENCE_JOB)
            for hook in self.after_checkpoint:
                hook(uow, new_size)
            uow.commit()
        return SequenceResult(len(batch), new_size, root)


def credential_sha256(credential: IssuedCredential) -> bytes:
    """SHA-256 of a stored credential's canonical bytes (what its log entries must name)."""
    return hashlib.sha256(canonical_bytes(credential)).digest()


class NotYetLogged(MicrocredError):
    """The credential's entry has not been sequenced (or cosigned) yet; try again shortly."""

    code = "not_yet_logged"


def cosigned_note(uow: UnitOfWork, size: int) -> str:
    """The checkpoint at ``size`` with every cosignature the log has for it."""
    found = uow.ledger.checkpoint(size)
    if found is None:
        raise NotFound(f"The log has no checkpoint of size {size}.")
    lines = "".join(line for _, line in uow.ledger.cosignatures(size))
    return found[2] + lines


def latest_note(uow: UnitOfWork, quorum: int) -> str:
    """The newest checkpoint with at least ``quorum`` cosignatures (any when 0), cosigned."""
    size = uow.ledger.latest_cosigned(quorum) if quorum else None
    if size is None:
        latest = uow.ledger.latest_checkpoint()
        if latest is None or quorum:
            raise NotYetLogged(
                "The log has no checkpoint yet."
                if latest is None
                else "No checkpoint has enough witness cosignatures yet."
            )
        size = latest[0]
    return cosigned_note(uow, size)


def tlog_proof(uow: UnitOfWork, credential_id: str, quorum: int) -> TlogProof:
    """The C2SP tlog-proof that a credential's issuance is in the log, against the newest
    checkpoint with ``quorum`` cosignatures; its extra data also proves the credential's latest
    status change up to that checkpoint, when there is one."""
    indices = uow.ledger.indices_of(credential_id)
    if not indices:
        raise NotYetLogged("The credential's log entry is not sequenced yet; try again shortly.")
    note = parse_note(latest_note(uow, quorum))
    size = Checkpoint.parse(note.text).size
    if indices[0] >= size:
        raise NotYetLogged("The credential is newer than the latest cosigned checkpoint.")
    entry = uow.ledger.entries(indices[0], indices[0] + 1)[0]
    changes = [i for i in indices[1:] if i < size]
    status = None
    if changes:  # the latest status change the checkpoint covers, proven in the same tree
        latest = changes[-1]
        status = StatusProof(
            latest,
            uow.ledger.entries(latest, latest + 1)[0],
            tuple(inclusion_proof(uow.ledger, latest, size)),
        )
    return build_proof(
        indices[0],
        inclusion_proof(uow.ledger, indices[0], size),
        note,
        encode_extra(entry, status),
    )


def log_policy(
    log_vkey: str, log_url: str, witnesses: Sequence[tuple[str, str]], quorum: int
) -> str:
    """A C2SP tlog-policy text for this log: its key, its witnesses (vkey, url) and quorum."""
    lines = [f"log {log_vkey} {log_url}"]
    names = []
    for i, (vkey, url) in enumerate(witnesses):
        names.append(f"w{i + 1}")
        lines.append(f"witness w{i + 1} {vkey} {url}")
    if names and quorum:
        lines.append(f"group witnesses {min(quorum, len(names))} {' '.join(names)}")
        lines.append("quorum witnesses")
    else:
        lines.append("quorum none")
    return "\n".join(lines) + "\n"
