"""The JSON-LD contexts microcred bundles, served offline by URL.

Credentials may only name these contexts: nothing is ever fetched from the network.
Sources, licences and checksums are listed in ``MANIFEST.txt`` next to the files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from microcred.errors import UnknownContext

#: context URL -> bundled file name
CONTEXT_FILES: Mapping[str, str] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "bitstring-status-list-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
}

#: every context URL a credential may name
CONTEXT_URLS: frozenset[str] = frozenset(CONTEXT_FILES)


@cache
def _text(url: str) -> str:
    name = CONTEXT_FILES[url]
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def load_shared(url: str) -> Mapping[str, Any]:
    """The parsed context document for ``url``, shared between callers: never mutate it."""
    if url not in CONTEXT_FILES:
        raise UnknownContext(
            f"The JSON-LD context {url!r} is not one microcred knows.",
            hint="Only bundled contexts are accepted; nothing is fetched from the network.",
        )
    document = json.loads(_text(url))
    if not isinstance(document, dict) or "@context" not in document:
        raise UnknownContext(f"The bundled context {url!r} is not a JSON-LD context document.")
    return document


def load_context(url: str) -> Mapping[str, Any]:
    """A fresh copy of the context document (with its ``@context`` entry) for ``url``.

    Raises `UnknownContext` for any URL that is not bundled; never touches the network.
    """
    if not isinstance(url, str) or url not in CONTEXT_FILES:
        raise UnknownContext(
            f"The JSON-LD context {url!r} is not one microcred knows.",
            hint="Only bundled contexts are accepted; nothing is fetched from the network.",
        )
    document: Mapping[str, Any] = json.loads(_text(url))
    return document


__all__ = [
    "CONTEXT_URLS",
    "load_context",
    "load_shared",
]
