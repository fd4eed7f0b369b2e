"""The e-mails' words: plain text and HTML (escaped, no remote images, no scripts), with the
one-click unsubscribe headers (RFC 8058) on every message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from microcred.ports.mail import MAX_NAME, MAX_SUBJECT, MailMessage

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


def one_line(value: str, limit: int = MAX_NAME) -> str:
    """``value`` as one header-safe line: line breaks and control characters become a space
    (names come from people; a name is never allowed to start a new header)."""
    flat = " ".join(_CONTROL.sub(" ", value or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


@dataclass(frozen=True, slots=True)
class Letter:
    """Who writes to whom about what (every value as stored; cleaned here)."""

    to: str
    to_name: str
    organisation: str
    achievement: str
    unsubscribe_url: str


def _message(
    letter: Letter, subject: str, paragraphs: list[str], links: list[tuple[str, str]]
) -> MailMessage:
    """One message from paragraphs of plain text and (label, URL) links."""
    greeting = f"Hello {one_line(letter.to_name)}," if letter.to_name.strip() else "Hello,"
    footer = (
        f"You receive this because {one_line(letter.organisation)} issued you a credential. "
        f"To receive no more reminders from them: {letter.unsubscribe_url}"
    )
    text_parts = [greeting, *paragraphs]
    for label, url in links:
        text_parts.append(f"{label}:\n{url}")
    text = "\n\n".join([*text_parts, "-- ", footer]) + "\n"
    e = html.escape
    body = [f"<p>{e(greeting)}</p>", *(f"<p>{e(p)}</p>" for p in paragraphs)]
    body += [f'<p><a href="{e(url, quote=True)}">{e(label)}</a></p>' for label, url in links]
    body.append(
        f'<hr><p style="font-size:small">You receive this because '
        f"{e(one_line(letter.organisation))} issued you a credential. "
        f'<a href="{e(letter.unsubscribe_url, quote=True)}">Receive no more reminders</a>.</p>'
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head><body>{''.join(body)}</body></html>"
    )
    return MailMessage(
        to=letter.to,
        to_name=one_line(letter.to_name),
        subject=one_line(subject, MAX_SUBJECT),
        text=text,
        html=page,
        headers={
            "List-Unsubscribe": f"<{letter.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def offer_message(letter: Letter, claim_url: str, expires: datetime, reminder: bool) -> MailMessage:
    """The claim e-mail (and its reminders)."""
    org, name = one_line(letter.organisation), one_line(letter.achievement)
    subject = (
        f"Reminder: your credential {name} from {org} waits for you"
        if reminder
        else f"{org} offers you a credential: {name}"
    )
    return _message(
        letter,
        subject,
        [
            f"{org} has awarded you the credential “{name}”. It stays private until you "
            "accept it: then it appears in your wallet and can be shared and verified.",
            f"The link below works once, until {_day(expires)}. You can also decline the "
            "credential there; it is then revoked.",
        ],
        [("Accept or decline your credential", claim_url)],
    )


def expiry_message(
    letter: Letter, expires: datetime, credential_url: str, renew_url: str
) -> MailMessage:
    """The reminder that a credential expires soon, with the way to earn it again."""
    org, name = one_line(letter.organisation), one_line(letter.achievement)
    return _message(
        letter,
        f"Your credential {name} expires on {_day(expires)}",
        [
            f"Your credential “{name}” from {org} expires on {_day(expires)}.",
            "To keep it current, earn it again: submit new evidence for the micro-credential "
            "and it will be reviewed as before.",
        ],
        [("Recertify: submit new evidence", renew_url), ("Your credential", credential_url)],
    )
