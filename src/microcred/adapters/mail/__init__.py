"""E-mail adapters: the one SMTP mailer, and the local outbox used without SMTP settings."""

from microcred.adapters.mail.message import compose
from microcred.adapters.mail.outbox import OutboxMailer
from microcred.adapters.mail.smtp import SmtpMailer, SmtpSettings, TlsMode

__all__ = ["OutboxMailer", "SmtpMailer", "SmtpSettings", "TlsMode", "compose"]
