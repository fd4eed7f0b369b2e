"""Anchoring cosigned checkpoints in a public chain (optional): at most once per interval, the
newest checkpoint that has its witness quorum is written to the chain and the receipt kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.ledger.service import cosigned_note
from microcred.transparency.anchor import AnchorPending, ChainAnchor

ANCHOR_JOB = "ledger.anchor"


class Anchoring:
    """Schedules and writes anchors through a `ChainAnchor` adapter."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        chain: ChainAnchor,
        *,
        quorum: int,
        interval: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._chain = chain
        self._quorum = quorum
        self._interval = interval

    def schedule(self, uow: UnitOfWork, _size: int) -> None:
        """After-checkpoint hook: make sure an anchoring run is queued within the interval."""
        uow.jobs.enqueue(
            ANCHOR_JOB, {}, dedupe_key=ANCHOR_JOB, run_at=self._clock.now() + self._interval
        )

    def anchor(self, _payload: dict[str, Any] | None = None) -> int | None:
        """Job handler: anchor the newest cosigned checkpoint not anchored yet; its size."""
        with self._uow() as uow:
            if self._quorum:
                size = uow.ledger.latest_cosigned(self._quorum)
            else:  # no witnesses configured: anchor the log-signed checkpoint
                latest = uow.ledger.latest_checkpoint()
                size = latest[0] if latest else None
            if size is None or (uow.ledger.latest_anchor() or 0) >= size:
                return None
            note = cosigned_note(uow, size).encode()
        try:
            receipt = self._chain.anchor_checkpoint(note)
        except AnchorPending as exc:
            with self._uow() as uow:  # keep the hash: verify it later instead of paying twice
                uow.ledger.add_anchor(size, 0, exc.tx_hash, None, None, b"", self._clock.now())
                uow.commit()
            raise
        with self._uow() as uow:
            uow.ledger.add_anchor(
                size,
                receipt.chain_id,
                receipt.tx_hash,
                receipt.block_number,
                receipt.gas_used,
                receipt.anchor.digest,
                self._clock.now(),
            )
            uow.commit()
        return size
