"""The transparency log on the database: entries, the stored tree levels (so every proof costs
O(log n) reads), checkpoints, cosignatures and what each witness has seen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import bindparam, func, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy import Table

from microcred.adapters.db.tables import (
    AnchorRow,
    LogCheckpointRow,
    LogCosignatureRow,
    LogEntryRow,
    LogNodeRow,
    ServerKeyRow,
    WitnessViewRow,
)
from microcred.errors import NotFound
from microcred.transparency.merkle import NodeRef

#: the advisory lock that makes exactly one sequencer extend the log (PostgreSQL)
SEQUENCER_LOCK = 0x6D6963726F637264  # "microcrd"


class SqlLedger:
    """Ledger storage over one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # --- tree levels (LevelStore) ----------------------------------------------------------
    def get(self, level: int, index: int) -> bytes:
        """Hash of the full node (level, index); `NotFound` when not stored."""
        found = self._s.scalar(
            select(LogNodeRow.hash).where(LogNodeRow.level == level, LogNodeRow.idx == index)
        )
        if found is None:
            raise NotFound(f"The log has no node at level {level}, index {index}.")
        return bytes(found)

    def nodes(self, level: int, start: int, end: int) -> list[bytes]:
        """Hashes of full nodes ``[start, end)`` at ``level`` (one query: for tiles)."""
        rows = self._s.execute(
            select(LogNodeRow.hash)
            .where(LogNodeRow.level == level, LogNodeRow.idx >= start, LogNodeRow.idx < end)
            .order_by(LogNodeRow.idx)
        ).scalars()
        return [bytes(r) for r in rows]

    def many(self, refs: Sequence[NodeRef]) -> dict[NodeRef, bytes]:
        """Hashes of the stored full nodes among ``refs``, in one query (a proof's nodes)."""
        if not refs:
            return {}
        rows = self._s.execute(
            select(LogNodeRow.level, LogNodeRow.idx, LogNodeRow.hash).where(
                tuple_(LogNodeRow.level, LogNodeRow.idx).in_([(r.level, r.index) for r in refs])
            )
        ).all()
        return {NodeRef(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}

    def store_nodes(self, size: int, levels: Sequence[Sequence[bytes]]) -> None:
        """Store the nodes a batch completed (``levels[l]`` starts at index ``size >> l``)."""
        rows = [
            {"level": level, "idx": (size >> level) + i, "hash": h}
            for level, hashes in enumerate(levels)
            for i, h in enumerate(hashes)
        ]
        if rows:
            self._s.execute(insert(LogNodeRow), rows)

    # --- entries ---------------------------------------------------------------------------
    def add_entry(
        self, data: bytes, leaf_hash: bytes, event: str, credential_id: str | None, now: datetime
    ) -> int:
        """Stage an entry (no index yet); returns its staging id."""
        row = LogEntryRow(
            data=data, leaf_hash=leaf_hash, event=event, credential_id=credential_id, created_at=now
        )
        self._s.add(row)
        self._s.flush()
        return row.id

    def lock_sequencer(self) -> None:
        """Hold the sequencer lock until the transaction ends (SQLite: the write lock already
        is exclusive)."""
        if self._s.get_bind().dialect.name == "postgresql":
            self._s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEQUENCER_LOCK})

    def size(self) -> int:
        """How many entries have an index."""
        top = self._s.scalar(select(func.max(LogEntryRow.leaf_index)))
        return 0 if top is None else int(top) + 1

    def unsequenced(self, limit: int) -> list[tuple[int, bytes]]:
        """The oldest staged entries: (staging id, leaf hash)."""
        rows = self._s.execute(
            select(LogEntryRow.id, LogEntryRow.leaf_hash)
            .where(LogEntryRow.leaf_index.is_(None))
            .order_by(LogEntryRow.id)
            .limit(limit)
        ).all()
        return [(int(r[0]), bytes(r[1])) for r in rows]

    def assign(self, first_index: int, staging_ids: Sequence[int]) -> None:
        """Give consecutive indices to staged entries (one executemany)."""
        if not staging_ids:
            return
        table = cast("Table", LogEntryRow.__table__)
        statement = (
            update(table)
            .where(table.c.id == bindparam("staged_id"))
            .values(leaf_index=bindparam("new_index"))
        )
        self._s.connection().execute(
            statement,
            [
                {"staged_id": entry_id, "new_index": first_index + offset}
                for offset, entry_id in enumerate(staging_ids)
            ],
        )

    def add_entries(
        self, rows: Sequence[tuple[bytes, bytes, str, str | None]], now: datetime
    ) -> None:
        """Stage many entries at once: (data, leaf hash, event, credential id)."""
        if rows:
            self._s.execute(
                insert(LogEntryRow),
                [
                    {"data": d, "leaf_hash": h, "event": e, "credential_id": c, "created_at": now}
                    for d, h, e, c in rows
                ],
            )

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entry data for indices [start, end)."""
        rows = self._s.execute(
            select(LogEntryRow.data)
            .where(LogEntryRow.leaf_index >= start, LogEntryRow.leaf_index < end)
            .order_by(LogEntryRow.leaf_index)
        ).scalars()
        return [bytes(r) for r in rows]

    def all_entries(self) -> list[tuple[int | None, bytes, bytes, str | None]]:
        """Every entry (index, data, stored leaf hash, credential id), for audits."""
        rows = self._s.execute(
            select(
                LogEntryRow.leaf_index,
                LogEntryRow.data,
                LogEntryRow.leaf_hash,
                LogEntryRow.credential_id,
            ).order_by(LogEntryRow.id)
        ).all()
        return [(r[0], bytes(r[1]), bytes(r[2]), r[3]) for r in rows]

    def indices_of(self, credential_id: str) -> list[int]:
        """Sequenced indices of a credential's entries, oldest first."""
        rows = self._s.execute(
            select(LogEntryRow.leaf_index)
            .where(LogEntryRow.credential_id == credential_id, LogEntryRow.leaf_index.is_not(None))
            .order_by(LogEntryRow.leaf_index)
        ).scalars()
        return [int(r) for r in rows if r is not None]

    # --- checkpoints, cosignatures, witnesses --------------------------------------------------
    def add_checkpoint(self, size: int, root: bytes, note: str, now: datetime) -> None:
        """Record a signed checkpoint."""
        self._s.add(LogCheckpointRow(size=size, root=root, note=note, created_at=now))
        self._s.flush()

    def latest_checkpoint(self) -> tuple[int, bytes, str] | None:
        """(size, root, note) of the newest checkpoint."""
        row = self._s.scalar(select(LogCheckpointRow).order_by(LogCheckpointRow.size.desc()))
        return (row.size, bytes(row.root), row.note) if row else None

    def checkpoint(self, size: int) -> tuple[int, bytes, str] | None:
        """(size, root, note) of the checkpoint at ``size``."""
        row = self._s.get(LogCheckpointRow, size)
        return (row.size, bytes(row.root), row.note) if row else None

    def add_cosignature(self, size: int, witness: str, line: str, now: datetime) -> None:
        """Keep a witness's cosignature line for a checkpoint (idempotent)."""
        exists = self._s.scalar(
            select(LogCosignatureRow.id).where(
                LogCosignatureRow.size == size, LogCosignatureRow.witness == witness
            )
        )
        if exists is None:
            self._s.add(
                LogCosignatureRow(size=size, witness=witness, signature_line=line, received_at=now)
            )
            self._s.flush()

    def cosignatures(self, size: int) -> list[tuple[str, str]]:
        """(witness, signature line) pairs for a checkpoint."""
        rows = self._s.execute(
            select(LogCosignatureRow.witness, LogCosignatureRow.signature_line)
            .where(LogCosignatureRow.size == size)
            .order_by(LogCosignatureRow.witness)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def latest_cosigned(self, witnesses: int = 1) -> int | None:
        """The largest checkpoint size with at least ``witnesses`` cosignatures."""
        row = self._s.execute(
            select(LogCosignatureRow.size)
            .group_by(LogCosignatureRow.size)
            .having(func.count() >= witnesses)
            .order_by(LogCosignatureRow.size.desc())
            .limit(1)
        ).scalar()
        return None if row is None else int(row)

    def witness_size(self, witness: str) -> int | None:
        """The size the log believes ``witness`` last recorded."""
        row = self._s.get(WitnessViewRow, witness)
        return None if row is None else row.size

    def set_witness_size(
        self, witness: str, size: int, now: datetime, error: str | None = None
    ) -> None:
        """Remember what ``witness`` has recorded (and the last error talking to it)."""
        row = self._s.get(WitnessViewRow, witness)
        if row is None:
            self._s.add(
                WitnessViewRow(witness=witness, size=size, updated_at=now, last_error=error)
            )
        else:
            row.size, row.updated_at, row.last_error = size, now, error
        self._s.flush()

    def add_anchor(
        self,
        size: int,
        chain_id: int,
        tx_hash: str,
        block: int | None,
        gas: int | None,
        digest: bytes,
        now: datetime,
    ) -> None:
        """Record a chain anchor of a checkpoint."""
        self._s.add(
            AnchorRow(
                size=size,
                chain_id=chain_id,
                tx_hash=tx_hash,
                block_number=block,
                gas_used=gas,
                digest=digest,
                created_at=now,
            )
        )
        self._s.flush()

    def latest_anchor(self) -> int | None:
        """The largest checkpoint size anchored so far."""
        top = self._s.scalar(select(func.max(AnchorRow.size)))
        return None if top is None else int(top)

    def anchors(self) -> list[tuple[int, int, str, int | None, int | None]]:
        """(size, chain id, tx hash, block, gas) of every anchor, newest first."""
        rows = self._s.execute(
            select(
                AnchorRow.size,
                AnchorRow.chain_id,
                AnchorRow.tx_hash,
                AnchorRow.block_number,
                AnchorRow.gas_used,
            ).order_by(AnchorRow.id.desc())
        ).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # --- server keys ---------------------------------------------------------------------------
    def server_key(self, purpose: str) -> tuple[str, str, bytes, bytes] | None:
        """(id, name, public, sealed private) of the server key for ``purpose``."""
        row = self._s.scalar(select(ServerKeyRow).where(ServerKeyRow.purpose == purpose))
        return (row.id, row.name, bytes(row.public), bytes(row.sealed_private)) if row else None

    def add_server_key(
        self, key_id: str, purpose: str, name: str, public: bytes, sealed: bytes, now: datetime
    ) -> None:
        """Store a new server key."""
        self._s.add(
            ServerKeyRow(
                id=key_id,
                purpose=purpose,
                name=name,
                public=public,
                sealed_private=sealed,
                created_at=now,
            )
        )
        self._s.flush()
