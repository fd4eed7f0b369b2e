"""Checking a wallet's DIDAuth presentation: an unsigned-credential-free Verifiable
Presentation whose one proof (``Ed25519Signature2020`` or DataIntegrityProof
``eddsa-rdfc-2022``, purpose ``authentication``) was made by the key of its ``holder`` (a
``did:key``) over the exchange's ``challenge`` and ``domain``."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from microcred.credentials import resolver
from microcred.credentials.proofs import data_integrity
from microcred.errors import InvalidInput, VerificationError

MAX_DID = 200


def _types(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def holder_of(presentation: object, *, challenge: str, domain: str, require_domain: bool) -> str:
    """The holder DID a valid DIDAuth presentation proves control of.

    Raises `InvalidInput` for a malformed presentation and `VerificationError` for one whose
    proof, challenge, domain or signer is wrong.
    """
    if not isinstance(presentation, Mapping):
        raise InvalidInput("The verifiablePresentation must be a JSON object.")
    if "VerifiablePresentation" not in _types(presentation.get("type")):
        raise InvalidInput("The presentation's type must include VerifiablePresentation.")
    holder = presentation.get("holder")
    if isinstance(holder, Mapping):
        holder = holder.get("id")
    if not isinstance(holder, str) or not holder:
        raise InvalidInput("The presentation names no holder DID.")
    if len(holder) > MAX_DID or not holder.startswith("did:key:z6Mk") or "#" in holder:
        raise InvalidInput("The holder must be an Ed25519 did:key (did:key:z6Mk…).")
    if presentation.get("verifiableCredential"):
        raise InvalidInput("A DIDAuth presentation carries no credentials.")
    proofs = presentation.get("proof")
    if proofs is None:
        raise VerificationError("The presentation is not signed: DIDAuth needs a proof.")
    proof_list: list[Any] = proofs if isinstance(proofs, list) else [proofs]
    if len(proof_list) != 1 or not isinstance(proof_list[0], Mapping):
        raise VerificationError("The presentation must carry exactly one proof.")
    proof: Mapping[str, Any] = proof_list[0]
    given = proof.get("challenge")
    if not isinstance(given, str) or not hmac.compare_digest(
        given.encode("utf-8", "replace"), challenge.encode()
    ):
        raise VerificationError("The presentation was not signed over this exchange's challenge.")
    if ("domain" in proof or require_domain) and proof.get("domain") != domain:
        raise VerificationError(f"The presentation was not signed for the domain {domain}.")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or method.partition("#")[0] != holder:
        raise VerificationError("The presentation was signed by a key other than its holder's.")
    results = data_integrity.verify(
        presentation, resolver.KeyResolver(), expected_purpose="authentication"
    )
    result = results[0]
    if not result.valid:
        raise VerificationError(f"The presentation's proof does not verify: {result.reason}")
    if result.key is None or result.key.controller != holder:
        raise VerificationError("The presentation was signed by a key other than its holder's.")
    return holder
