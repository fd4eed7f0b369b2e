"""The one SMTP adapter (standard library `smtplib`): TLS mode ``none``, ``starttls`` or
``tls``, optional login, a timeout on the whole conversation. The password is never logged."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from microcred.adapters.mail.message import compose
from microcred.errors import ConfigurationError, Unavailable
from microcred.ports.mail import MailMessage

log = logging.getLogger("microcred.mail")

TlsMode = Literal["none", "starttls", "tls"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to hand mail over."""

    host: str
    port: int
    sender: str
    tls: TlsMode = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender_name: str = "microcred"
    timeout: float = 15.0
    #: extra CA certificates (PEM) trusted for the server's certificate
    ca_bundle: str | None = None


class SmtpMailer:
    """Sends each message over a fresh SMTP connection (mail is sent from jobs, a few at a
    time; a refused or failed hand-over raises `Unavailable` and the job is retried)."""

    def __init__(
        self, settings: SmtpSettings, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        if settings.tls not in ("none", "starttls", "tls"):
            raise ConfigurationError("MICROCRED_SMTP_TLS must be none, starttls or tls.")
        if settings.password and not settings.username:
            raise ConfigurationError("MICROCRED_SMTP_PASSWORD needs MICROCRED_SMTP_USERNAME.")
        self.settings = settings
        self._now = clock

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_bundle)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.tls == "tls":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._context())
        client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.tls == "starttls":
            client.starttls(context=self._context())
        return client

    def send(self, message: MailMessage) -> str:
        """Hand ``message`` to the SMTP server; its Message-ID."""
        s = self.settings
        mail = compose(message, s.sender, s.sender_name, self._now())
        try:
            with self._connect() as client:
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(mail, from_addr=s.sender, to_addrs=[message.to])
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            # the reason, never the credentials (smtplib's messages carry neither)
            reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("SMTP %s:%s refused or failed: %s", s.host, s.port, reason)
            raise Unavailable(
                f"The mail server {s.host}:{s.port} did not take the message ({reason})."
            ) from exc
        return str(mail["Message-ID"])
