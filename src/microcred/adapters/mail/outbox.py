"""Without SMTP settings, mail goes to a local outbox: one ``.eml`` file per message, written
whole (a temporary name, then renamed), so ``make run`` works with nothing else to start."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from microcred.adapters.mail.message import compose
from microcred.errors import Unavailable
from microcred.ports.mail import MailMessage

log = logging.getLogger("microcred.mail")


class OutboxMailer:
    """Writes each message to ``folder`` as ``<time>-<message id>.eml``."""

    def __init__(
        self,
        folder: str | Path,
        sender: str,
        sender_name: str = "microcred",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.folder = Path(folder)
        self._sender = sender
        self._sender_name = sender_name
        self._now = clock

    def send(self, message: MailMessage) -> str:
        """Write ``message`` to the outbox; its Message-ID."""
        now = self._now()
        mail = compose(message, self._sender, self._sender_name, now)
        message_id = str(mail["Message-ID"])
        safe = "".join(ch for ch in message_id if ch.isalnum() or ch in ".-_")[:80]
        name = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{safe}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(mail.as_bytes())
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            raise Unavailable(f"The mail outbox {self.folder} is not writable ({exc}).") from exc
        log.info("mail to the outbox (no SMTP configured): %s", self.folder / name)
        return message_id
