"""Getting the log's checkpoints cosigned: submit each new checkpoint, with a consistency proof
from the size the witness last cosigned, to every configured witness, and keep their
cosignatures. A witness that is down is retried later; one that reports a larger size than the
log has is evidence that the log was rolled back, and is reported, not retried blindly."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from microcred.errors import ConfigurationError, MicrocredError
from microcred.ports.clock import Clock
from microcred.ports.ledger import WitnessClient
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.transparency.cosignature import CosignatureVerifier
from microcred.transparency.merkle import consistency_proof
from microcred.transparency.note import parse_note
from microcred.transparency.witness import (
    AddCheckpointRequest,
    parse_cosignatures,
    parse_size_body,
)

log = logging.getLogger("microcred.witnessing")
WITNESS_JOB = "ledger.witness"


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    """A witness the log submits to: where it listens and its cosigner key."""

    url: str
    verifier: CosignatureVerifier

    @property
    def name(self) -> str:
        """The witness's key name."""
        return self.verifier.name

    @classmethod
    def parse(cls, spec: str) -> WitnessEndpoint:
        """``<url> <vkey>`` (as in ``MICROCRED_WITNESSES``, separated by commas)."""
        url, _, vkey = spec.strip().partition(" ")
        if not url.startswith(("http://", "https://")) or not vkey.strip():
            raise ConfigurationError(f"A witness is '<url> <vkey>', not {spec[:80]!r}.")
        return cls(url, CosignatureVerifier.from_vkey(vkey.strip()))


class WitnessRejected(MicrocredError):
    """A witness refused a checkpoint (a fork, a rollback, a bad proof)."""


class Witnessing:
    """Submits checkpoints to witnesses; one job per witness so one slow witness blocks none."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        endpoints: Sequence[WitnessEndpoint],
        client: WitnessClient,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.endpoints = {e.name: e for e in endpoints}
        self._client = client

    def enqueue_all(self, uow: UnitOfWork, size: int) -> None:
        """Ask for submission of checkpoint ``size`` to every witness (after-checkpoint hook)."""
        for name in self.endpoints:
            uow.jobs.enqueue(WITNESS_JOB, {"witness": name}, dedupe_key=f"{WITNESS_JOB}:{name}")

    def submit(self, payload: dict[str, Any]) -> None:
        """Job handler: bring one witness up to the log's latest checkpoint."""
        endpoint = self.endpoints.get(str(payload.get("witness")))
        if endpoint is None:
            return  # the witness was removed from the configuration
        for _ in range(3):  # a 409 tells us the witness's size: retry with the right proof
            if self._submit_once(endpoint):
                return

    def bring_up_to_date(self, wait_seconds: float = 0.0) -> dict[str, str | None]:
        """Submit the latest checkpoint to every witness now; for each witness's name, None when
        it holds that checkpoint, else why not. An unreachable witness (one still starting) is
        retried for up to ``wait_seconds``; whatever still failed is queued for the worker."""
        outcome: dict[str, str | None] = {}
        deadline = time.monotonic() + wait_seconds
        for name, endpoint in self.endpoints.items():
            while True:
                try:
                    self.submit({"witness": name})
                    outcome[name] = None
                    break
                except WitnessRejected as exc:
                    outcome[name] = exc.explain()
                    break
                except MicrocredError as exc:
                    if time.monotonic() >= deadline:
                        outcome[name] = exc.explain()
                        break
                    time.sleep(0.25)
            with self._uow() as uow:
                latest = uow.ledger.latest_checkpoint()
                if latest is not None and (uow.ledger.witness_size(endpoint.name) or 0) < latest[0]:
                    outcome[name] = outcome[name] or "it has not cosigned the latest checkpoint"
                    uow.jobs.enqueue(
                        WITNESS_JOB, {"witness": name}, dedupe_key=f"{WITNESS_JOB}:{name}"
                    )
                    uow.commit()
        return outcome

    def _submit_once(self, endpoint: WitnessEndpoint) -> bool:
        with self._uow() as uow:
            latest = uow.ledger.latest_checkpoint()
            if latest is None:
                return True
            size, _root, note_text = latest
            known = uow.ledger.witness_size(endpoint.name) or 0
            if known >= size:
                return True
            proof = consistency_proof(uow.ledger, known, size) if 0 < known < size else []
        note = parse_note(note_text)
        body = AddCheckpointRequest.build(known, proof, note).encode()
        try:
            status, answer = self._client.add_checkpoint(endpoint.url, body)
        except MicrocredError as exc:
            self._remember(endpoint, known, exc.explain())
            raise
        if status == 200:
            signatures = parse_cosignatures(answer, note, [endpoint.verifier])
            with self._uow() as uow:
                for sig in signatures:
                    uow.ledger.add_cosignature(size, endpoint.name, sig.line, self._clock.now())
                uow.ledger.set_witness_size(endpoint.name, size, self._clock.now())
                uow.commit()
            return True
        if status == 409:
            their_size = parse_size_body(answer)
            if their_size > size:
                message = (
                    f"The witness {endpoint.name} has cosigned size {their_size}, but the "
                    f"log has only {size} entries: the log was rolled back."
                )
                self._remember(endpoint, known, message)
                log.error(message)
                raise WitnessRejected(message)
            self._remember(endpoint, their_size, None)
            return False
        reason = answer[:300].decode("utf-8", "replace").strip()
        message = f"The witness {endpoint.name} refused checkpoint {size} ({status}): {reason}"
        self._remember(endpoint, known, message)
        log.error(message)
        raise WitnessRejected(message)

    def _remember(self, endpoint: WitnessEndpoint, size: int, error: str | None) -> None:
        with self._uow() as uow:
            uow.ledger.set_witness_size(endpoint.name, size, self._clock.now(), error)
            uow.commit()
