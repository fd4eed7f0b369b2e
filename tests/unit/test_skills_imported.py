"""Which imported credentials skills intelligence counts (services/skills/imported.py): only
verified OB 3.0 imports whose proof and recipient checks passed, with skill alignments; never an
OB 2.0 assertion, an unverified or partly checked import, or one it cannot read."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from microcred.ports.credentials import ImportedCredential
from microcred.ports.skills import CheckRecord
from microcred.services.skills.imported import counts, imported_evidence

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ESCO = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
DOC = {
    "id": "urn:uuid:7f0c3a4e-0000-4000-8000-000000000001",
    "validFrom": "2025-06-01T00:00:00Z",
    "credentialSubject": {
        "achievement": {
            "name": "Python basics",
            "alignment": [
                {
                    "targetUrl": ESCO,
                    "targetName": "Python",
                    "targetDescription": "Required proficiency level: 3.",
                },
                {"targetUrl": "https://x.test/c", "targetType": "ceterms:Credential"},
            ],
        }
    },
}
PASSED = (
    CheckRecord("proof", "passed", ""),
    CheckRecord("recipient", "passed", ""),
    CheckRecord("status", "passed", ""),
)


def _imported(**changes: object) -> ImportedCredential:
    base = ImportedCredential(
        id="imp-1",
        organisation_id="org",
        user_id="lea",
        source="file",
        format="ob3",
        presented=json.dumps(DOC),
        name="Python basics",
        issuer="did:key:z6Mk",
        verified=True,
        checks=PASSED,
        imported_at=NOW,
        verified_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_verified_ob3_import_counts_for_its_aligned_skills() -> None:
    batch = imported_evidence([_imported()], {"lea"}, set())
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in batch.rows] == [
        ("lea", ESCO, 3, "imp-1", "active")
    ]
    assert batch.rows[0][4] == datetime(2025, 6, 1, tzinfo=UTC)
    assert batch.names == {"imp-1": "Python basics"} and batch.labels == {ESCO: "Python"}


def test_what_never_counts() -> None:
    skipped = tuple(replace(c, status="skipped") if c.check == "recipient" else c for c in PASSED)
    no_proof = tuple(c for c in PASSED if c.check != "proof")
    failed = (*PASSED, CheckRecord("validity", "failed", "expired"))
    refused = [
        _imported(verified=False),
        _imported(format="ob2-hosted"),
        _imported(format="ob2-signed"),
        _imported(checks=skipped),
        _imported(checks=no_proof),
        _imported(checks=failed),
        _imported(checks=()),
    ]
    for imported in refused:
        assert not counts(imported), imported
        assert imported_evidence([imported], {"lea"}, set()).rows == []


def test_unreadable_foreign_and_own_copies_give_no_rows() -> None:
    for presented in ("{not json", "[]", "null", "a.b.c"):
        assert imported_evidence([_imported(presented=presented)], {"lea"}, set()).rows == []
    assert (
        imported_evidence([_imported(format="ob3-jwt", presented="x.y.z")], {"lea"}, ()).rows == []
    )
    assert imported_evidence([_imported()], {"someone-else"}, set()).rows == []
    own = "7f0c3a4e-0000-4000-8000-000000000001"
    copy = dict(DOC, id=f"https://acme.test/credentials/{own}")
    assert imported_evidence([_imported(presented=json.dumps(copy))], {"lea"}, {own}).rows == []
    bare = dict(DOC, credentialSubject={"achievement": {"name": "No skills"}})
    assert imported_evidence([_imported(presented=json.dumps(bare))], {"lea"}, set()).rows == []
