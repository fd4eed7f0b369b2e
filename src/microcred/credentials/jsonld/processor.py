"""The public entry points: `JsonLdProcessor`, `to_rdf` and `canonize`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from microcred.credentials.contexts import load_shared
from microcred.credentials.jsonld.context import ActiveContext
from microcred.credentials.jsonld.syntax import MAX_QUADS, Path
from microcred.credentials.jsonld.walk import Walk
from microcred.crypto import rdfc
from microcred.crypto.rdfc import EncodedQuad, Quad
from microcred.errors import JsonLdError, PayloadTooLarge

#: The root context of the default processor: the bundled contexts only.
_EMPTY = ActiveContext(load_shared, root=True)


class JsonLdProcessor:
    """A strict JSON-LD to RDF processor over a fixed set of contexts.

    The default instance (used by `to_rdf` and `canonize`) knows the bundled contexts.
    Tests and tools may add context documents (``{url: document}``); each instance keeps
    its own compiled-context cache.
    """

    def __init__(self, extra_contexts: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        if extra_contexts:
            extra = {url: json.loads(json.dumps(doc)) for url, doc in extra_contexts.items()}

            def loader(url: str) -> Mapping[str, Any]:
                found = extra.get(url)
                return found if found is not None else load_shared(url)

            self._root = ActiveContext(loader, root=True)
        else:
            self._root = _EMPTY

    def to_encoded(self, document: Any, *, max_quads: int = MAX_QUADS) -> list[EncodedQuad]:
        """The document's RDF dataset as quads in canonical N-Quads term form."""
        walk = Walk(max_quads)
        items = document if isinstance(document, list) else [document]
        try:
            for index, item in enumerate(items):
                path: Path = (None, index) if isinstance(document, list) else None
                if not isinstance(item, dict):
                    raise JsonLdError("A JSON-LD document must be a JSON object.")
                walk.map(item, self._root, None, "", path, 0, None)
        except RecursionError as exc:  # a safety net: every recursion is bounded
            raise PayloadTooLarge("The document or its contexts are nested too deeply.") from exc
        return walk.quads

    def to_rdf(self, document: Any) -> list[Quad]:
        """The document's RDF dataset (strict JSON-LD 1.1 deserialization)."""
        return [_decode(quad) for quad in self.to_encoded(document)]

    def canonize(self, document: Any) -> str:
        """RDFC-1.0 canonical N-Quads of the document's RDF dataset."""
        return rdfc.canonicalize_encoded(self.to_encoded(document))


def _decode_term(text: str) -> rdfc.Term:
    if text[0] == "<":
        return rdfc.IRI(text[1:-1])
    if text[0] == "_":
        return rdfc.BlankNode(text[2:])
    parsed = rdfc.parse_nquads(f"<urn:x:s> <urn:x:p> {text} .")
    return parsed[0].object


def _decode(quad: EncodedQuad) -> Quad:
    s, p, o, g = quad
    subject = _decode_term(s)
    graph = _decode_term(g) if g else None
    assert isinstance(subject, rdfc.IRI | rdfc.BlankNode)
    assert graph is None or isinstance(graph, rdfc.IRI | rdfc.BlankNode)
    return Quad(subject, rdfc.IRI(p[1:-1]), _decode_term(o), graph)


_DEFAULT = JsonLdProcessor()


def to_rdf(document: Mapping[str, Any] | list[Any]) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, strictly (see the module docstring)."""
    return _DEFAULT.to_rdf(document)


def canonize(document: Mapping[str, Any] | list[Any]) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (credential or proof config)."""
    return _DEFAULT.canonize(document)
