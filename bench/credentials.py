"""Sign and verify throughput per proof suite on one core, beside a plain pyld baseline.

The baseline is the straightforward implementation of eddsa-rdfc-2022: the same proof code with
pyld's ``normalize`` (URDNA2015, bundled contexts through a document loader) as canonicaliser.
Both run in this process on the same credential; the ratio is what counts on a noisy machine.

    python bench/credentials.py [--json] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from microcred.credentials.achievement_credential import CredentialDraft, IssuerProfile, build
from microcred.credentials.jsonld import reference as jsonld_reference
from microcred.credentials.proofs import data_integrity, jwt
from microcred.credentials.proofs.data_integrity import Cryptosuite
from microcred.credentials.resolver import KeyResolver
from microcred.credentials.status_list import status_list_entry
from microcred.credentials.verify import Verifier
from microcred.crypto.did import did_key, did_key_verification_method
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.achievement import (
    Achievement,
    Alignment,
    ResultDescription,
    RubricLevel,
)
from microcred.domain.credential import Evidence, Recipient

TARGET_RATIO = 5.0


def credential(pair: Ed25519KeyPair) -> dict[str, Any]:
    """A realistic OB 3.0 AchievementCredential as microcred issues it."""
    issuer = IssuerProfile(did_key(pair.public), "Bench Academy", "https://bench.example")
    achievement = Achievement(
        id="a1",
        organisation_id="o1",
        name="Cloud Security Fundamentals",
        description="Secures workloads on a public cloud.",
        criteria_narrative="Pass the lab: harden an exposed bucket and rotate leaked keys.",
        alignments=[
            Alignment(
                f"skill {i}",
                f"http://data.europa.eu/esco/skill/{i:08d}-0000",
                target_framework="ESCO",
                target_code=f"S{i}",
                level=3,
            )
            for i in range(3)
        ],
        effort_hours=8,
        result_descriptions=[
            ResultDescription(
                "urn:uuid:00000000-0000-4000-8000-000000000001",
                "Lab",
                levels=(RubricLevel("urn:uuid:00000000-0000-4000-8000-000000000002", "Pass"),),
            )
        ],
    )
    from microcred.credentials.achievement_credential import achievement_json  # noqa: PLC0415

    return build(
        CredentialDraft(
            credential_id="https://bench.example/credentials/1",
            issuer=issuer,
            achievement=achievement_json(
                achievement, "https://bench.example/achievements/1", issuer
            ),
            recipient=Recipient(email="learner@example.org"),
            salt="00112233445566778899aabbccddeeff",
            awarded="2026-01-01T00:00:00Z",
            valid_from="2026-01-01T00:00:00Z",
            status=status_list_entry("https://bench.example/status/1", 7, "revocation"),
            evidence=[Evidence(name="Lab report", narrative="All checks green.")],
        )
    )


def per_op(fn: Callable[[], object], seconds: float) -> float:
    """Median seconds per call over ~``seconds`` of repeated batches."""
    fn()
    samples = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 5:
        start = time.perf_counter()
        for _ in range(5):
            fn()
        samples.append((time.perf_counter() - start) / 5)
    return statistics.median(samples)


def run(seconds: float) -> dict[str, Any]:
    pair = Ed25519KeyPair(bytes(range(32)))
    vm = did_key_verification_method(pair.public)
    doc = credential(pair)
    resolver = KeyResolver()
    ref = jsonld_reference.canonize_reference
    signed = {
        s: data_integrity.sign(
            doc, pair, verification_method=vm, cryptosuite=s, created="2026-01-01T00:00:00Z"
        )
        for s in (Cryptosuite.EDDSA_RDFC_2022, Cryptosuite.EDDSA_JCS_2022)
    }
    token = jwt.sign(doc, pair, kid=vm)
    rdfc = signed[Cryptosuite.EDDSA_RDFC_2022]
    assert all(r.valid for r in data_integrity.verify(rdfc, resolver, canonize=ref))
    rows: dict[str, dict[str, float]] = {}

    def measure(name: str, sign: Callable[[], object], verify: Callable[[], object]) -> None:
        rows[name] = {"sign_s": per_op(sign, seconds), "verify_s": per_op(verify, seconds)}

    measure(
        "pyld baseline eddsa-rdfc-2022",
        lambda: data_integrity.sign(doc, pair, verification_method=vm, canonize=ref),
        lambda: data_integrity.verify(rdfc, resolver, canonize=ref),
    )
    measure(
        "eddsa-rdfc-2022",
        lambda: data_integrity.sign(doc, pair, verification_method=vm),
        lambda: data_integrity.verify(rdfc, resolver),
    )
    measure(
        "eddsa-jcs-2022",
        lambda: data_integrity.sign(
            doc, pair, verification_method=vm, cryptosuite=Cryptosuite.EDDSA_JCS_2022
        ),
        lambda: data_integrity.verify(signed[Cryptosuite.EDDSA_JCS_2022], resolver),
    )
    measure(
        "vc-jwt-eddsa", lambda: jwt.sign(doc, pair, kid=vm), lambda: jwt.verify(token, resolver)
    )
    verifier = Verifier(check_status=False)
    rows["eddsa-rdfc-2022 all checks"] = {
        "sign_s": float("nan"),
        "verify_s": per_op(lambda: verifier.verify(rdfc), seconds),
    }
    base = rows["pyld baseline eddsa-rdfc-2022"]
    ours = rows["eddsa-rdfc-2022"]
    return {
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "rows": {
            k: {
                "sign_per_s": 1 / v["sign_s"] if v["sign_s"] == v["sign_s"] else None,
                "verify_per_s": 1 / v["verify_s"],
                "sign_ms": v["sign_s"] * 1000,
                "verify_ms": v["verify_s"] * 1000,
            }
            for k, v in rows.items()
        },
        "rdfc_sign_speedup": base["sign_s"] / ours["sign_s"],
        "rdfc_verify_speedup": base["verify_s"] / ours["verify_s"],
        "target_speedup": TARGET_RATIO,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    result = run(args.seconds)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'suite':<32}{'sign/s':>10}{'verify/s':>10}{'sign ms':>10}{'verify ms':>11}")
    for name, row in result["rows"].items():
        sign = f"{row['sign_per_s']:.0f}" if row["sign_per_s"] else "-"
        sign_ms = f"{row['sign_ms']:.3f}" if row["sign_per_s"] else "-"
        print(
            f"{name:<32}{sign:>10}{row['verify_per_s']:>10.0f}{sign_ms:>10}{row['verify_ms']:>11.3f}"
        )
    print(
        f"\neddsa-rdfc-2022 vs pyld baseline: sign {result['rdfc_sign_speedup']:.1f}x, "
        f"verify {result['rdfc_verify_speedup']:.1f}x (target >= {TARGET_RATIO:.0f}x)"
    )


if __name__ == "__main__":
    main()
