"""JSON-LD 1.1 to RDF for credentials (interim: the compiler still lives in `walk`)."""

from microcred.credentials.jsonld.walk import (
    _EMPTY as _EMPTY,
)
from microcred.credentials.jsonld.walk import (
    MAX_DEPTH,
    MAX_QUADS,
    JsonLdProcessor,
    canonize,
    to_rdf,
)

__all__ = ["MAX_DEPTH", "MAX_QUADS", "JsonLdProcessor", "canonize", "to_rdf"]
