"""``did:key`` (Ed25519) and ``did:web`` identifiers and their DID documents.

did:key: https://w3c-ccg.github.io/did-method-key/ ; did:web: https://w3c-ccg.github.io/did-method-web/
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from microcred.crypto.keys import Ed25519PublicKeyBytes
from microcred.errors import CryptoError

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"

_DID_WEB_SEGMENT = re.compile(r"^[A-Za-z0-9._~%-]+$")


def did_key(public: Ed25519PublicKeyBytes) -> str:
    """``did:key:z6Mk…`` for an Ed25519 public key."""
    return f"did:key:{public.multibase}"


def did_key_verification_method(public: Ed25519PublicKeyBytes) -> str:
    """``did:key:z6Mk…#z6Mk…``: the key's verification method id."""
    return f"did:key:{public.multibase}#{public.multibase}"


def public_key_from_did_key(did: str) -> Ed25519PublicKeyBytes:
    """The Ed25519 key a ``did:key`` encodes, bare or with its ``#fragment``."""
    if not did.startswith("did:key:z6Mk"):
        raise CryptoError(f"{did[:80]!r} is not an Ed25519 did:key.")
    ident, _, fragment = did[len("did:key:") :].partition("#")
    if fragment and fragment != ident:
        raise CryptoError("A did:key verification method's fragment must repeat the key.")
    try:
        return Ed25519PublicKeyBytes.from_multibase(ident)
    except CryptoError as exc:
        raise CryptoError(f"{did[:80]!r} is not a valid Ed25519 did:key: {exc}") from exc


def did_key_document(did: str) -> dict[str, Any]:
    """Resolve a ``did:key`` locally to its DID document (Multikey form)."""
    public = public_key_from_did_key(did)
    base = did.partition("#")[0]
    vm_id = f"{base}#{public.multibase}"
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": base,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": base,
                "publicKeyMultibase": public.multibase,
            }
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


def did_web_from_url(base_url: str, *path: str) -> str:
    """The ``did:web`` for a host (and optional path segments) of an https base URL."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise CryptoError(f"{base_url!r} has no host to build a did:web from.")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    segments = [s for s in parts.path.split("/") if s] + list(path)
    return ":".join(["did:web", host, *(quote(s, safe="") for s in segments)])


def did_web_to_url(did: str) -> str:
    """Where a ``did:web`` DID document lives (``https://…/did.json``)."""
    base = did.partition("#")[0]
    if not base.startswith("did:web:"):
        raise CryptoError(f"{base[:80]!r} is not a did:web.")
    segments = base[len("did:web:") :].split(":")
    if not all(_DID_WEB_SEGMENT.match(s) for s in segments):
        raise CryptoError("The did:web has an empty or invalid segment.")
    host = unquote(segments[0])
    if "/" in host or "@" in host:
        raise CryptoError("The did:web host is invalid.")
    path = "/".join(unquote(s) for s in segments[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """One key in a did:web document: its fragment, public key and whether it may still sign."""

    fragment: str
    public: Ed25519PublicKeyBytes
    active: bool = True


def did_web_document(did: str, keys: Sequence[PublishedKey]) -> dict[str, Any]:
    """A did:web DID document listing every key (retired keys stay, so old credentials verify)."""
    methods = [
        {
            "id": f"{did}#{k.fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": k.public.multibase,
        }
        for k in keys
    ]
    refs = [m["id"] for m in methods]
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": refs,
        "authentication": [f"{did}#{k.fragment}" for k in keys if k.active],
    }
