"""JSON-LD 1.1 to RDF for credentials: compiled contexts, a strict walk, RDFC-1.0 output.

`canonize` turns a credential (or a proof configuration) into RDFC-1.0 canonical N-Quads,
byte for byte what ``jsonld.js``/``pyld`` ``normalize`` with ``URDNA2015`` produce for the
same document and contexts, only much faster: every context chain (a document's
``@context`` list, and each type- or property-scoped context applied on top of it) is
processed once into an immutable active context and cached; documents are then walked
straight to quads, without building the expanded form or a node map.

Strict ("safe") mode is always on. Anything the JSON-LD algorithms would silently drop
or leave relative (an undefined term, a relative IRI type or ``@id``, a term defined as
null, a protected term redefinition, a value of the wrong shape) raises `UndefinedTerm`
or `JsonLdError`, naming the JSON path of the offending member, so nothing is ever signed
over less than the document shows. Only bundled contexts may be referenced by URL
(`UnknownContext` otherwise, never a network fetch). Features the credentials we handle
do not use (``@reverse``, ``@nest``, ``@included``, ``@index``, index/language/id/type
maps, ``@direction``, ``@import``, ``@base``) raise a clear "not supported" error rather
than produce different output. Nesting deeper than `MAX_DEPTH` raises `PayloadTooLarge`.
"""

from microcred.credentials.jsonld.processor import JsonLdProcessor, canonize, to_rdf
from microcred.credentials.jsonld.syntax import MAX_DEPTH, MAX_QUADS

__all__ = [
    "MAX_DEPTH",
    "MAX_QUADS",
    "JsonLdProcessor",
    "canonize",
    "to_rdf",
]
