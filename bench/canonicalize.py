"""Benchmark: RDFC-1.0 canonicalisation of Open Badges 3.0 credentials, ours vs pyld.

Measures, in the same run, the median time of one canonicalisation (JSON-LD document ->
canonical N-Quads) with `microcred.credentials.jsonld.canonize` (compiled, cached
contexts) and with the pyld baseline `jsonld.reference.canonize_reference`
(``pyld.jsonld.normalize``, URDNA2015, local document loader), and their ratio.

    .venv/bin/python bench/canonicalize.py            # table
    .venv/bin/python bench/canonicalize.py --json     # one JSON object
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from pyld.__about__ import __version__ as pyld_version

from microcred.credentials import jsonld
from microcred.credentials.jsonld.reference import canonize_reference

V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

#: The 1EdTech OB 3.0 implementation guide's test vector credential (signed).
OB_VECTOR: dict[str, Any] = {
    "@context": [V2, OB],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and "
                "recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to "
            "collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
    "proof": {
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.edu/issuers/565049#"
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "proofValue": "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtS"
        "bz35HcbgXVEDYHxCzgkCr",
    },
}


def big_credential() -> dict[str, Any]:
    """A full-featured AchievementCredential: rubric, alignments, evidence, status, schema."""
    levels = [
        {
            "id": f"urn:uuid:level-{i}",
            "type": ["RubricCriterionLevel"],
            "name": f"Level {i}",
            "description": f"Performs the task at level {i} — “quoted”, with\nnew lines.",
            "level": f"L{i}",
            "points": str(i * 5),
        }
        for i in range(4)
    ]
    return {
        "@context": [V2, OB, OB_EXTENSIONS],
        "id": "urn:uuid:2f8c8a1e-8c6e-4d2f-9d3e-6b1a1f0c0b7e",
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "type": ["Profile"],
            "name": "Acme Training Ltd",
            "url": "https://training.acme.example",
            "email": "badges@acme.example",
            "description": "Workforce training provider.",
            "image": {
                "id": "https://training.acme.example/logo.png",
                "type": "Image",
                "caption": "Acme logo",
            },
        },
        "validFrom": "2026-01-15T10:00:00Z",
        "validUntil": "2029-01-15T10:00:00Z",
        "awardedDate": "2026-01-15T10:00:00Z",
        "name": "Safe SQL — parameterised queries",
        "description": "Awarded for demonstrating safe database access in production code.",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$"
                    "c6fb3f0ae0d4dcf6b52ef2f6c5a5f0e3f5c3a2d1b0e9f8a7c6b5a4d3e2f1a0b9",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "e7b1c2d3",
                }
            ],
            "achievement": {
                "id": "https://training.acme.example/achievements/safe-sql",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Safe SQL",
                "description": "Write injection-safe SQL with parameterised queries.",
                "criteria": {
                    "id": "https://training.acme.example/achievements/safe-sql/criteria",
                    "narrative": "Submit a pull request that replaces string-built SQL with "
                    "parameterised queries, with tests; scored against the rubric.",
                },
                "image": {
                    "id": "https://training.acme.example/badges/safe-sql.png",
                    "type": "Image",
                    "caption": "Safe SQL badge",
                },
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": f"Skill {i}",
                        "targetUrl": f"http://data.europa.eu/esco/skill/{i:04d}",
                        "targetFramework": "ESCO",
                        "targetCode": f"S{i}",
                        "targetType": "ext:ESCOSkill",
                        "targetDescription": f"ESCO skill number {i}.",
                    }
                    for i in range(4)
                ],
                "resultDescription": [
                    {
                        "id": f"urn:uuid:rd-{j}",
                        "type": ["ResultDescription"],
                        "name": f"Criterion {j}",
                        "resultType": "RubricCriterionLevel",
                        "rubricCriterionLevel": levels,
                        "requiredLevel": "urn:uuid:level-2",
                    }
                    for j in range(3)
                ],
                "tag": ["sql", "security", "python"],
                "creditsAvailable": 1.5,
                "humanCode": "SQL-101",
                "inLanguage": "en-GB",
            },
            "result": [
                {
                    "type": ["Result"],
                    "resultDescription": f"urn:uuid:rd-{j}",
                    "achievedLevel": "urn:uuid:level-3",
                    "status": "Completed",
                }
                for j in range(3)
            ],
            "creditsEarned": 1.5,
        },
        "evidence": [
            {
                "id": f"https://training.acme.example/evidence/{k}",
                "type": ["Evidence"],
                "name": f"Submission {k}",
                "description": "Pull request with tests.",
                "narrative": "Reviewed by AI (confidence 0.93) and a human reviewer.",
                "genre": "Code",
                "audience": "Employers",
            }
            for k in range(3)
        ],
        "credentialStatus": {
            "id": "https://training.acme.example/status/1#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": "https://training.acme.example/status/1",
        },
        "credentialSchema": [
            {
                "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                "ob_v3p0_achievementcredential_schema.json",
                "type": "1EdTechJsonSchemaValidator2019",
            }
        ],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-15T10:00:00Z",
            "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#"
            "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "proofPurpose": "assertionMethod",
            "proofValue": "z" + "4" * 86,
        },
    }


def median_ms(action: Callable[[], object], repeat: int, warmup: int = 3) -> float:
    """Median wall time of ``action`` in milliseconds."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        action()
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1e6


def cold_ms(document: dict[str, Any], repeat: int) -> float:
    """Median time of a first canonicalisation: fresh context cache, contexts compiled."""
    samples = []
    for _ in range(repeat):
        processor = jsonld.JsonLdProcessor({"urn:bench:fresh-cache": {"@context": {}}})
        started = time.perf_counter_ns()
        processor.canonize(document)
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1e6


def run(repeat: int) -> dict[str, Any]:
    """Measure every case; return the results as a JSON-ready object."""
    vector_document = {k: v for k, v in OB_VECTOR.items() if k != "proof"}
    vector_proof = {k: v for k, v in OB_VECTOR["proof"].items() if k != "proofValue"}
    vector_proof["@context"] = OB_VECTOR["@context"]
    big = big_credential()
    big_document = {k: v for k, v in big.items() if k != "proof"}
    cases: dict[str, dict[str, Any]] = {
        "OB 3.0 vector credential": vector_document,
        "OB 3.0 vector proof config": vector_proof,
        "big AchievementCredential": big_document,
    }
    rows: list[dict[str, Any]] = []
    for name, document in cases.items():
        ours_out = jsonld.canonize(copy.deepcopy(document))
        pyld_out = canonize_reference(copy.deepcopy(document))
        ours = median_ms(partial(jsonld.canonize, document), repeat)
        baseline = median_ms(partial(canonize_reference, document), max(5, repeat // 10))
        rows.append(
            {
                "case": name,
                "quads": ours_out.count("\n"),
                "ours_ms": round(ours, 4),
                "pyld_ms": round(baseline, 4),
                "ratio": round(baseline / ours, 1),
                "identical_output": ours_out == pyld_out,
            }
        )
    # sign + verify each canonicalise the document and the proof configuration once
    pair_ours = float(sum(r["ours_ms"] for r in rows[:2]))
    pair_pyld = float(sum(r["pyld_ms"] for r in rows[:2]))
    return {
        "benchmark": "rdfc-1.0 canonicalisation",
        "python": platform.python_version(),
        "pyld": pyld_version,
        "repeat": repeat,
        "rows": rows,
        "document_plus_proof_config": {
            "ours_ms": round(pair_ours, 4),
            "pyld_ms": round(pair_pyld, 4),
            "ratio": round(pair_pyld / pair_ours, 1),
        },
        "cold_first_call_ms": round(cold_ms(vector_document, max(3, repeat // 50)), 3),
    }


def table(result: dict[str, Any]) -> str:
    """The results as a plain-text table."""
    lines = [
        f"RDFC-1.0 canonicalisation, median of {result['repeat']} runs "
        f"(Python {result['python']}, pyld baseline measured in the same run)",
        "",
        f"{'case':<30} {'quads':>5} {'ours ms':>9} {'pyld ms':>9} {'ratio':>7}  same output",
    ]
    for row in result["rows"]:
        lines.append(
            f"{row['case']:<30} {row['quads']:>5} {row['ours_ms']:>9.3f} {row['pyld_ms']:>9.3f} "
            f"{row['ratio']:>6.1f}x  {'yes' if row['identical_output'] else 'NO'}"
        )
    pair = result["document_plus_proof_config"]
    lines.append(
        f"{'vector document + proof config':<30} {'':>5} {pair['ours_ms']:>9.3f} "
        f"{pair['pyld_ms']:>9.3f} {pair['ratio']:>6.1f}x"
    )
    lines.append("")
    lines.append(
        f"first call with an empty context cache (compiles the contexts): "
        f"{result['cold_first_call_ms']:.3f} ms"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table, or one JSON object with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=300, help="runs per case (ours)")
    args = parser.parse_args(argv)
    result = run(args.repeat)
    print(json.dumps(result) if args.json else table(result))
    return 0 if all(row["identical_output"] for row in result["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
