"""``credential.expiring``: a periodic job per organisation finds active credentials expiring
within N days and emits the event once per credential (an event about it, once recorded, is
never emitted again)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from microcred.ports.clock import Clock
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.ports.webhooks import EventType
from microcred.services.webhooks.events import credential_data, emit

EXPIRING_JOB = "webhooks.expiring"
#: how often an organisation with an ``credential.expiring`` subscriber is scanned
SCAN_EVERY = timedelta(hours=1)
#: credentials announced per transaction; a full batch runs the next one at once
BATCH = 200


def schedule_scan(uow: UnitOfWork, organisation_id: str, run_at: datetime) -> None:
    """Queue the organisation's scan (once: a scan already queued is kept)."""
    uow.jobs.enqueue(
        EXPIRING_JOB,
        {"organisation_id": organisation_id},
        dedupe_key=f"{EXPIRING_JOB}:{organisation_id}",
        run_at=run_at,
    )


class ExpiringScan:
    """The ``webhooks.expiring`` job."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, days: int) -> None:
        self._uow = uow
        self._clock = clock
        self.window = timedelta(days=days)

    def run(self, payload: dict[str, Any]) -> int:
        """Announce one batch of expiring credentials and queue the next scan; how many."""
        organisation_id = str(payload["organisation_id"])
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            if not scope.webhooks.subscribed(EventType.CREDENTIAL_EXPIRING):
                return 0  # nobody listens: no further scans until someone subscribes
            found = scope.webhooks.expiring_unannounced(now, now + self.window, BATCH)
            for credential_id in found:
                credential = scope.credentials.get(credential_id)
                if credential is None or credential.valid_until is None:
                    continue
                left = (credential.valid_until - now).total_seconds() / 86_400
                data = credential_data(credential) | {"days_left": math.ceil(left)}
                emit(
                    uow,
                    organisation_id,
                    EventType.CREDENTIAL_EXPIRING,
                    data,
                    now,
                    subject=credential.id,
                )
            schedule_scan(uow, organisation_id, now if len(found) == BATCH else now + SCAN_EVERY)
            uow.commit()
        return len(found)
