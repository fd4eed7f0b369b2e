"""Credentials learners imported from elsewhere, as skill evidence.

Skills intelligence counts an import by the rules it already applies to applicants' presented
credentials, and by no looser ones: an Open Badges 3.0 credential (JSON-LD or VC-JWT) whose last
verification passed — its ``proof`` and ``recipient`` (issued to this learner) checks passed
and no check failed — counts for the skills its achievement's alignments name (skill URIs,
ESCO or other), at the level each states. An import that failed or could not be verified, an
Open Badges 2.0 assertion (its badge class and alignments live at its issuer, unverified by
microcred's OB 3.0 rules) and a copy of one of the organisation's own credentials (counted
already) never count. Re-verifying an import (to learn of a revocation) updates what counts.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Mapping
from typing import Any

from microcred.credentials.parsing import parse_datetime
from microcred.credentials.proofs import decode_unverified
from microcred.errors import MicrocredError
from microcred.ports.credentials import ImportedCredential
from microcred.services.skills.evidence import EvidenceBatch, credential_name, document_skills
from microcred.skills.skills_profile import EvidenceStatus

#: the import formats whose verification skills intelligence accepts (OB 3.0 only)
COUNTED_FORMATS = frozenset({"ob3", "ob3-jwt"})
#: checks that must have passed (not merely not failed) for an import to count
REQUIRED_CHECKS = ("proof", "recipient")


def counts(imported: ImportedCredential) -> bool:
    """Whether an import's verification is one skills intelligence accepts."""
    if not imported.verified or imported.format not in COUNTED_FORMATS:
        return False
    status = {c.check: c.status for c in imported.checks}
    if any(c.status == "failed" for c in imported.checks):
        return False
    return all(status.get(name) == "passed" for name in REQUIRED_CHECKS)


def imported_document(imported: ImportedCredential) -> Mapping[str, Any] | None:
    """The credential document an import holds (a VC-JWT's ``vc`` claim or its payload)."""
    text = imported.presented
    try:
        if imported.format == "ob3-jwt":
            _, claims = decode_unverified(text)
            inner = claims.get("vc")
            return inner if isinstance(inner, dict) else claims
        document = json.loads(text)
    except (MicrocredError, ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _own_copy(document: Mapping[str, Any], own: Container[str]) -> bool:
    """True when the document's id names one of the organisation's own credentials."""
    ident = document.get("id")
    return isinstance(ident, str) and ident.rstrip("/").rsplit("/", 1)[-1] in own


def imported_evidence(
    imports: Iterable[ImportedCredential], people: Container[str], own: Container[str]
) -> EvidenceBatch:
    """Evidence rows of the imports that count, for the people in ``people`` (active users),
    leaving out copies of the organisation's own credentials (ids in ``own``)."""
    out = EvidenceBatch()
    for imported in imports:
        if imported.user_id not in people or not counts(imported):
            continue
        document = imported_document(imported)
        if document is None or _own_copy(document, own):
            continue
        skills = document_skills(document)
        if not skills:
            continue
        out.credentials += 1
        out.names[imported.id] = imported.name or credential_name(document) or "imported credential"
        start = parse_datetime(document.get("validFrom", document.get("issuanceDate")))
        until = parse_datetime(document.get("validUntil", document.get("expirationDate")))
        for s in skills:
            if s.label:
                out.labels.setdefault(s.skill_uri, s.label)
            out.rows.append(
                (
                    imported.user_id,
                    s.skill_uri,
                    s.level,
                    imported.id,
                    start,
                    until,
                    EvidenceStatus.ACTIVE.value,
                    None,
                )
            )
    return out
