"""Issued credentials, their recipients and their status over time."""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.domain.achievement import StatusPurpose
from microcred.errors import Conflict, InvalidInput

_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")


class CredentialStatus(enum.StrEnum):
    """Where a credential stands."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class StatusAction(enum.StrEnum):
    """A change of status."""

    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


def next_status(
    current: CredentialStatus, action: StatusAction, purpose: StatusPurpose
) -> CredentialStatus:
    """The status after ``action``, or `Conflict` when the move is not allowed.

    Revocation is final. Suspension needs a credential whose status entry is in a suspension
    list (a revocation-list bit must never be cleared, per Bitstring Status List §2.1).
    """
    if current is CredentialStatus.REVOKED:
        raise Conflict("The credential is revoked; revocation cannot be undone.")
    if action is StatusAction.REVOKE:
        return CredentialStatus.REVOKED
    if purpose is not StatusPurpose.SUSPENSION:
        raise Conflict(
            "This credential's status entry is a revocation entry; it can be revoked but not "
            "suspended or reinstated.",
            hint="Set the achievement's status purpose to 'suspension' for reversible status.",
        )
    if action is StatusAction.SUSPEND:
        if current is CredentialStatus.SUSPENDED:
            raise Conflict("The credential is already suspended.")
        return CredentialStatus.SUSPENDED
    if current is not CredentialStatus.SUSPENDED:
        raise Conflict("Only a suspended credential can be reinstated.")
    return CredentialStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a credential is about: a DID, or an e-mail address that is only stored hashed in the
    credential (OB 3.0 ``IdentityObject`` with a salted SHA-256 ``identityHash``)."""

    did: str | None = None
    email: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if (self.did is None) == (self.email is None):
            raise InvalidInput("Give the recipient either a DID or an e-mail address.")
        if self.did is not None and (len(self.did) > 2048 or not _DID.match(self.did)):
            raise InvalidInput(f"{self.did[:80]!r} is not a DID.")


def identity_hash(value: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex SHA-256 of the identifier followed by the salt."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Evidence:
    """Evidence attached to a credential (OB 3.0 ``Evidence``)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    narrative: str | None = None
    genre: str | None = None
    audience: str | None = None


def assessment(
    name: str, decided: str, feedback: str, points: float, max_points: float, note: str = ""
) -> tuple[list[Evidence], list[dict[str, Any]]]:
    """The evidence and OB 3.0 ``Result`` a credential decided by an assessment carries:
    ``"<decided>: <points> of <max> points.<note>"`` and ``"<points>/<max>"``."""
    evidence = Evidence(
        name=name,
        description=f"{decided}: {points:g} of {max_points:g} points.{note}",
        narrative=feedback[:5000] or None,
        genre="Assessment",
    )
    result = {"type": ["Result"], "value": f"{points:g}/{max_points:g}", "status": "Completed"}
    return [evidence], [result]


@dataclass(slots=True)
class IssuedCredential:
    """A signed credential as the issuer stores it."""

    id: str
    organisation_id: str
    achievement_id: str
    credential_url: str
    document: dict[str, Any]
    suite: str
    recipient_email: str | None
    recipient_did: str | None
    status: CredentialStatus
    status_purpose: StatusPurpose
    status_list_id: str
    status_index: int
    key_id: str
    issued_at: datetime
    valid_until: datetime | None = None
    jwt: str | None = None
    #: the holder hid it: its public page and downloads answer 404 to strangers (the signed
    #: credential, its status list entry and its log entry are unchanged)
    private: bool = False
    #: the credential this one re-issues bound to a wallet's DID (``credentialSubject.id``); its
    #: status follows the original's
    bound_from: str | None = None
