"""microcred's log entries: what the transparency log records about a credential.

An entry holds no personal data: a hash of the credential id, the SHA-256 of the canonical
credential, the issuer DID, the achievement id, the event and the time. Its bytes are a small,
deterministic text that any tlog client can read from the entry bundles::

    microcred/log-entry/v1
    event issued
    credential-id-hash <64 hex>
    credential-sha256 <64 hex>
    issuer did:key:z6Mk…
    achievement https://example.org/achievements/1
    time 2026-11-01T12:00:00Z

Each line is ``<key> <value>``, in this order, each ending in a newline. An entry is at most
65,535 bytes (the tlog-tiles entry bundle limit, one byte under 64 KiB).

A status change (revoked, suspended, reinstated) is a ``microcred/log-entry/v2`` entry: the same
lines, then ``change <64 hex>``, a commitment to the issuer's record of the change (its reason,
who made it, when; see `change_commitment`). The record's random id salts it, so the log reveals
nothing about the reason, yet an edited reason or actor no longer matches. v1 entries stay valid.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.transparency.merkle import leaf_hash

#: The first line of an entry without a change commitment.
ENTRY_HEADER = "microcred/log-entry/v1"
#: The first line of an entry that commits to the record of a status change.
ENTRY_HEADER_V2 = "microcred/log-entry/v2"
#: The largest entry (an entry bundle prefixes each entry with a big-endian uint16 length).
MAX_ENTRY_BYTES = 0xFFFF
_CREDENTIAL_ID_DOMAIN = b"microcred/credential-id\n"
_CHANGE_DOMAIN = b"microcred/status-change\n"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_HEX32 = re.compile(r"[0-9a-f]{64}")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%#/?=&~+\-]+")
_FIELD = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


class LogEvent(enum.StrEnum):
    """What happened to the credential."""

    ISSUED = "issued"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"


class MalformedEntry(InvalidInput):
    """The bytes are not a microcred log entry."""

    code = "malformed_log_entry"


def credential_id_hash(credential_id: str) -> bytes:
    """``SHA-256("microcred/credential-id\\n" || id)``: how an entry names a credential."""
    if not credential_id:
        raise InvalidInput("A credential id is required.")
    return hashlib.sha256(_CREDENTIAL_ID_DOMAIN + credential_id.encode()).digest()


def change_commitment(
    change_id: str, action: str, reason: str, actor: str | None, at: datetime
) -> bytes:
    """SHA-256 over a status change record (id, action, reason, actor, time to the second).

    The record id is a random UUID kept only by the issuer: it salts the hash, so nobody who
    reads the log can test guesses of the reason.
    """
    fields = [change_id, action, reason, actor or "", _utc_seconds(at).strftime(_TIME_FORMAT)]
    data = _CHANGE_DOMAIN + b"".join(
        len(f.encode()).to_bytes(4, "big") + f.encode() for f in fields
    )
    return hashlib.sha256(data).digest()


def _utc_seconds(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise InvalidInput("A log entry time must be timezone-aware.")
    return value.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One log leaf: an event about a credential, without personal data.

    ``time`` is stored in UTC with whole seconds (finer precision is dropped).
    """

    event: LogEvent
    credential_id_hash: bytes
    credential_sha256: bytes
    issuer_did: str
    achievement_id: str
    time: datetime
    #: `change_commitment` of the issuer's record of a status change (v2 entries only)
    change: bytes | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "event", LogEvent(self.event))
        object.__setattr__(self, "time", _utc_seconds(self.time))
        for name in ("credential_id_hash", "credential_sha256"):
            if len(getattr(self, name)) != 32:
                raise InvalidInput(f"The log entry's {name.replace('_', ' ')} has 32 bytes.")
        if self.change is not None and len(self.change) != 32:
            raise InvalidInput("The log entry's change commitment has 32 bytes.")
        if not _DID.fullmatch(self.issuer_did):
            raise InvalidInput(f"{self.issuer_did[:80]!r} is not a DID the log can record.")
        if not _FIELD.fullmatch(self.achievement_id):
            raise InvalidInput(
                "An achievement id in the log is printable ASCII without spaces "
                "(an IRI, percent-encoded)."
            )
        size = len(self.issuer_did) + len(self.achievement_id) + 256 + (80 if self.change else 0)
        if size > MAX_ENTRY_BYTES:
            raise PayloadTooLarge(
                f"The log entry would be about {size} bytes; at most {MAX_ENTRY_BYTES} fit."
            )

    @classmethod
    def for_credential(
        cls,
        event: LogEvent | str,
        *,
        credential_id: str,
        canonical_credential: bytes,
        issuer_did: str,
        achievement_id: str,
        time: datetime,
        change: bytes | None = None,
    ) -> LogEntry:
        """The entry for ``event`` on a credential, hashing its id and canonical bytes."""
        return cls(
            LogEvent(event),
            credential_id_hash(credential_id),
            hashlib.sha256(canonical_credential).digest(),
            issuer_did,
            achievement_id,
            time,
            change,
        )

    def encode(self) -> bytes:
        """The deterministic bytes of this entry (the log leaf data)."""
        data = (
            f"{ENTRY_HEADER if self.change is None else ENTRY_HEADER_V2}\n"
            f"event {self.event.value}\n"
            f"credential-id-hash {self.credential_id_hash.hex()}\n"
            f"credential-sha256 {self.credential_sha256.hex()}\n"
            f"issuer {self.issuer_did}\n"
            f"achievement {self.achievement_id}\n"
            f"time {self.time.strftime(_TIME_FORMAT)}\n"
            + ("" if self.change is None else f"change {self.change.hex()}\n")
        ).encode("ascii")
        if len(data) > MAX_ENTRY_BYTES:
            raise PayloadTooLarge(f"The log entry is {len(data)} bytes; at most 65535 fit.")
        return data

    @property
    def leaf_hash(self) -> bytes:
        """The RFC 9162 leaf hash of `encode`."""
        return leaf_hash(self.encode())

    @classmethod
    def decode(cls, data: bytes) -> LogEntry:
        """Parse entry bytes strictly: exactly the lines `encode` writes, nothing else."""
        if len(data) > MAX_ENTRY_BYTES:
            raise PayloadTooLarge(f"The log entry is {len(data)} bytes; at most 65535 fit.")
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            raise MalformedEntry("A log entry is ASCII text.") from None
        if not text.endswith("\n"):
            raise MalformedEntry("A log entry ends with a newline.")
        lines = text[:-1].split("\n")
        keys: tuple[str, ...] = (
            "event",
            "credential-id-hash",
            "credential-sha256",
            "issuer",
            "achievement",
            "time",
        )
        if lines[0] == ENTRY_HEADER_V2:
            keys += ("change",)
        elif lines[0] != ENTRY_HEADER:
            raise MalformedEntry(
                f"A log entry starts with '{ENTRY_HEADER}' or '{ENTRY_HEADER_V2}'."
            )
        if len(lines) != len(keys) + 1:
            count = "six" if len(keys) == 6 else "seven"
            raise MalformedEntry(f"A '{lines[0]}' entry is a header and {count} 'key value' lines.")
        values: list[str] = []
        for key, line in zip(keys, lines[1:], strict=True):
            name, sep, value = line.partition(" ")
            if name != key or not sep:
                raise MalformedEntry(f"Expected the line '{key} …', found {line[:40]!r}.")
            values.append(value)
        event, id_hash, digest, issuer, achievement, when = values[:6]
        change = values[6] if len(values) > 6 else None
        if change is not None and not _HEX32.fullmatch(change):
            raise MalformedEntry("The change commitment is 64 lowercase hex digits.")
        if event not in {e.value for e in LogEvent}:
            raise MalformedEntry(f"{event!r} is not a log event.")
        if not (_HEX32.fullmatch(id_hash) and _HEX32.fullmatch(digest)):
            raise MalformedEntry("Hashes in a log entry are 64 lowercase hex digits.")
        if not _TIME.fullmatch(when):
            raise MalformedEntry("The time of a log entry is 'YYYY-MM-DDTHH:MM:SSZ'.")
        try:
            at = datetime.strptime(when, _TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise MalformedEntry(f"{when!r} is not a valid time.") from None
        try:
            entry = cls(
                LogEvent(event),
                bytes.fromhex(id_hash),
                bytes.fromhex(digest),
                issuer,
                achievement,
                at,
                bytes.fromhex(change) if change is not None else None,
            )
        except InvalidInput as exc:
            raise MalformedEntry(exc.message) from None
        if entry.encode() != data:  # defensive: one encoding per entry
            raise MalformedEntry("The log entry is not in its canonical form.")
        return entry

    def matches(self, credential_id: str, canonical_credential: bytes) -> bool:
        """True when this entry is about this credential id with exactly these bytes."""
        return hmac.compare_digest(
            self.credential_id_hash, credential_id_hash(credential_id)
        ) and hmac.compare_digest(
            self.credential_sha256, hashlib.sha256(canonical_credential).digest()
        )
