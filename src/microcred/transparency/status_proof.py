"""The extra data of a microcred tlog-proof: the issuance entry, and (when the credential's
status changed) its latest status-change entry with an inclusion proof in the same checkpoint,
so an offline verifier learns the status as of that checkpoint::

    microcred/tlog-proof-extra/v1
    issuance <base64 entry>
    status <index> <base64 entry>
    <inclusion proof hashes, base64, one per line>

A proof whose extra data is a bare entry (no header) is the original form and stays valid: it
carries the issuance only. What the extra data cannot prove is that no later change exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from microcred.transparency.checkpoint import parse_decimal
from microcred.transparency.merkle import HASH_SIZE, MAX_PROOF_HASHES
from microcred.transparency.note import b64decode_strict, b64encode
from microcred.transparency.proof import MalformedProof

EXTRA_HEADER = b"microcred/tlog-proof-extra/v1\n"


@dataclass(frozen=True, slots=True)
class StatusProof:
    """A status-change entry at ``index`` and its inclusion path in the proof's checkpoint."""

    index: int
    entry: bytes
    inclusion: tuple[bytes, ...]


def encode_extra(issuance: bytes, status: StatusProof | None) -> bytes:
    """The extra data: the bare issuance entry, or the container when there is a status."""
    if status is None:
        return issuance
    lines = [
        f"issuance {b64encode(issuance)}",
        f"status {status.index} {b64encode(status.entry)}",
        *(b64encode(h) for h in status.inclusion),
    ]
    return EXTRA_HEADER + ("\n".join(lines) + "\n").encode("ascii")


def decode_extra(extra: bytes) -> tuple[bytes, StatusProof | None]:
    """The issuance entry and the status proof (if any) carried by a proof's extra data."""
    if not extra.startswith(EXTRA_HEADER):
        return extra, None
    try:
        lines = extra[len(EXTRA_HEADER) :].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise MalformedProof("The proof's extra data is ASCII text.") from None
    if lines[-1] != "" or len(lines) < 3:
        raise MalformedProof("The proof's extra data has an issuance and a status line.")
    first, second, *hashes = lines[:-1]
    if not first.startswith("issuance ") or not second.startswith("status "):
        raise MalformedProof("The proof's extra data has 'issuance …' then 'status …'.")
    parts = second.split(" ")
    if len(parts) != 3:
        raise MalformedProof("The status line is 'status <index> <entry>'.")
    if len(hashes) > MAX_PROOF_HASHES:
        raise MalformedProof(f"An inclusion proof has at most {MAX_PROOF_HASHES} hashes.")
    inclusion = tuple(b64decode_strict(h, "inclusion proof hash") for h in hashes)
    if any(len(h) != HASH_SIZE for h in inclusion):
        raise MalformedProof("Inclusion proof hashes have 32 bytes.")
    issuance = b64decode_strict(first[len("issuance ") :], "issuance entry")
    status = StatusProof(
        parse_decimal(parts[1], "status index"),
        b64decode_strict(parts[2], "status entry"),
        inclusion,
    )
    return issuance, status
