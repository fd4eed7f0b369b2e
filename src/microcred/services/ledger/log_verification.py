"""Offline log checks for a credential: its C2SP tlog-proof shows the issuance entry is in the
log (``log_inclusion``) at a checkpoint the policy's witnesses cosigned (``witnesses``), with no
network. The proof's extra data carries the entry, which must describe this very credential,
and, when the status changed, the latest status-change entry the checkpoint covers with its own
inclusion proof (``log_status``): revoked or suspended as of that checkpoint fails. Without one,
``log_status`` is skipped and says that offline the status was not established."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from microcred.credentials.verify import Check, CheckStatus
from microcred.crypto import jcs
from microcred.errors import MicrocredError, VerificationError
from microcred.transparency.entry import LogEntry, LogEvent, credential_id_hash
from microcred.transparency.merkle import leaf_hash, verify_inclusion
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof
from microcred.transparency.status_proof import StatusProof, decode_extra


def presented_bytes(credential: Mapping[str, Any] | str) -> bytes:
    """What the log hashes for a credential as presented: the JWT, or RFC 8785 of the JSON."""
    return (
        credential.encode("ascii") if isinstance(credential, str) else jcs.canonicalize(credential)
    )


@dataclass(frozen=True, slots=True)
class LogProofCheck:
    """Checks a credential against its tlog-proof under a tlog-policy."""

    proof: TlogProof
    policy: Policy
    clock: Callable[[], int] | None = None

    def __call__(
        self, credential: Mapping[str, Any] | str, document: Mapping[str, Any]
    ) -> list[Check]:
        """``log_inclusion`` and ``witnesses`` checks."""
        now = self.clock() if self.clock else None
        if self.proof.extra is None:
            return [
                Check(
                    "log_inclusion",
                    CheckStatus.FAILED,
                    "The tlog-proof does not carry the log entry (its extra data).",
                )
            ]
        try:
            issuance, status = decode_extra(self.proof.extra)
            entry = LogEntry.decode(issuance)
        except MicrocredError as exc:
            return [
                Check(
                    "log_inclusion",
                    CheckStatus.FAILED,
                    f"The tlog-proof's entry is malformed: {exc.message}",
                )
            ]
        mismatch = _mismatch(entry, credential, document)
        if mismatch:
            return [Check("log_inclusion", CheckStatus.FAILED, mismatch)]
        try:
            final = self.proof.verify(leaf_hash(issuance), self.policy, now=now)
        except MicrocredError as exc:
            return [Check("log_inclusion", CheckStatus.FAILED, exc.explain())]
        cp = final.checkpoint
        checks = [
            Check(
                "log_inclusion",
                CheckStatus.PASSED,
                f"Issued on {entry.time:%Y-%m-%d} and recorded as entry "
                f"{self.proof.index} of the log {cp.origin} (tree size {cp.size}).",
            )
        ]
        if final.cosigners:
            names = ", ".join(
                sorted(self.policy.witnesses[n].verifier.name for n in final.cosigners)
            )
            checks.append(
                Check(
                    "witnesses",
                    CheckStatus.PASSED,
                    f"The checkpoint is cosigned by {names}, meeting the policy.",
                )
            )
        else:
            checks.append(
                Check(
                    "witnesses", CheckStatus.SKIPPED, "The policy asks for no witness cosignatures."
                )
            )
        checks.append(_status_check(entry, self.proof.index, status, cp.size, cp.root_hash))
        return checks


_NEGATIVE = {LogEvent.REVOKED: "revoked", LogEvent.SUSPENDED: "suspended"}


def _status_check(
    issued: LogEntry, issued_index: int, status: StatusProof | None, size: int, root: bytes
) -> Check:
    if status is None:
        return Check(
            "log_status",
            CheckStatus.SKIPPED,
            f"Status not checked: this proof carries no status change up to the log's tree size "
            f"{size}. Offline, that does not show the credential is not revoked (a change may "
            "be left out of the proof or come later); verify online for its current status.",
        )
    try:
        change = LogEntry.decode(status.entry)
        if change.event is LogEvent.ISSUED or status.index <= issued_index:
            raise VerificationError("The proof's status entry is not a later status change.")
        if not (
            hmac.compare_digest(change.credential_id_hash, issued.credential_id_hash)
            and hmac.compare_digest(change.credential_sha256, issued.credential_sha256)
        ):
            raise VerificationError("The proof's status entry is about another credential.")
        verify_inclusion(leaf_hash(status.entry), status.index, size, status.inclusion, root)
    except MicrocredError as exc:
        return Check("log_status", CheckStatus.FAILED, exc.explain())
    when = f"{change.time:%Y-%m-%d %H:%M:%SZ}"
    word = _NEGATIVE.get(change.event)
    if word is not None:
        return Check(
            "log_status",
            CheckStatus.FAILED,
            f"The issuer {word} this credential on {when} (log entry {status.index}, within "
            f"the checkpoint of tree size {size}).",
        )
    return Check(
        "log_status",
        CheckStatus.SKIPPED,
        f"Reinstated on {when} (log entry {status.index}); as of the checkpoint of tree size "
        f"{size} it was not revoked or suspended, but offline a later change cannot be ruled "
        "out: status not checked as of now.",
    )


def _mismatch(
    entry: LogEntry, credential: Mapping[str, Any] | str, document: Mapping[str, Any]
) -> str | None:
    if entry.event is not LogEvent.ISSUED:
        return "The tlog-proof is for a status change, not for the issuance."
    cid = document.get("id")
    if not isinstance(cid, str) or not hmac.compare_digest(
        entry.credential_id_hash, credential_id_hash(cid)
    ):
        return "The tlog-proof is for another credential."
    if not hmac.compare_digest(
        entry.credential_sha256, hashlib.sha256(presented_bytes(credential)).digest()
    ):
        return "The logged credential differs from this one: it was changed after it was logged."
    return None
