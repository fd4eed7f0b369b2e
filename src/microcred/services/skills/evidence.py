"""From credentials to skill evidence: what skills, at what level, a credential certifies.

A credential certifies the skills its achievement is aligned to (OB 3.0 ``Alignment``). microcred
writes an alignment's level into ``targetDescription`` ("Required proficiency level: N."), which
is the only place OB 3.0 leaves for it; an alignment that states no level counts at
`UNSTATED_LEVEL`, the lowest. Alignments to things that are not skills (another credential, a
rubric) are ignored.

For the organisation's own credentials the achievement's current alignments are used when the
credential was issued after the achievement was last changed (so they are what the credential
says); otherwise the stored credential document is read, because a credential certifies what it
said when it was issued.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred.domain.achievement import Alignment
from microcred.ports.skills import AchievementFacts, CredentialFact, ProvenSkill
from microcred.skills.skills_profile import MAX_LEVEL, MIN_LEVEL

#: the level an alignment without a stated level counts at
UNSTATED_LEVEL = MIN_LEVEL
_LEVEL = re.compile(r"Required proficiency level:\s*(\d{1,2})\s*\.?")
_NOT_SKILLS = frozenset(
    {"ceterms:Credential", "CFRubric", "CFRubricCriterion", "CFRubricCriterionLevel"}
)
_BATCH = 2000
#: person, skill, level, credential, valid from, valid until, status, achievement
EvidenceRow = tuple[str, str, int, str, datetime | None, datetime | None, str, str | None]


def _level(stated: int | None) -> tuple[int, bool]:
    if stated is None or not MIN_LEVEL <= stated <= MAX_LEVEL:
        return UNSTATED_LEVEL, False
    return stated, True


def _merge(skills: Iterable[ProvenSkill]) -> tuple[ProvenSkill, ...]:
    """One entry per skill: the highest level wins."""
    best: dict[str, ProvenSkill] = {}
    for s in skills:
        if s.skill_uri not in best or s.level > best[s.skill_uri].level:
            best[s.skill_uri] = s
    return tuple(best[k] for k in sorted(best))


def achievement_skills(alignments: Iterable[Alignment]) -> tuple[ProvenSkill, ...]:
    """The skills an achievement's alignments certify."""
    out = []
    for a in alignments:
        if a.target_type in _NOT_SKILLS:
            continue
        level, stated = _level(a.level)
        out.append(ProvenSkill(a.target_url, level, a.target_name, stated))
    return _merge(out)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def credential_achievement(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The ``credentialSubject.achievement`` object of an OB 3.0 credential, if any."""
    subject = _first(document.get("credentialSubject"))
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    return achievement if isinstance(achievement, Mapping) else None


def document_skills(document: Mapping[str, Any]) -> tuple[ProvenSkill, ...]:
    """The skills an OB 3.0 credential document's achievement alignments certify."""
    achievement = credential_achievement(document)
    alignments = achievement.get("alignment") if achievement else None
    if not isinstance(alignments, list):
        return ()
    out = []
    for a in alignments:
        if not isinstance(a, Mapping):
            continue
        url, kind = a.get("targetUrl"), a.get("targetType")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        if len(url) > 2048 or kind in _NOT_SKILLS:
            continue
        found = _LEVEL.search(str(a.get("targetDescription") or ""))
        level, stated = _level(int(found.group(1)) if found else None)
        name = a.get("targetName")
        out.append(ProvenSkill(url, level, str(name)[:300] if name else None, stated))
    return _merge(out)


def credential_name(document: Mapping[str, Any]) -> str | None:
    """A readable name for a credential: its achievement's name, else its own."""
    achievement = credential_achievement(document)
    for value in (achievement.get("name") if achievement else None, document.get("name")):
        if isinstance(value, str) and value.strip():
            return value.strip()[:300]
    return None


@dataclass(slots=True)
class EvidenceBatch:
    """Evidence rows read from the organisation's credentials, and what was left out."""

    #: `SkillEvidence` fields as plain tuples (cheaper to make by the 100,000)
    rows: list[EvidenceRow] = field(default_factory=list)
    #: credential id → the achievement's name (for explanations)
    names: dict[str, str] = field(default_factory=dict)
    #: skill URI → a label seen on an alignment
    labels: dict[str, str] = field(default_factory=dict)
    credentials: int = 0
    #: credentials whose recipient is no active user of the organisation
    unmatched: int = 0
    #: credentials read from their stored document (issued before an achievement changed)
    documents_read: int = 0


def organisation_evidence(
    facts: Iterable[CredentialFact],
    achievements: Sequence[AchievementFacts],
    documents: Callable[[Sequence[str]], Mapping[str, str]],
    by_email: Mapping[str, str],
    by_did: Mapping[str, str],
) -> EvidenceBatch:
    """Evidence rows for the organisation's own credentials, matched to people by the
    recipient's e-mail address or DID."""
    out = EvidenceBatch()
    current = {a.id: (a, achievement_skills(a.alignments)) for a in achievements}
    for _, skills in current.values():
        for s in skills:
            if s.label:
                out.labels.setdefault(s.skill_uri, s.label)
    stale: list[tuple[CredentialFact, str]] = []
    for f in facts:
        out.credentials += 1
        person = (by_email.get(f.recipient_email) if f.recipient_email else None) or (
            by_did.get(f.recipient_did) if f.recipient_did else None
        )
        if person is None:
            out.unmatched += 1
            continue
        known = current.get(f.achievement_id)
        if known is not None and f.issued_at > known[0].updated_at:
            _add(out, f, person, known[1], known[0].name)
        elif f.document is not None:
            out.documents_read += 1
            _add_document(out, f, person, f.document)
        else:
            stale.append((f, person))
    for start in range(0, len(stale), _BATCH):
        part = stale[start : start + _BATCH]
        texts = documents([f.id for f, _ in part])
        for f, person in part:
            out.documents_read += 1
            _add_document(out, f, person, texts.get(f.id, "null"))
    return out


def _add_document(out: EvidenceBatch, fact: CredentialFact, person: str, text: str) -> None:
    try:
        doc = json.loads(text)
    except ValueError:
        return
    if isinstance(doc, dict):
        _add(out, fact, person, document_skills(doc), credential_name(doc) or fact.achievement_id)


def _add(
    out: EvidenceBatch,
    fact: CredentialFact,
    person: str,
    skills: Sequence[ProvenSkill],
    name: str,
) -> None:
    out.names[fact.id] = name
    cid, at, until, status, aid = (
        fact.id,
        fact.issued_at,
        fact.valid_until,
        fact.status,
        fact.achievement_id,
    )
    out.rows.extend((person, s.skill_uri, s.level, cid, at, until, status, aid) for s in skills)
