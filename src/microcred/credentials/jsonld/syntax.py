"""What the JSON-LD compiler's modules share: limits, keywords, IRI forms, JSON paths."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from microcred.errors import JsonLdError, PayloadTooLarge

#: Deepest nesting of JSON objects and arrays accepted in a document.
MAX_DEPTH = 64
#: Most quads a document may produce.
MAX_QUADS = 20_000
#: Longest chain of context references (``@context`` URLs inside contexts).
MAX_CONTEXT_CHAIN = 16

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DOUBLE = XSD + "double"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_JSON = RDF + "JSON"

KEYWORDS = frozenset(
    {
        "@base",
        "@container",
        "@context",
        "@direction",
        "@graph",
        "@id",
        "@import",
        "@included",
        "@index",
        "@json",
        "@language",
        "@list",
        "@nest",
        "@none",
        "@prefix",
        "@propagate",
        "@protected",
        "@reverse",
        "@set",
        "@type",
        "@value",
        "@version",
        "@vocab",
    }
)
KEYWORD_FORM = re.compile(r"@[A-Za-z]+\Z")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# An absolute IRI that can be written inside IRIREF without escapes.
GOOD_IRI = re.compile(
    r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\\ud800-\udfff\ufffe\uffff]*\Z'
)

#: Resolves a context URL to its (never mutated) document.
Loader: TypeAlias = Callable[[str], Mapping[str, Any]]
#: A JSON path: None at the root, else (parent path, member name or array index).
Path: TypeAlias = tuple[Any, str | int] | None


def render(path: Path) -> str:
    """A JSON path as text: ``credentialSubject.achievement[0].name``."""
    parts: list[str | int] = []
    while path is not None:
        path, key = path
        parts.append(key)
    out = ""
    for key in reversed(parts):
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += f".{key}" if out else key
    return out or "(document)"


def at(path: Path) -> str:
    """``at <path>``, for error messages."""
    return f"at {render(path)}"


def unsupported(feature: str, where: str = "") -> JsonLdError:
    """The error for a JSON-LD feature the compiler refuses rather than get wrong."""
    return JsonLdError(
        f"The JSON-LD feature {feature} is not supported{(' (' + where + ')') if where else ''}.",
        hint="microcred canonicalises the JSON-LD features credentials use, and refuses others.",
    )


def check_depth(value: Any, limit: int, path: Path) -> None:
    """Refuse JSON nested deeper than ``limit`` without recursing."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise PayloadTooLarge(f"The JSON {at(path)} is nested more than {limit} levels deep.")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
