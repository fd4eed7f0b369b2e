"""CLR 2.0 ``ClrCredential``: a learner's record wrapping their whole signed credentials.

1EdTech Comprehensive Learner Record 2.0, §4 (ClrCredential, ClrSubject, Association). The
record carries each credential as issued (signature and status entry intact), so a verifier
checks the record's own proof and then each credential inside it on its own terms.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.credentials.achievement_credential import (
    OB_EXTENSIONS,
    OB_V3,
    VC_V2,
    IssuerProfile,
)
from microcred.credentials.schema import CLR_CREDENTIAL_SCHEMA
from microcred.domain.credential import identity_hash

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


class AssociationType(enum.StrEnum):
    """The CLR 2.0 AssociationType values microcred writes."""

    #: the source achievement is part of the target (a micro-credential of a course or pathway)
    IS_PART_OF = "isPartOf"
    #: the source achievement comes before the target (a prerequisite)
    PRECEDES = "precedes"


@dataclass(frozen=True, slots=True)
class Association:
    """How two achievements of the record relate (by their ``id``)."""

    kind: AssociationType
    source_id: str
    target_id: str

    def to_json(self) -> dict[str, str]:
        """The ``Association`` object."""
        return {
            "type": "Association",
            "associationType": self.kind.value,
            "sourceId": self.source_id,
            "targetId": self.target_id,
        }


@dataclass(slots=True)
class ClrDraft:
    """What a learner record holds before it is signed."""

    record_id: str
    name: str
    issuer: IssuerProfile
    valid_from: str
    #: the learner, as an e-mail hashed with ``salt`` (as their credentials identify them)
    email: str
    salt: str
    credentials: Sequence[Mapping[str, Any]]
    #: achievements the record relates to that no credential in it carries (e.g. a pathway
    #: the learner is working towards), as OB 3.0 ``Achievement`` objects
    achievements: Sequence[Mapping[str, Any]] = ()
    associations: Sequence[Association] = ()
    description: str | None = None
    #: the record leaves out credentials the publisher knows of (CLR ``partial``)
    partial: bool = False


def build_clr(draft: ClrDraft) -> dict[str, Any]:
    """An unsigned CLR 2.0 ``ClrCredential``."""
    if not draft.credentials:
        raise ValueError("a ClrCredential holds at least one credential")
    subject: dict[str, Any] = {
        "type": ["ClrSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(draft.email, draft.salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": draft.salt,
            }
        ],
        "verifiableCredential": [dict(c) for c in draft.credentials],
    }
    if draft.achievements:
        subject["achievement"] = [dict(a) for a in draft.achievements]
    if draft.associations:
        subject["association"] = [a.to_json() for a in draft.associations]
    document: dict[str, Any] = {
        # the extensions context defines 1EdTechJsonSchemaValidator2019 (credentialSchema)
        "@context": [VC_V2, CLR_V2, OB_V3, OB_EXTENSIONS],
        "id": draft.record_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": draft.name,
        "issuer": draft.issuer.to_json(),
        "validFrom": draft.valid_from,
        "awardedDate": draft.valid_from,
        "credentialSubject": subject,
        "credentialSchema": [
            {"id": CLR_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
        ],
    }
    if draft.description:
        document["description"] = draft.description
    if draft.partial:
        document["partial"] = True
    return document


def achievement_id_of(credential: Mapping[str, Any]) -> str | None:
    """The ``achievement.id`` a credential carries, if any."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return None
    achievement = subject.get("achievement")
    if isinstance(achievement, Mapping) and isinstance(achievement.get("id"), str):
        return str(achievement["id"])
    return None
