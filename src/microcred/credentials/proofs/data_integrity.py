"""Data Integrity proofs over Ed25519 (W3C vc-di-eddsa v1.0).

``eddsa-rdfc-2022`` (RDFC-1.0 canonical N-Quads) is the default and the suite Open Badges 3.0
conformance requires; ``eddsa-jcs-2022`` (RFC 8785 JSON) is the cheap opt-in; the legacy
``Ed25519Signature2020`` is verified but never produced.
"""

from __future__ import annotations

import copy
import enum
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from microcred.credentials import jsonld
from microcred.credentials.resolver import KeyResolver, ResolvedKey
from microcred.crypto import jcs
from microcred.crypto.keys import Ed25519KeyPair
from microcred.crypto.multibase import b58decode, b58encode
from microcred.errors import CryptoError, InvalidInput, MicrocredError

ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
DATA_INTEGRITY_CONTEXTS = frozenset(
    {"https://www.w3.org/ns/credentials/v2", "https://w3id.org/security/data-integrity/v2"}
)
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


class Cryptosuite(enum.StrEnum):
    """Data Integrity cryptosuites microcred knows."""

    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
    EDDSA_JCS_2022 = "eddsa-jcs-2022"
    ED25519_SIGNATURE_2020 = "Ed25519Signature2020"  # verify only


#: canonicaliser for RDFC suites: document -> canonical N-Quads
Canonicalizer = Callable[[Mapping[str, Any]], str]


def now_timestamp() -> str:
    """The current UTC time as an XML Schema dateTime with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _hash_data(
    suite: Cryptosuite,
    unsecured: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    canonize: Canonicalizer,
) -> bytes:
    """proofConfigHash ‖ transformedDocumentHash, as vc-di-eddsa §3.2.4/§3.3.4 define."""
    if suite is Cryptosuite.EDDSA_JCS_2022:
        return _sha256(jcs.canonicalize(proof_config)) + _sha256(jcs.canonicalize(unsecured))
    return _sha256(canonize(proof_config).encode()) + _sha256(canonize(unsecured).encode())


def sign(
    document: Mapping[str, Any],
    key: Ed25519KeyPair,
    *,
    verification_method: str,
    cryptosuite: Cryptosuite = Cryptosuite.EDDSA_RDFC_2022,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    canonize: Canonicalizer = jsonld.canonize,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a DataIntegrityProof added (with ``challenge`` and
    ``domain`` among the signed proof options when given, as a DIDAuth presentation's are).

    The document must be strict JSON-LD (every term defined); `UndefinedTerm` is raised
    otherwise, so nothing is signed over less than it shows.
    """
    if cryptosuite is Cryptosuite.ED25519_SIGNATURE_2020:
        raise CryptoError("Ed25519Signature2020 is accepted for verification only.")
    if not isinstance(document, Mapping) or "@context" not in document:
        raise InvalidInput("Only a JSON-LD document with an @context can be signed.")
    if "proof" in document:
        raise InvalidInput("The document already has a proof; sign the unsecured document.")
    created = created or now_timestamp()
    if not _DATETIME.match(created):
        raise InvalidInput(f"{created!r} is not an XML Schema dateTime.")
    unsecured = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite.value,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    config = dict(proof)
    config["@context"] = unsecured["@context"]
    if cryptosuite is Cryptosuite.EDDSA_JCS_2022:
        proof["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(cryptosuite, unsecured, config, canonize))
    proof["proofValue"] = "z" + b58encode(signature)
    secured = dict(unsecured)
    secured["proof"] = proof
    return secured


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The outcome of checking one proof."""

    valid: bool
    reason: str
    suite: str | None = None
    method_id: str | None = None
    key: ResolvedKey | None = None


def verify(
    document: Mapping[str, Any],
    resolver: KeyResolver,
    *,
    canonize: Canonicalizer = jsonld.canonize,
    expected_purpose: str = "assertionMethod",
) -> list[ProofResult]:
    """Check every Data Integrity proof on ``document``; one result per proof."""
    proofs = document.get("proof")
    if proofs is None:
        return [ProofResult(False, "The credential carries no proof.")]
    proof_list = proofs if isinstance(proofs, list) else [proofs]
    if not proof_list or len(proof_list) > 8:
        return [ProofResult(False, "The credential's proof set is empty or too large.")]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    return [_verify_one(unsecured, p, resolver, canonize, expected_purpose) for p in proof_list]


def _verify_one(
    unsecured: dict[str, Any],
    proof: Any,
    resolver: KeyResolver,
    canonize: Canonicalizer,
    expected_purpose: str,
) -> ProofResult:
    if not isinstance(proof, Mapping):
        return ProofResult(False, "A proof is not a JSON object.")
    suite = _suite_of(proof)
    if suite is None:
        return ProofResult(
            False,
            f"The proof type {proof.get('type')!r} / cryptosuite {proof.get('cryptosuite')!r} "
            "is not supported.",
        )
    method_id = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z") or len(value) > 200:
        return ProofResult(False, "The proofValue is missing or not base58btc.", suite.value)
    if proof.get("proofPurpose") != expected_purpose:
        return ProofResult(
            False,
            f"The proof's purpose is {proof.get('proofPurpose')!r}, not {expected_purpose!r}.",
            suite.value,
        )
    created = proof.get("created")
    if created is not None and (not isinstance(created, str) or not _DATETIME.match(created)):
        return ProofResult(False, "The proof's created time is not a valid dateTime.", suite.value)
    try:
        signature = b58decode(value[1:])
        resolved = resolver.resolve(str(method_id) if method_id is not None else "")
        config = {k: v for k, v in proof.items() if k != "proofValue"}
        document = unsecured
        if suite is Cryptosuite.EDDSA_JCS_2022 and "@context" in proof:
            ctx = proof["@context"]
            doc_ctx = unsecured.get("@context")
            ctx_list = ctx if isinstance(ctx, list) else [ctx]
            doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
            if doc_list[: len(ctx_list)] != ctx_list:
                return ProofResult(
                    False, "The proof's @context does not match the credential's.", suite.value
                )
            document = dict(unsecured)
            document["@context"] = ctx
        else:
            config["@context"] = unsecured.get("@context")
        message = _hash_data(
            Cryptosuite.EDDSA_RDFC_2022 if suite is Cryptosuite.ED25519_SIGNATURE_2020 else suite,
            document,
            config,
            canonize,
        )
    except MicrocredError as exc:
        return ProofResult(False, exc.explain(), suite.value, str(method_id))
    if resolved.public is None:
        return ProofResult(False, "The verification method is not an Ed25519 key.", suite.value)
    if resolved.purposes and expected_purpose not in resolved.purposes:
        return ProofResult(
            False,
            f"The key is not authorised for {expected_purpose} by its controller.",
            suite.value,
            resolved.method_id,
            resolved,
        )
    if not resolved.public.verify(signature, message):
        return ProofResult(
            False,
            "The signature does not match: the credential was changed after it was signed, "
            "or it was signed with a different key.",
            suite.value,
            resolved.method_id,
            resolved,
        )
    return ProofResult(
        True,
        f"Signed with {suite.value} by {resolved.method_id} ({resolved.source}).",
        suite.value,
        resolved.method_id,
        resolved,
    )


def _suite_of(proof: Mapping[str, Any]) -> Cryptosuite | None:
    kind = proof.get("type")
    if kind == "DataIntegrityProof":
        try:
            suite = Cryptosuite(str(proof.get("cryptosuite")))
        except ValueError:
            return None
        return None if suite is Cryptosuite.ED25519_SIGNATURE_2020 else suite
    if kind == "Ed25519Signature2020":
        return Cryptosuite.ED25519_SIGNATURE_2020
    return None
