"""What e-mail needs: one message value (refusing header injection), the `Mailer` that sends
it (SMTP, or a local outbox without SMTP settings), and the stores behind credential offers,
opt-outs and the mail log (per organisation)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from microcred.errors import InvalidInput

#: an address as we send to it: no display name, no spaces, no control characters, one "@"
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f\x7f<>\",;]{1,64}@[A-Za-z0-9.-]{1,253}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
MAX_SUBJECT = 200
MAX_NAME = 200
MAX_BODY = 200_000
#: headers a caller may add (the mailer writes From, To, Subject, Date, Message-ID itself)
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"})


def check_address(value: str, what: str = "address") -> str:
    """``value`` if it is a plain e-mail address; `InvalidInput` otherwise."""
    if not isinstance(value, str) or len(value) > 320 or not _ADDRESS.match(value):
        raise InvalidInput(f"The e-mail {what} {value[:80]!r} is not a plain address.")
    return value


def check_header(value: str, what: str, limit: int) -> str:
    """``value`` if it can go in a header: no line breaks or other control characters (header
    injection), at most ``limit`` characters; `InvalidInput` otherwise."""
    if not isinstance(value, str) or _CONTROL.search(value):
        raise InvalidInput(f"The e-mail {what} may not contain line breaks or control characters.")
    if len(value) > limit:
        raise InvalidInput(f"The e-mail {what} is longer than {limit} characters.")
    return value


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One e-mail: plain text and HTML alternatives, to one recipient. Built only from values
    that cannot inject headers (refused with `InvalidInput`)."""

    to: str
    subject: str
    text: str
    html: str
    to_name: str = ""
    #: a few extra headers (`EXTRA_HEADERS`), e.g. ``List-Unsubscribe``
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_address(self.to, "recipient")
        check_header(self.subject, "subject", MAX_SUBJECT)
        check_header(self.to_name, "recipient name", MAX_NAME)
        if not self.subject.strip():
            raise InvalidInput("An e-mail needs a subject.")
        for name, value in self.headers.items():
            if name not in EXTRA_HEADERS:
                raise InvalidInput(f"The e-mail header {name[:40]!r} may not be set here.")
            check_header(value, f"header {name}", 2000)
        if len(self.text) > MAX_BODY or len(self.html) > MAX_BODY:
            raise InvalidInput("The e-mail body is too long.")


class Mailer(Protocol):
    """Sends one message; returns its ``Message-ID``. Raises `MicrocredError` when the message
    was not accepted (the job that called it is retried)."""

    def send(self, message: MailMessage) -> str: ...


class OfferState(enum.StrEnum):
    """Where a credential offered to its earner stands."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(slots=True)
class Offer:
    """A credential issued but kept private until its earner accepts it (or declines: then it
    is revoked, never deleted). Only the claim token's SHA-256 is stored."""

    id: str
    organisation_id: str
    credential_id: str
    email: str
    state: OfferState
    created_at: datetime
    token_hash: str | None = None
    token_expires_at: datetime | None = None
    decided_at: datetime | None = None
    #: claim e-mails sent (the first, then reminders)
    sent: int = 0
    last_sent_at: datetime | None = None


class MailKind(enum.StrEnum):
    """What an e-mail is for."""

    OFFER = "offer"
    OFFER_REMINDER = "offer_reminder"
    EXPIRY_REMINDER = "expiry_reminder"


@dataclass(slots=True)
class MailRecord:
    """One e-mail queued (and later sent): what for, to whom, about what."""

    id: str
    organisation_id: str
    kind: MailKind
    #: what it is about, unique per kind (an offer's id and number, a credential's id)
    subject_key: str
    recipient: str
    created_at: datetime
    sent_at: datetime | None = None
    message_id: str | None = None
    #: why it was not sent (opted out, offer already decided...)
    skipped: str | None = None


class MailRepository(Protocol):
    """An organisation's offers, per-achievement offer policy, opt-outs and mail log."""

    def offer_first(self, achievement_id: str) -> bool: ...
    def set_offer_first(self, achievement_id: str, on: bool) -> None: ...
    def add_offer(self, offer: Offer) -> None: ...
    def offer(self, offer_id: str, *, for_update: bool = False) -> Offer | None: ...
    def offer_for(self, credential_id: str) -> Offer | None: ...
    def save_offer(self, offer: Offer) -> None: ...
    def pending_offers(self, email: str) -> Sequence[Offer]: ...
    def unclaimed(self, sent_before: datetime, max_sent: int, limit: int) -> Sequence[Offer]: ...
    def expiring_unreminded(self, start: datetime, end: datetime, limit: int) -> Sequence[str]: ...
    def has_future_work(self, now: datetime) -> bool: ...
    def recipient_id(self, email: str) -> str: ...
    def opted_out(self, email: str) -> bool: ...
    def set_opted_out(self, email: str, opted_out: bool, at: datetime) -> None: ...
    def add_mail(self, record: MailRecord) -> bool: ...
    def mail(self, mail_id: str) -> MailRecord | None: ...
    def save_mail(self, record: MailRecord) -> None: ...
    def mails(self, *, limit: int = 50) -> Sequence[MailRecord]: ...


class MailLinks(Protocol):
    """The lookups links in e-mails need before the organisation is known."""

    def offer_by_token(self, token_hash: str) -> tuple[str, str] | None:
        """(organisation id, offer id) of the offer whose claim token hashes to this."""
        ...

    def recipient(self, recipient_id: str) -> tuple[str, str] | None:
        """(organisation id, e-mail) of an opt-out record."""
        ...
