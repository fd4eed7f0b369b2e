"""What a person sees of a credential: the fields worth reading, safely extracted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _text(value: Any, limit: int = 2000) -> str | None:
    if isinstance(value, str):
        return value[:limit]
    if isinstance(value, Mapping):  # a language map: take the first value
        first = next((v for v in value.values() if isinstance(v, str)), None)
        return first[:limit] if first else None
    return None


@dataclass(frozen=True, slots=True)
class SkillView:
    """An aligned skill."""

    name: str
    url: str | None
    framework: str | None


@dataclass(frozen=True, slots=True)
class CredentialView:
    """A credential's human-readable parts."""

    achievement_name: str
    issuer_name: str
    issuer_id: str
    description: str | None
    criteria: str | None
    awarded: str | None
    valid_until: str | None
    recipient: str
    image: str | None
    skills: list[SkillView] = field(default_factory=list)


def _url(value: Any) -> str | None:
    text = _text(value, 2048)
    return text if text and text.startswith(("https://", "http://")) else None


def credential_view(document: Mapping[str, Any]) -> CredentialView:
    """Extract the display fields of an OB 3.0 credential (never trusting their shapes)."""
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    issuer_name = _text(issuer.get("name")) if isinstance(issuer, Mapping) else None
    criteria = achievement.get("criteria")
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, Mapping) else image
    # only images inside the document: a third-party URL would tell its host who looked (the
    # page's Content-Security-Policy allows 'self' and data: images only)
    if not (isinstance(image_url, str) and image_url.startswith("data:image/")):
        image_url = None
    skills = []
    alignments = achievement.get("alignment")
    for a in alignments if isinstance(alignments, list) else []:
        if isinstance(a, Mapping) and _text(a.get("targetName")):
            skills.append(
                SkillView(
                    _text(a.get("targetName"), 300) or "",
                    _url(a.get("targetUrl")),
                    _text(a.get("targetFramework"), 100),
                )
            )
    if isinstance(subject.get("id"), str):
        recipient = str(subject["id"])[:300]
    elif subject.get("identifier"):
        recipient = "identified by a salted hash of their e-mail address"
    else:
        recipient = "not named"
    return CredentialView(
        achievement_name=_text(achievement.get("name"), 300)
        or _text(document.get("name"), 300)
        or "Credential",
        issuer_name=issuer_name or (str(issuer_id)[:200] if issuer_id else "unknown issuer"),
        issuer_id=str(issuer_id)[:500] if issuer_id else "",
        description=_text(achievement.get("description")),
        criteria=_text(criteria.get("narrative")) if isinstance(criteria, Mapping) else None,
        awarded=_text(document.get("awardedDate") or document.get("validFrom"), 40),
        valid_until=_text(document.get("validUntil"), 40),
        recipient=recipient,
        image=image_url[:512_000] if image_url else None,
        skills=skills[:100],
    )
