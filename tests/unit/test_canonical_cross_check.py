"""The fast canonicaliser and the pyld reference agree on every shape microcred emits."""

from __future__ import annotations

import itertools

import pytest

from microcred.credentials.achievement_credential import (
    CredentialDraft,
    IssuerProfile,
    achievement_json,
    build,
)
from microcred.credentials.jsonld import canonize
from microcred.credentials.jsonld.reference import canonize_reference
from microcred.credentials.proofs import data_integrity
from microcred.credentials.status_list import Bitstring, status_list_credential, status_list_entry
from microcred.crypto.did import did_key, did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.achievement import (
    Achievement,
    Alignment,
    Image,
    ResultDescription,
    RubricLevel,
)
from microcred.domain.credential import Evidence, Recipient

PAIR = Ed25519KeyPair(bytes(range(32)))
ISSUER = IssuerProfile(
    did_key(PAIR.public),
    'Acme "Academy" \\ Ltd',
    "https://acme.example",
    "badges@acme.example",
    "Line one\nline two — ünïcödé",
)


def _achievement(variant: int) -> Achievement:
    return Achievement(
        id="a",
        organisation_id="o",
        name=["Git", "Ærø Ω 🎓", 'quote " and \\ slash'][variant % 3],
        description="Multi\nline\tdescription",
        criteria_narrative="Do the *thing*.",
        achievement_type=["MicroCredential", "Badge", "ext:Custom"][variant % 3],
        alignments=[
            Alignment(
                f"skill {i}",
                f"http://data.europa.eu/esco/skill/{i}",
                target_code=f"c{i}" if variant % 2 else None,
                target_framework="ESCO" if variant % 2 else None,
                target_type=None if variant == 2 else "ceasn:Competency",
                level=(i % 5) + 1 if variant else None,
            )
            for i in range(variant)
        ],
        effort_hours=[None, 1.5, 40][variant % 3],
        image=Image("data:image/png;base64,iVBORw0KGgo=", "caption") if variant == 1 else None,
        result_descriptions=[
            ResultDescription(
                "urn:uuid:00000000-0000-4000-8000-00000000000a",
                "Rubric",
                levels=tuple(
                    RubricLevel(
                        f"urn:uuid:00000000-0000-4000-8000-00000000001{j}",
                        f"L{j}",
                        "desc" if j else None,
                        str(j),
                        str(j * 10),
                    )
                    for j in range(variant + 1)
                ),
                required_level="urn:uuid:00000000-0000-4000-8000-000000000010",
            )
        ]
        if variant
        else [],
        tags=["a", "b"] if variant == 2 else [],
    )


SHAPES = list(itertools.product(range(3), [True, False], [True, False], [0, 1, 3]))


@pytest.mark.parametrize(("variant", "by_email", "schema", "evidence"), SHAPES)
def test_issued_credential_shapes_agree(
    variant: int, by_email: bool, schema: bool, evidence: int
) -> None:
    draft = CredentialDraft(
        credential_id="https://acme.example/credentials/1",
        issuer=ISSUER,
        achievement=achievement_json(_achievement(variant), "https://acme.example/a/1", ISSUER),
        recipient=Recipient(email="a@b.test") if by_email else Recipient(did="did:example:1"),
        salt="00ff",
        awarded="2026-01-01T00:00:00Z",
        valid_from="2026-01-01T00:00:00Z",
        valid_until="2027-01-01T00:00:00Z" if variant else None,
        status=status_list_entry("https://acme.example/status/1", 7, "revocation"),
        evidence=[
            Evidence(
                id=f"https://acme.example/e/{i}",
                name=f"E{i}",
                narrative="n",
                genre="Code",
                audience="Employers",
            )
            for i in range(evidence)
        ],
        declare_schema=schema,
    )
    document = build(draft)
    assert canonize(document) == canonize_reference(document)
    signed = data_integrity.sign(
        document,
        PAIR,
        verification_method=did_key_verification_method(PAIR.public),
        created="2026-01-01T00:00:00Z",
    )
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    config["@context"] = document["@context"]
    assert canonize(config) == canonize_reference(config)


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_status_list_credentials_agree(purpose: str) -> None:
    bits = Bitstring()
    for i in (0, 5, 131_071):
        bits.set(i, True)
    doc = status_list_credential(
        "https://acme.example/status/1", ISSUER.id, purpose, bits, "2026-01-01T00:00:00Z"
    )
    assert canonize(doc) == canonize_reference(doc)
