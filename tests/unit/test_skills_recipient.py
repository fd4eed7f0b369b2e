"""The ``recipient`` check on an applicant's presented credential: it must name the applicant (their
e-mail address, salted-hashed or plain, or a DID recorded for them) as its subject."""

from __future__ import annotations

from typing import Any

import pytest

from microcred.credentials.verify import CheckStatus
from microcred.domain.credential import identity_hash
from microcred.services.credentials.presented import RecipientCheck

ANN = "ann@example.org"


def _subject(**subject: Any) -> dict[str, Any]:
    return {"credentialSubject": {"type": ["AchievementSubject"], **subject}}


def _email(value: str, *, hashed: bool, salt: str = "pepper") -> dict[str, Any]:
    ident: dict[str, Any] = {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": hashed,
        "identityHash": identity_hash(value, salt) if hashed else value,
    }
    if hashed:
        ident["salt"] = salt
    return ident


@pytest.mark.parametrize(
    ("document", "status"),
    [
        (_subject(identifier=[_email(ANN, hashed=True)]), CheckStatus.PASSED),
        (_subject(identifier=[_email("ANN@example.org", hashed=False)]), CheckStatus.PASSED),
        (_subject(id="did:key:z6MkAnn"), CheckStatus.PASSED),
        ({"credentialSubject": [{"identifier": _email(ANN, hashed=True)}]}, CheckStatus.PASSED),
        (_subject(identifier=[_email("bob@example.org", hashed=True)]), CheckStatus.FAILED),
        (_subject(identifier=[_email(ANN, hashed=True) | {"salt": "other"}]), CheckStatus.FAILED),
        (_subject(id="did:key:z6MkBob"), CheckStatus.FAILED),
        (_subject(identifier=[{"identityType": "phone", "identityHash": ANN}]), CheckStatus.FAILED),
        (_subject(), CheckStatus.FAILED),
        ({"credentialSubject": "ann"}, CheckStatus.FAILED),
        ({}, CheckStatus.FAILED),
    ],
)
def test_the_credential_must_name_the_applicant(
    document: dict[str, Any], status: CheckStatus
) -> None:
    (check,) = RecipientCheck(ANN, ("did:key:z6MkAnn",))(document, document)
    assert check.check == "recipient"
    assert check.status is status, check.message
    assert check.message
