"""Allocating status entries and publishing signed Bitstring Status List credentials.

Every signed list carries a validity window (``validUntil``, and the spec's ``ttl`` on its
subject), so a stale copy served by anyone stops verifying when the window ends. The list is
re-signed from its stored bits whenever it is read with less than half of its window left
(`StatusLists.needs_refresh`), under the row's lock, so any number of processes can serve it.

Allocation without a lock per credential: a process reserves a *block* of positions in a list
(`StatusLists.reserve`: the list's row is locked only for that short transaction, which adds the
block to its ``allocated`` count) and then hands them out from memory (`allocate` with
``pooled``), choosing each index at random as before and reading the list without locking it.
Issuances in several processes therefore no longer queue on the list's row. Two of them may
draw the same random index at the same moment: the unique (list, index) constraint refuses the
second, and `IssuanceService.issue` retries it in a new transaction. Positions reserved by a
process that stops are never handed out: the list only fills (and a new one opens) sooner.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from microcred.credentials.parsing import parse_datetime
from microcred.credentials.proofs import data_integrity
from microcred.credentials.status_list import Bitstring, status_list_credential
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.achievement import StatusPurpose
from microcred.errors import ConfigurationError
from microcred.ports.credentials import StatusListRecord
from microcred.ports.unit_of_work import TenantScope
from microcred.services.credentials.keys import Signer
from microcred.services.ids import new_id
from microcred.services.urls import PublicUrls

_ATTEMPTS = 64
#: positions a process reserves in one short transaction
BLOCK = 64


@dataclass(frozen=True, slots=True)
class Reservation:
    """A block of positions reserved in one list (handed out once its transaction commits)."""

    organisation_id: str
    purpose: StatusPurpose
    key_id: str
    list_id: str
    count: int


class NoReservedPositions(Exception):
    """This process holds no reserved positions for the list asked for (reserve a block)."""

    def __init__(self, purpose: StatusPurpose, key_id: str) -> None:
        super().__init__(purpose.value)
        self.purpose = purpose
        self.key_id = key_id


#: the ``ttl`` published on each list: how long a verifier may cache a copy (5 minutes)
TTL_MS = 300_000


def _timestamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


class StatusLists:
    """Status lists of organisations: allocation (random index, for herd privacy) and signing."""

    def __init__(
        self, urls: PublicUrls, size: int, validity: timedelta = timedelta(hours=24)
    ) -> None:
        self._urls = urls
        self._size = size
        self.validity = validity
        self._guard = threading.Lock()
        #: (organisation, purpose, key) → [list id, positions left], committed reservations
        self._reserved: dict[tuple[str, str, str], list[Any]] = {}

    def allocate(
        self,
        scope: TenantScope,
        purpose: StatusPurpose,
        signer: Signer,
        now: datetime,
        *,
        pooled: bool = False,
    ) -> tuple[StatusListRecord, int]:
        """A free random index in an open list of ``purpose`` (new list when all are half full).

        With ``pooled``, the index comes from a block this process reserved before (the list's
        row is not locked) or `NoReservedPositions` is raised; without, the list's row stays
        locked to the end of the caller's transaction."""
        if pooled:
            return self._from_reserved(scope, purpose, signer, now)
        record = self._open(scope, purpose, signer, now)
        index = self._free_index(scope, record)
        # only the counter is written; the row stays locked (open_list) to the commit
        scope.status_lists.count_allocation(record.id)
        record.allocated += 1
        return record, index

    def reserve(
        self, scope: TenantScope, purpose: StatusPurpose, signer: Signer, now: datetime
    ) -> Reservation:
        """Reserve a block of positions in an open list; `grant` it once the caller commits."""
        record = self._open(scope, purpose, signer, now)
        scope.status_lists.count_allocation(record.id, BLOCK)
        return Reservation(scope.organisation_id, purpose, signer.record.id, record.id, BLOCK)

    def grant(self, reservation: Reservation) -> None:
        """Make a committed reservation's positions available to this process."""
        key = (reservation.organisation_id, reservation.purpose.value, reservation.key_id)
        with self._guard:
            held = self._reserved.get(key)
            if held and held[0] == reservation.list_id:
                held[1] += reservation.count  # two threads reserved at once: keep both
            else:
                self._reserved[key] = [reservation.list_id, reservation.count]

    def _from_reserved(
        self, scope: TenantScope, purpose: StatusPurpose, signer: Signer, now: datetime
    ) -> tuple[StatusListRecord, int]:
        key = (scope.organisation_id, purpose.value, signer.record.id)
        with self._guard:
            held = self._reserved.get(key)
            if not held or held[1] <= 0:
                raise NoReservedPositions(purpose, signer.record.id)
            held[1] -= 1
            list_id = str(held[0])
        record = scope.status_lists.read(list_id)
        if record is None:
            raise NoReservedPositions(purpose, signer.record.id)
        if self.needs_refresh(record, now):  # rare: re-sign under the row's lock
            locked = scope.status_lists.get(list_id)
            if locked is not None:
                record = locked
                if self.needs_refresh(record, now):
                    self.refresh(record, signer, now)
                    scope.status_lists.save(record)
        return record, self._free_index(scope, record)

    def _open(
        self, scope: TenantScope, purpose: StatusPurpose, signer: Signer, now: datetime
    ) -> StatusListRecord:
        record = scope.status_lists.open_list(purpose, signer.record.id)
        if record is None:
            record = StatusListRecord(
                id=new_id(),
                organisation_id=scope.organisation_id,
                purpose=purpose,
                key_id=signer.record.id,
                size=self._size,
                bits=Bitstring(self._size).to_bytes(),
                allocated=0,
                version=0,
                signed_document=None,
                signed_version=0,
                created_at=now,
            )
            record.signed_document = self.sign(record, signer, now)
            scope.status_lists.add(record)
        elif self.needs_refresh(record, now):  # issuance verifies against it: keep it current
            self.refresh(record, signer, now)
            scope.status_lists.save(record)
        return record

    @staticmethod
    def _free_index(scope: TenantScope, record: StatusListRecord) -> int:
        for _ in range(_ATTEMPTS):
            index = secrets.randbelow(record.size)
            if not scope.status_lists.index_taken(record.id, index):
                return index
        raise ConfigurationError("Could not find a free status list index; try again.")

    def set_bit(
        self,
        scope: TenantScope,
        record: StatusListRecord,
        index: int,
        value: bool,
        signer: Signer,
        now: datetime,
    ) -> None:
        """Flip one entry and re-sign the list in the same transaction."""
        bits = Bitstring(data=record.bits)
        bits.set(index, value)
        record.bits = bits.to_bytes()
        record.signed_version += 1
        record.signed_document = self.sign(record, signer, now)
        scope.status_lists.save(record)

    def sign(self, record: StatusListRecord, signer: Signer, now: datetime) -> str:
        """The signed BitstringStatusListCredential as JSON text."""
        if not isinstance(signer.key, Ed25519KeyPair):
            raise ConfigurationError("Status lists are signed with the Ed25519 key.")
        url = self._urls.status_list(record.id)
        doc = status_list_credential(
            url,
            signer.issuer_id,
            record.purpose.value,
            Bitstring(data=record.bits),
            _timestamp(now),
            _timestamp(now + self.validity),
            ttl_ms=min(TTL_MS, int(self.validity.total_seconds() * 1000)),
        )
        signed = data_integrity.sign(
            doc, signer.key, verification_method=signer.verification_method, created=_timestamp(now)
        )
        return json.dumps(signed, separators=(",", ":"), ensure_ascii=False)

    def needs_refresh(self, record: StatusListRecord, now: datetime) -> bool:
        """True when the signed list is missing, has no ``validUntil`` (signed before lists
        expired) or has less than half of its validity window left."""
        if record.signed_document is None:
            return True
        try:
            until = parse_datetime(json.loads(record.signed_document).get("validUntil"))
        except (ValueError, AttributeError):
            return True
        return until is None or until - now < self.validity / 2

    def refresh(self, record: StatusListRecord, signer: Signer, now: datetime) -> None:
        """Re-sign the list from its stored bits with a new validity window."""
        record.signed_document = self.sign(record, signer, now)

    @staticmethod
    def document(record: StatusListRecord) -> dict[str, Any]:
        """The published status list credential."""
        if record.signed_document is None:
            raise ConfigurationError("The status list has not been signed yet.")
        result: dict[str, Any] = json.loads(record.signed_document)
        return result
