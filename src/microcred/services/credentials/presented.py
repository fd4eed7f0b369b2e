"""Credentials presented from elsewhere (an applicant's, a learner's import): the checks that
decide whether they count beyond the signature."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microcred.credentials.verify import Check, CheckStatus, VerificationReport
from microcred.domain.credential import identity_hash
from microcred.errors import InvalidInput, PayloadTooLarge

MAX_CREDENTIAL_BYTES = 512_000


@dataclass(frozen=True, slots=True)
class RecipientCheck:
    """``recipient``: the credential names the person (their e-mail, hashed or plain, or one
    of their DIDs) as its subject; ``who`` names them in the messages."""

    email: str
    dids: tuple[str, ...]
    who: str = "the applicant"

    def __call__(
        self, _credential: Mapping[str, Any] | str, document: Mapping[str, Any]
    ) -> list[Check]:
        """One ``recipient`` check."""
        subject = document.get("credentialSubject")
        subject = subject[0] if isinstance(subject, list) and subject else subject
        if not isinstance(subject, Mapping):
            return [Check("recipient", CheckStatus.FAILED, "The credential names no subject.")]
        if isinstance(subject.get("id"), str) and subject["id"] in self.dids:
            return [
                Check(
                    "recipient",
                    CheckStatus.PASSED,
                    f"Issued to {subject['id']}, a DID recorded for {self.who}.",
                )
            ]
        identifiers = subject.get("identifier")
        for ident in identifiers if isinstance(identifiers, list) else [identifiers]:
            if not isinstance(ident, Mapping) or ident.get("identityType") != "emailAddress":
                continue
            value = ident.get("identityHash")
            if not isinstance(value, str):
                continue
            if ident.get("hashed") is True or value.startswith("sha256$"):
                salt = ident.get("salt") if isinstance(ident.get("salt"), str) else ""
                ok = identity_hash(self.email, str(salt)) == value.lower()
            else:
                ok = value.strip().lower() == self.email
            if ok:
                return [
                    Check(
                        "recipient",
                        CheckStatus.PASSED,
                        f"Issued to {self.email}, {self.who}'s e-mail address.",
                    )
                ]
        return [
            Check(
                "recipient",
                CheckStatus.FAILED,
                f"The credential was issued to someone else: neither {self.who}'s e-mail "
                "address nor a DID recorded for them is its subject.",
            )
        ]


def insist_on_status(report: VerificationReport) -> None:
    """A credential that declares a status must have had it checked to count."""
    status = report.get("status")
    declared = report.credential is not None and report.credential.get("credentialStatus")
    if status is not None and status.status is CheckStatus.SKIPPED and declared:
        at = report.checks.index(status)
        report.checks[at] = Check(
            "status",
            CheckStatus.FAILED,
            f"{status.message} Its skills do not count until its status has been checked; "
            "re-verify when the issuer's status list can be reached.",
        )


def presented_text(credential: Mapping[str, Any] | str) -> str:
    if isinstance(credential, str):
        text = credential.strip()
        if text.count(".") != 2 or any(c.isspace() for c in text):
            raise InvalidInput("A credential given as text must be a compact VC-JWT.")
    else:
        text = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_CREDENTIAL_BYTES:
        raise PayloadTooLarge(
            f"A presented credential may be at most {MAX_CREDENTIAL_BYTES:,} bytes."
        )
    return text
