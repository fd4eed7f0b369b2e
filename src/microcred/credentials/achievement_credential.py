"""Building Open Badges 3.0 ``AchievementCredential`` documents (OB 3.0 §B.1.1) from the domain.

Contexts follow DESIGN §3: VC 2.0, then OB 3.0.3, plus the OB extensions context when a
``credentialSchema`` is declared (its type is defined only there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from microcred.credentials.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA
from microcred.domain.achievement import Achievement, Alignment, ResultDescription
from microcred.domain.credential import Evidence, Recipient, identity_hash

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"


@dataclass(frozen=True, slots=True)
class IssuerProfile:
    """The issuing organisation as OB 3.0 ``Profile``; ``id`` is the signing key's controller."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``issuer`` member."""
        data: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            data["url"] = self.url
        if self.email:
            data["email"] = self.email
        if self.description:
            data["description"] = self.description
        return data


def _alignment(a: Alignment) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": a.target_name,
        "targetUrl": a.target_url,
    }
    description = a.target_description
    if a.level is not None:
        level_text = f"Required proficiency level: {a.level}."
        description = f"{description} {level_text}" if description else level_text
    if description:
        data["targetDescription"] = description
    if a.target_code:
        data["targetCode"] = a.target_code
    if a.target_framework:
        data["targetFramework"] = a.target_framework
    if a.target_type:
        data["targetType"] = a.target_type
    return data


def _result_description(r: ResultDescription) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": r.id,
        "type": ["ResultDescription"],
        "name": r.name,
        "resultType": r.result_type,
    }
    if r.levels:
        data["rubricCriterionLevel"] = [
            {
                k: v
                for k, v in {
                    "id": lv.id,
                    "type": ["RubricCriterionLevel"],
                    "name": lv.name,
                    "description": lv.description,
                    "level": lv.level,
                    "points": lv.points,
                }.items()
                if v is not None
            }
            for lv in r.levels
        ]
    if r.required_level:
        data["requiredLevel"] = r.required_level
    if r.allowed_values:
        data["allowedValue"] = list(r.allowed_values)
    return data


def achievement_json(
    achievement: Achievement, achievement_url: str, creator: IssuerProfile
) -> dict[str, Any]:
    """The OB 3.0 ``Achievement`` object for a definition."""
    data: dict[str, Any] = {
        "id": achievement_url,
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": achievement.name,
        "description": achievement.description,
        "criteria": {"narrative": achievement.criteria_narrative},
        "creator": creator.to_json(),
    }
    if achievement.image:
        data["image"] = {"id": achievement.image.id, "type": "Image"}
        if achievement.image.caption:
            data["image"]["caption"] = achievement.image.caption
    if achievement.alignments:
        data["alignment"] = [_alignment(a) for a in achievement.alignments]
    if achievement.result_descriptions:
        data["resultDescription"] = [
            _result_description(r) for r in achievement.result_descriptions
        ]
    if achievement.tags:
        data["tag"] = list(achievement.tags)
    if achievement.effort_hours is not None:
        # OB 3.0 has no effort field; state it in the description people read.
        effort = f"Estimated effort: {achievement.effort_hours:g} hours."
        data["description"] = f"{achievement.description}\n\n{effort}".strip()
    return data


def _evidence(e: Evidence) -> dict[str, Any]:
    return {
        k: v
        for k, v in {
            "id": e.id,
            "type": ["Evidence"],
            "name": e.name,
            "description": e.description,
            "narrative": e.narrative,
            "genre": e.genre,
            "audience": e.audience,
        }.items()
        if v is not None
    }


@dataclass(frozen=True, slots=True)
class CredentialDraft:
    """Everything an unsigned credential is made of."""

    credential_id: str
    issuer: IssuerProfile
    achievement: dict[str, Any]
    recipient: Recipient
    salt: str
    awarded: str
    valid_from: str
    valid_until: str | None = None
    status: dict[str, Any] | None = None
    evidence: Sequence[Evidence] = ()
    results: Sequence[dict[str, Any]] = ()
    name: str | None = None
    declare_schema: bool = True


def build(draft: CredentialDraft) -> dict[str, Any]:
    """An unsigned OB 3.0 AchievementCredential."""
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": draft.achievement}
    if draft.recipient.did:
        subject["id"] = draft.recipient.did
    else:
        assert draft.recipient.email is not None
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(draft.recipient.email, draft.salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": draft.salt,
            }
        ]
    if draft.results:
        subject["result"] = list(draft.results)
    contexts = [VC_V2, OB_V3]
    doc: dict[str, Any] = {
        "@context": contexts,
        "id": draft.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": draft.name or draft.achievement.get("name", "Achievement"),
        "issuer": draft.issuer.to_json(),
        "validFrom": draft.valid_from,
        "awardedDate": draft.awarded,
        "credentialSubject": subject,
    }
    if draft.valid_until:
        doc["validUntil"] = draft.valid_until
    if draft.evidence:
        doc["evidence"] = [_evidence(e) for e in draft.evidence]
    if draft.status:
        doc["credentialStatus"] = draft.status
    if draft.declare_schema:
        contexts.append(OB_EXTENSIONS)
        doc["credentialSchema"] = [
            {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
        ]
    return doc
