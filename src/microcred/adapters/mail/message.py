"""Turning a `MailMessage` into RFC 5322 bytes: From, To, Subject, Date, Message-ID, plain text
and HTML alternatives (the standard library's `email` package, SMTP policy)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from microcred.errors import InvalidInput
from microcred.ports.mail import MailMessage, check_address, check_header

#: CRLF line ends; headers (at most ~250 characters here) unfolded, within RFC 5322's 998: the
#: standard library folds a long Subject right after its colon, which mail clients show badly
_POLICY = SMTP.clone(max_line_length=998)


def compose(message: MailMessage, sender: str, sender_name: str, now: datetime) -> EmailMessage:
    """The message ready to send; its ``Message-ID`` names the sender's domain."""
    check_address(sender, "sender")
    check_header(sender_name, "sender name", 200)
    mail = EmailMessage(policy=_POLICY)
    try:
        mail["From"] = Address(sender_name, addr_spec=sender)
        mail["To"] = Address(message.to_name, addr_spec=message.to)
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(now)
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
        for name, value in message.headers.items():
            mail[name] = value
    except (ValueError, TypeError) as exc:  # the email package's own injection check
        raise InvalidInput(f"The e-mail headers were refused: {exc}") from exc
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail
