"""C2SP tlog-witness ``add-checkpoint``: the witness's decision, as pure code.

The caller (an HTTP adapter) owns the storage. Per request it must, in one transaction:

1. ``request = parse_add_checkpoint(body)`` (a `MalformedRequest` is a 400);
2. load the witness's record for ``request.checkpoint.origin`` (locking it);
3. ``decision = witness.decide(request, record, now)``;
4. store ``decision.evidence`` when there is some, and ``decision.new_state`` when there is one
   (compare-and-set on the previous size, so that two racing requests cannot roll the record
   back), and only then answer ``decision.status`` with ``decision.body``.

`Witness.add_checkpoint` does steps 1 and 3 with a loader callback. The log side uses
`AddCheckpointRequest.encode`, `parse_cosignatures` and `parse_size_body`.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from microcred.errors import InvalidInput, MicrocredError, VerificationError
from microcred.transparency.checkpoint import Checkpoint, parse_decimal
from microcred.transparency.cosignature import CosignatureSigner
from microcred.transparency.merkle import EMPTY_ROOT, HASH_SIZE, verify_consistency
from microcred.transparency.note import (
    MAX_NOTE_BYTES,
    MalformedNote,
    Note,
    NoteSignature,
    NoteVerifier,
    UnverifiedNote,
    b64decode_strict,
    b64encode,
    parse_note,
    verify_note,
)

#: The most consistency proof lines a request may carry (the spec's limit).
MAX_PROOF_LINES = 63
#: The largest request body accepted: a maximal note plus 63 proof lines and the old size.
MAX_BODY_BYTES = MAX_NOTE_BYTES + MAX_PROOF_LINES * 45 + 32
#: ``Content-Type`` of a 409 answer.
SIZE_CONTENT_TYPE = "text/x.tlog.size"
#: ``Content-Type`` of a 200 answer (note signature lines) and of error explanations.
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"

_OLD = re.compile(r"old (0|[1-9][0-9]*)")


class MalformedRequest(InvalidInput):
    """The add-checkpoint body is not well-formed (answer 400)."""

    code = "malformed_add_checkpoint"


@dataclass(frozen=True, slots=True)
class AddCheckpointRequest:
    """A parsed add-checkpoint body: old size, consistency proof and the checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: Note
    checkpoint: Checkpoint

    def encode(self) -> bytes:
        """The request body, as a log sends it."""
        lines = [f"old {self.old_size}\n", *(b64encode(h) + "\n" for h in self.proof), "\n"]
        return "".join(lines).encode() + self.note.encode()

    @classmethod
    def build(cls, old_size: int, proof: Sequence[bytes], note: Note) -> AddCheckpointRequest:
        """A request for ``note`` (a signed checkpoint) with a proof from ``old_size``."""
        if len(proof) > MAX_PROOF_LINES:
            raise InvalidInput(f"A consistency proof has at most {MAX_PROOF_LINES} hashes.")
        return cls(old_size, tuple(proof), note, Checkpoint.parse(note.text))


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body with the spec's limits; raise `MalformedRequest`."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedRequest(f"The body is {len(body)} bytes; at most {MAX_BODY_BYTES}.")
    head_end = body.find(b"\n\n")
    if head_end < 0:
        raise MalformedRequest("The body needs an empty line between the proof and the note.")
    try:
        head = body[: head_end + 1].decode("ascii")
    except UnicodeDecodeError:
        raise MalformedRequest("The old size and proof lines are ASCII.") from None
    lines = head[:-1].split("\n")
    match = _OLD.fullmatch(lines[0])
    if not match:
        raise MalformedRequest("The first line is 'old <size>' (decimal, no leading zeroes).")
    try:
        old_size = parse_decimal(match.group(1), "old size")
    except InvalidInput as exc:
        raise MalformedRequest(exc.message) from None
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedRequest(
            f"The request has {len(proof_lines)} proof lines; at most {MAX_PROOF_LINES}."
        )
    proof = []
    for i, line in enumerate(proof_lines):
        try:
            value = b64decode_strict(line, f"proof line {i + 1}")
        except MalformedNote as exc:
            raise MalformedRequest(exc.message) from None
        if len(value) != HASH_SIZE:
            raise MalformedRequest(f"Proof line {i + 1} is {len(value)} bytes, not 32.")
        proof.append(value)
    try:
        note = parse_note(body[head_end + 2 :])
        checkpoint = Checkpoint.parse(note.text)
    except MicrocredError as exc:
        raise MalformedRequest(f"The checkpoint is malformed: {exc.message}") from None
    return AddCheckpointRequest(old_size, tuple(proof), note, checkpoint)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """What a witness keeps per log: the latest checkpoint it cosigned.

    ``note`` is that checkpoint with the log's verified signatures and the witness's
    cosignature (what ``GET <origin hash>/checkpoint`` serves); ``timestamp`` is the time of
    that cosignature.
    """

    origin: str
    size: int
    root_hash: bytes
    note: str
    timestamp: int


class EvidenceKind(enum.StrEnum):
    """Why a signed checkpoint was refused and kept."""

    #: Same size as the recorded checkpoint, different root: two signed, conflicting trees.
    FORK = "fork"
    #: The consistency proof from the recorded checkpoint does not verify.
    INCONSISTENT = "inconsistent"
    #: A signed checkpoint smaller than the recorded one (a rollback, or a stale resend).
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class Evidence:
    """A validly signed checkpoint the witness refused: keep it, it may prove misbehaviour."""

    kind: EvidenceKind
    origin: str
    reason: str
    #: The refused checkpoint note, as signed by the log.
    submitted: str
    #: The witness's record at the time (the other half of a fork).
    recorded: LogRecord | None
    #: The whole request body.
    request: bytes


@dataclass(frozen=True, slots=True)
class WitnessDecision:
    """The answer to one add-checkpoint request, and what to persist before sending it."""

    status: int
    body: bytes
    content_type: str
    reason: str
    #: The record to store (atomically, before answering) on a 200; otherwise None.
    new_state: LogRecord | None = None
    #: A refused but validly signed checkpoint to keep, if any.
    evidence: Evidence | None = None
    #: The cosignatures of a 200 answer.
    cosignatures: tuple[NoteSignature, ...] = ()

    @property
    def ok(self) -> bool:
        """True for a 200 (the checkpoint was cosigned)."""
        return self.status == 200


def _refuse(status: int, reason: str, evidence: Evidence | None = None) -> WitnessDecision:
    return WitnessDecision(
        status, (reason + "\n").encode(), TEXT_CONTENT_TYPE, reason, None, evidence
    )


def origin_hash(origin: str) -> str:
    """Lowercase hex SHA-256 of an origin: the monitoring path ``<origin hash>/checkpoint``."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Witness:
    """A witness: its cosigning key and the logs it follows (origin → log verifier keys)."""

    def __init__(
        self, signer: CosignatureSigner, logs: Mapping[str, Iterable[NoteVerifier]]
    ) -> None:
        self.signer = signer
        self.logs: dict[str, tuple[NoteVerifier, ...]] = {o: tuple(v) for o, v in logs.items()}
        for origin, verifiers in self.logs.items():
            if not verifiers:
                raise InvalidInput(f"The log {origin!r} has no verifier key.")

    def add_checkpoint(
        self, body: bytes, load: Callable[[str], LogRecord | None], now: int
    ) -> WitnessDecision:
        """Parse ``body``, load the record for its origin with ``load``, and `decide`."""
        try:
            request = parse_add_checkpoint(body)
        except MalformedRequest as exc:
            return _refuse(400, exc.message)
        if request.checkpoint.origin not in self.logs:
            return _refuse(404, f"Unknown log {request.checkpoint.origin!r}.")
        return self.decide(request, load(request.checkpoint.origin), now, body=body)

    def decide(
        self,
        request: AddCheckpointRequest,
        record: LogRecord | None,
        now: int,
        *,
        body: bytes | None = None,
    ) -> WitnessDecision:
        """The decision for ``request`` given the stored ``record`` (None: never cosigned)."""
        checkpoint = request.checkpoint
        origin = checkpoint.origin
        verifiers = self.logs.get(origin)
        if verifiers is None:
            return _refuse(404, f"Unknown log {origin!r}.")
        if record is not None and record.origin != origin:
            raise InvalidInput("The record passed to decide() belongs to another log.")
        try:
            verified = verify_note(request.note, verifiers)
        except UnverifiedNote as exc:
            return _refuse(403, exc.message)
        if request.old_size > checkpoint.size:
            return _refuse(
                400,
                f"The old size {request.old_size} exceeds the checkpoint size {checkpoint.size}.",
            )
        raw = body if body is not None else request.encode()
        signed = request.note.format()

        def evidence(kind: EvidenceKind, reason: str) -> Evidence:
            return Evidence(kind, origin, reason, signed, record, raw)

        recorded_size = record.size if record else 0
        conflict: Evidence | None = None
        if record is not None:
            if checkpoint.size == record.size and not hmac.compare_digest(
                checkpoint.root_hash, record.root_hash
            ):
                conflict = evidence(
                    EvidenceKind.FORK,
                    f"The log signed two different trees of size {record.size}.",
                )
            elif checkpoint.size < record.size:
                conflict = evidence(
                    EvidenceKind.ROLLBACK,
                    f"The checkpoint has {checkpoint.size} entries; "
                    f"{record.size} were already cosigned.",
                )
        if request.old_size != recorded_size:
            return WitnessDecision(
                409,
                f"{recorded_size}\n".encode(),
                SIZE_CONTENT_TYPE,
                f"The old size {request.old_size} is not the latest cosigned size {recorded_size}.",
                evidence=conflict,
            )
        if checkpoint.size == 0 and checkpoint.root_hash != EMPTY_ROOT:
            return _refuse(422, "A checkpoint of size 0 must have the empty tree's root.")
        if conflict is not None:  # a fork (old size = recorded size = checkpoint size)
            return _refuse(422, conflict.reason, conflict)
        if request.old_size in (0, checkpoint.size):
            if request.proof:
                return _refuse(
                    422, f"A proof from size {request.old_size} to {checkpoint.size} is empty."
                )
        else:
            assert record is not None  # old_size == recorded_size > 0
            try:
                verify_consistency(
                    record.size,
                    checkpoint.size,
                    request.proof,
                    record.root_hash,
                    checkpoint.root_hash,
                )
            except VerificationError as exc:
                reason = f"The consistency proof does not verify: {exc.message}"
                return _refuse(422, reason, evidence(EvidenceKind.INCONSISTENT, reason))
        timestamp = max(now, record.timestamp if record else 0, 1)
        cosignature = self.signer.cosign(checkpoint.text, timestamp)
        kept = tuple(sig for _, sig in verified.verified)
        stored = Note(checkpoint.text, (*kept, cosignature)).format()
        return WitnessDecision(
            200,
            cosignature.line.encode(),
            TEXT_CONTENT_TYPE,
            f"Cosigned {origin} at size {checkpoint.size}.",
            new_state=LogRecord(origin, checkpoint.size, checkpoint.root_hash, stored, timestamp),
            cosignatures=(cosignature,),
        )


def parse_cosignatures(
    body: bytes, note: Note, witnesses: Iterable[NoteVerifier]
) -> list[NoteSignature]:
    """The valid cosignatures in a witness's 200 body, for the checkpoint ``note`` (log side).

    Signatures from unknown keys are ignored; a known key's bad signature raises.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedNote("The witness answer is not UTF-8.") from None
    if not text.endswith("\n"):
        raise MalformedNote("The witness answer must end with a newline.")
    lines = [NoteSignature.parse_line(line) for line in text[:-1].split("\n")]
    verified = verify_note(Note(note.text, tuple(lines)), witnesses)
    return [sig for _, sig in verified.verified]


def parse_size_body(body: bytes) -> int:
    """The witness's latest cosigned size from a 409 answer (``text/x.tlog.size``)."""
    match = re.fullmatch(rb"(0|[1-9][0-9]{0,18})\n", body)
    if not match:
        raise MalformedNote("A 409 answer's body is a decimal size and a newline.")
    return int(match.group(1))
