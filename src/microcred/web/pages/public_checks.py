"""What the public pages work out beside the checks: a one-line summary, when a credential of ours
was revoked or suspended, whether an e-mail address is the one a credential was issued to, and
which of our credentials a URL names. Nothing here stores or logs what a visitor typed."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from microcred.bootstrap import Container
from microcred.credentials.verify import CheckStatus, VerificationReport
from microcred.domain.credential import (
    CredentialStatus,
    IssuedCredential,
    StatusAction,
    identity_hash,
)
from microcred.domain.identity import normalise_email
from microcred.errors import InvalidInput, NotFound

#: what each check is about, in words for the one-line summary
_ABOUT = {
    "context": "its vocabulary",
    "schema": "its format",
    "proof": "its signature",
    "issuer": "its issuer's key",
    "validity": "its dates",
    "status": "its status (revoked or suspended)",
}


def summary(report: VerificationReport) -> str:
    """The checks in one plain sentence, failures first (``Failed: its signature. 4 of 6 checks
    passed, 1 skipped.``)."""
    failed = [
        _ABOUT.get(c.check, c.check.replace("_", " "))
        for c in report.checks
        if c.status is CheckStatus.FAILED
    ]
    passed = sum(c.status is CheckStatus.PASSED for c in report.checks)
    skipped = sum(c.status is CheckStatus.SKIPPED for c in report.checks)
    counts = f"{passed} of {len(report.checks)} checks passed"
    if skipped:
        counts += f", {skipped} skipped"
    if failed:
        return f"Failed: {', '.join(failed)}. {counts}."
    if not report.verified:
        return f"Its signature could not be checked. {counts}."
    return f"Every check that applies passed ({counts})."


@dataclass(frozen=True, slots=True)
class StatusNote:
    """A credential that no longer stands: revoked or suspended, since when (for our own
    credentials, from the issuer's record of the change) and who says so."""

    state: Literal["revoked", "suspended"]
    at: datetime | None
    source: Literal["issuer", "status list"]
    detail: str


def own_credential(c: Container, document: Mapping[str, Any] | None) -> IssuedCredential | None:
    """The stored credential when ``document`` carries the id of one of ours."""
    credential_url = document.get("id") if document else None
    if not isinstance(credential_url, str):
        return None
    local = c.urls.credential_id_from_url(credential_url)
    if not local or "/" in local:
        return None
    try:
        return c.public.credential(local)
    except NotFound:
        return None


def status_note(
    c: Container, report: VerificationReport, own: IssuedCredential | None
) -> StatusNote | None:
    """Why the credential no longer stands, if it does not: the date of the issuer's change for
    our credentials (the reason the issuer wrote stays private, see docs/guide-public.md), what
    the status list says for anyone else's."""
    if own is not None and own.status is not CredentialStatus.ACTIVE:
        action = (
            StatusAction.REVOKE if own.status is CredentialStatus.REVOKED else StatusAction.SUSPEND
        )
        at = c.public.changed_at(own, action)
        state: Literal["revoked", "suspended"] = (
            "revoked" if own.status is CredentialStatus.REVOKED else "suspended"
        )
        detail = (
            "A revocation is final."
            if state == "revoked"
            else "A suspension may be lifted later; check again then."
        )
        return StatusNote(state, at, "issuer", detail)
    check = report.get("status")
    if check is None or check.status is not CheckStatus.FAILED:
        return None
    for word in ("revoked", "suspended"):
        if f"has {word}" in check.message:
            return StatusNote(word, None, "status list", check.message)
    return None


@dataclass(frozen=True, slots=True)
class EmailAnswer:
    """The answer to "is this credential about this e-mail address?"."""

    matches: bool | None  # None: the question could not be answered
    message: str


def _identifiers(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    found = subject.get("identifier")
    items = found if isinstance(found, list) else [found]
    return [
        i for i in items[:20] if isinstance(i, Mapping) and i.get("identityType") == "emailAddress"
    ]


def email_answer(document: Mapping[str, Any], email: str, *, verified: bool) -> EmailAnswer:
    """Compare ``email`` (normalised as the issuer normalises it: trimmed, lower case) with the
    credential's e-mail identifiers, salted SHA-256 (OB 3.0 IdentityObject) or plain."""
    try:
        address = normalise_email(email)
    except InvalidInput:
        return EmailAnswer(None, "That is not an e-mail address; check it and try again.")
    identifiers = _identifiers(document)
    if not identifiers:
        return EmailAnswer(None, "This credential names its recipient without an e-mail address.")
    for ident in identifiers:
        claimed = ident.get("identityHash")
        if not isinstance(claimed, str):
            continue
        if ident.get("hashed") is True:
            salt = ident.get("salt")
            expected = identity_hash(address, salt if isinstance(salt, str) else "")
        else:
            expected, claimed = address, claimed.strip().lower()
        if hmac.compare_digest(expected.encode(), claimed.encode()):
            if verified:
                return EmailAnswer(True, f"Yes, this credential was issued to {address}.")
            return EmailAnswer(
                False,
                f"The document says it was issued to {address}, but it did not verify, so "
                "that proves nothing.",
            )
    return EmailAnswer(False, "No, not this address.")


def credential_id_from_link(c: Container, link: str) -> str:
    """The id of one of our credentials from its address (``<base>/credentials/<id>``, with an
    optional ``.json``, query or fragment); `InvalidInput` for any other address. Nothing is
    ever fetched."""
    text = link.strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise InvalidInput("That is not a web address.")
    base = urlsplit(c.urls.base)
    plain = f"{parts.scheme}://{parts.netloc}{parts.path}"
    local = c.urls.credential_id_from_url(plain.removesuffix(".json").removesuffix(".jwt"))
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not local or "/" in local:
        raise InvalidInput(
            f"Only this server's credential addresses ({c.urls.base}/credentials/…) can be "
            "checked by address: nothing is fetched from other sites. Download the credential "
            "and upload the file, or paste its text, instead."
        )
    return local


def local_achievement_path(c: Container, document: Mapping[str, Any] | None) -> str | None:
    """The path of the credential's achievement page when it is on this server."""
    subject = document.get("credentialSubject") if document else None
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    url = achievement.get("id") if isinstance(achievement, Mapping) else None
    prefix = f"{c.urls.base}/orgs/"
    if not isinstance(url, str) or not url.startswith(prefix) or len(url) > 500:
        return None
    segments = url[len(prefix) :].split("/")
    if len(segments) != 3 or segments[1] != "achievements" or not all(segments):
        return None
    return "/orgs/" + "/".join(segments)
