"""The audit's checks of stored values that are not themselves logged: each is compared with what
is signed (the credential document, the signed status list) or committed to in the log (the
record of a status change). A value edited in the database no longer matches and is named."""

from __future__ import annotations

import hmac
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from microcred.credentials.proofs.jwt import claims_for, decode_unverified
from microcred.credentials.status_list import Bitstring
from microcred.domain.credential import CredentialStatus, IssuedCredential, identity_hash
from microcred.errors import MicrocredError
from microcred.ports.credentials import StatusChangeRecord, StatusListRecord
from microcred.services.credentials.status import commitment_of
from microcred.services.ledger.audit_report import AuditReport, Finding
from microcred.transparency.entry import LogEntry, LogEvent, credential_id_hash


def _timestamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _email_matches(email: str | None, subject: Mapping[str, Any]) -> bool:
    identifiers = subject.get("identifier")
    hashed = [
        i
        for i in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(i, Mapping) and i.get("identityType") == "emailAddress"
    ]
    if email is None:
        return not hashed
    return any(
        isinstance(i.get("salt"), str)
        and hmac.compare_digest(str(i.get("identityHash")), identity_hash(email, i["salt"]))
        for i in hashed
    )


def _record_problems(credential: IssuedCredential) -> list[str]:
    doc = credential.document
    subject = doc.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    status = doc.get("credentialStatus")
    status = status if isinstance(status, Mapping) else {}
    problems = []
    if not _email_matches(credential.recipient_email, subject):
        problems.append("recipient_email (it does not hash to the signed identityHash)")
    if credential.recipient_did != subject.get("id"):
        problems.append("recipient_did (the signed credentialSubject.id differs)")
    if _timestamp(credential.issued_at) != doc.get("validFrom"):
        problems.append("issued_at (the signed validFrom differs)")
    if _timestamp(credential.valid_until) != doc.get("validUntil"):
        problems.append("valid_until (the signed validUntil differs)")
    list_url = str(status.get("statusListCredential", ""))
    if (
        not list_url.endswith(f"/status/{credential.status_list_id}")
        or status.get("statusListIndex") != str(credential.status_index)
        or status.get("statusPurpose") != credential.status_purpose.value
    ):
        problems.append("status list, index or purpose (the signed credentialStatus differs)")
    achievement = subject.get("achievement")
    achievement_id = achievement.get("id") if isinstance(achievement, Mapping) else None
    if not str(achievement_id).endswith(f"/achievements/{credential.achievement_id}"):
        problems.append("achievement_id (the signed achievement differs)")
    if credential.jwt is not None:
        try:
            same = decode_unverified(credential.jwt)[1] == claims_for(doc)
        except MicrocredError:
            same = False
        if not same:
            problems.append("document (it is not what the logged VC-JWT says)")
    return problems


def check_records(credentials: Iterable[IssuedCredential], report: AuditReport) -> None:
    """Every stored column someone is shown or decides on agrees with the signed document."""
    for credential in credentials:
        problems = _record_problems(credential)
        if problems:
            report.add(
                Finding.RECORD_MISMATCH,
                f"Credential {credential.id}: the stored " + "; ".join(problems) + ".",
            )


def check_status_lists(
    lists: Iterable[StatusListRecord],
    credentials: Sequence[IssuedCredential],
    logged: Mapping[bytes, CredentialStatus],
    report: AuditReport,
) -> None:
    """Every status bit, stored and signed, agrees with the status the log implies."""
    by_list: dict[str, list[IssuedCredential]] = {}
    for credential in credentials:
        by_list.setdefault(credential.status_list_id, []).append(credential)
    for record in lists:
        signed = _signed_bits(record)
        if signed is None:
            report.add(
                Finding.STATUS_LIST_MISMATCH,
                f"The signed document of status list {record.id} is missing or unreadable.",
            )
        stored = Bitstring(data=record.bits)
        for credential in by_list.get(record.id, []):
            expected_status = logged.get(credential_id_hash(credential.credential_url))
            if expected_status is None:
                continue  # not logged yet (or deleted from the log): reported elsewhere
            expected = expected_status is not CredentialStatus.ACTIVE
            for where, bits in (("signed", signed), ("stored", stored)):
                if bits is None or bits.get(credential.status_index) == expected:
                    continue
                shown = "set" if bits.get(credential.status_index) else "clear"
                report.add(
                    Finding.STATUS_LIST_MISMATCH,
                    f"The {where} status list {record.id} has credential {credential.id}'s bit "
                    f"{credential.status_index} {shown}, but the log records the credential as "
                    f"{expected_status.value}: an older signed list was written back or the "
                    "list was edited.",
                )


def _signed_bits(record: StatusListRecord) -> Bitstring | None:
    try:
        doc = json.loads(record.signed_document or "")
        return Bitstring.decode(doc["credentialSubject"]["encodedList"])
    except (ValueError, KeyError, TypeError, MicrocredError):
        return None


def check_change_records(
    changes: Iterable[StatusChangeRecord],
    credentials: Sequence[IssuedCredential],
    entries: Sequence[LogEntry | None],
    report: AuditReport,
) -> None:
    """Every status change record (reason, actor, time) is the one its log entry commits to.

    Entries logged before commitments existed (v1 status entries) leave as many records
    unchecked; the report says so rather than calling them verified.
    """
    committed: dict[bytes, Counter[bytes]] = {}
    legacy: Counter[bytes] = Counter()
    for entry in entries:
        if entry is None or entry.event is LogEvent.ISSUED:
            continue
        if entry.change is None:
            legacy[entry.credential_id_hash] += 1
        else:
            committed.setdefault(entry.credential_id_hash, Counter())[entry.change] += 1
    url_of = {c.id: c.credential_url for c in credentials}
    unchecked = 0
    for change in changes:
        url = url_of.get(change.credential_id)
        if url is None:
            continue
        id_hash = credential_id_hash(url)
        pending = committed.get(id_hash, Counter())
        digest = commitment_of(change)
        if pending[digest] > 0:
            pending[digest] -= 1
        elif legacy[id_hash] > 0:
            legacy[id_hash] -= 1
            unchecked += 1
        else:
            report.add(
                Finding.CHANGE_RECORD_ALTERED,
                f"The status change record {change.id} of credential {change.credential_id} "
                f"({change.action.value}) is not what the log committed to: its reason, actor, "
                "time or action was edited, or the record was added.",
            )
    for id_hash, pending in committed.items():
        missing = sum(pending.values())
        if missing:
            report.add(
                Finding.CHANGE_RECORD_MISSING,
                f"The log commits to {missing} status change record(s) of the credential with "
                f"id hash {id_hash.hex()[:16]}… that are no longer stored as logged.",
            )
    if unchecked:
        report.warnings.append(
            f"{unchecked} status change record(s) were logged before change commitments and "
            "could not be checked."
        )
