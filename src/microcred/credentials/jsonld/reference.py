"""The straightforward canonicaliser: pyld ``normalize`` (URDNA2015) over bundled contexts.

It is the baseline for `bench/canonicalize.py` and the second implementation the tests
cross-check `microcred.credentials.jsonld.canonize` against. It is strict about dropped
properties (pyld's ``on_property_dropped`` hook), never touches the network and never
changes pyld's global document loader.

A relative IRI is refused too: pyld 3.3 would resolve it against a placeholder base
(``http://example.org/base/``), so output naming that base is rejected.

Known differences from `microcred.credentials.jsonld` (both documented in the tests):
pyld 3.3 escapes only ``\\\\ \\" \\t \\n \\r`` in literals where RDFC-1.0 also requires
``\\b``, ``\\f`` and ``\\uXXXX`` for other control characters, and it rounds doubles
half-to-even where JSON-LD processors (``toExponential``) round half-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyld import jsonld as pyld_jsonld

from microcred.credentials.contexts import load_context
from microcred.errors import JsonLdError, MicrocredError, UndefinedTerm, UnknownContext

#: pyld 3.3 resolves relative IRIs against this when a document has no base.
_PYLD_DEFAULT_BASE = "http://example.org/base/"


def _document_loader(
    extra: Mapping[str, Mapping[str, Any]],
) -> Any:
    def load(url: str, options: Any = None) -> dict[str, Any]:
        document = extra.get(url)
        if document is None:
            document = load_context(url)  # raises UnknownContext, never fetches
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def _refuse_dropped(expanded_property: Any) -> None:
    raise UndefinedTerm(
        f"The property {expanded_property!r} is not defined by the document's @context "
        "(pyld would drop it)."
    )


def canonize_reference(
    document: Mapping[str, Any] | list[Any],
    *,
    extra_contexts: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of ``document`` computed by pyld."""
    processor = pyld_jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": _document_loader(extra_contexts or {}),
    }
    try:
        data = list(document) if isinstance(document, list) else dict(document)
        result = processor.normalize(data, options)
    except MicrocredError:
        raise
    except pyld_jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, MicrocredError):
                raise cause from exc
            cause = cause.__cause__ or getattr(cause, "cause", None)
        raise JsonLdError(f"pyld could not canonicalise the document: {exc}") from exc
    if not isinstance(result, str):
        raise UnknownContext("pyld returned no N-Quads.")
    if f"<{_PYLD_DEFAULT_BASE}" in result:
        # pyld resolves relative IRIs against this made-up base instead of refusing them.
        raise UndefinedTerm(
            "The document uses a relative IRI (a type, @id or term that its @context does "
            "not define); pyld resolved it against its placeholder base."
        )
    return result
