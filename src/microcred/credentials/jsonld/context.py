"""Active contexts (JSON-LD 1.1 §4.1): term definitions, member names, IRI expansion."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from microcred.credentials.jsonld.syntax import (
    GOOD_IRI,
    KEYWORD_FORM,
    KEYWORDS,
    SCHEME,
    XSD_STRING,
    Loader,
)

if TYPE_CHECKING:
    from microcred.credentials.jsonld.processing import TermDefinitions

_CACHE_DERIVED = 256
_CACHE_KEYS = 4096


class Term:
    """A term definition (JSON-LD 1.1 §4.2). Compared by `same_as`, hashed by identity."""

    __slots__ = (
        "container",
        "context",
        "datatype_suffix",
        "has_context",
        "has_language",
        "iri",
        "language",
        "predicate",
        "prefix",
        "protected",
        "type",
    )

    def __init__(self) -> None:
        self.iri: str | None = None
        self.type: str | None = None
        self.container: frozenset[str] = frozenset()
        self.context: Any = None
        self.has_context = False
        self.protected = False
        self.prefix = False
        self.language: str | None = None
        self.has_language = False
        self.predicate: str | None = None
        self.datatype_suffix = ""

    def same_as(self, other: Term) -> bool:
        """Equal in everything but ``@protected`` (§4.2.2 step 27)."""
        return (
            self.iri == other.iri
            and self.type == other.type
            and self.container == other.container
            and self.has_context == other.has_context
            and (not self.has_context or self.context == other.context)
            and self.prefix == other.prefix
            and self.has_language == other.has_language
            and self.language == other.language
        )

    def finish(self) -> None:
        """Precompute the N-Quads forms the walker needs."""
        if self.iri is not None and GOOD_IRI.match(self.iri):
            self.predicate = f"<{self.iri}>"
        t = self.type
        if t is not None and t[0] != "@":
            self.datatype_suffix = "" if t == XSD_STRING else f"^^<{t}>"


class Key:
    """What a member name means in one active context."""

    __slots__ = ("error", "iri", "keyword", "predicate", "term")

    def __init__(
        self,
        keyword: str | None = None,
        predicate: str | None = None,
        term: Term | None = None,
        iri: str | None = None,
        error: str | None = None,
    ) -> None:
        self.keyword = keyword
        self.predicate = predicate
        self.term = term
        self.iri = iri
        self.error = error


class ActiveContext:
    """An active context. Immutable once built; caches what is derived from it."""

    __slots__ = (
        "_aliases",
        "_derived",
        "_keys",
        "_types",
        "language",
        "loader",
        "previous",
        "root",
        "terms",
        "vocab",
    )

    def __init__(
        self,
        loader: Loader,
        terms: dict[str, Term | None] | None = None,
        vocab: str | None = None,
        language: str | None = None,
        previous: ActiveContext | None = None,
        *,
        root: bool = False,
    ) -> None:
        self.loader = loader
        self.terms: dict[str, Term | None] = {} if terms is None else terms
        self.vocab = vocab
        self.language = language
        self.previous = previous
        self.root = root
        self._derived: dict[Any, ActiveContext] = {}
        self._keys: dict[str, Key] = {}
        self._types: dict[Any, tuple[ActiveContext, list[str]]] = {}
        self._aliases: dict[str, str] | None = None

    def clone(self) -> ActiveContext:
        """A mutable copy to build a new active context from."""
        return ActiveContext(
            self.loader, dict(self.terms), self.vocab, self.language, self.previous
        )

    def derive(
        self, key: Any, build: Callable[[], ActiveContext], cache: bool = True
    ) -> ActiveContext:
        """The context ``build`` makes from this one, memoised under ``key``."""
        found = self._derived.get(key)
        if found is None:
            found = build()
            if cache and len(self._derived) < _CACHE_DERIVED:
                self._derived[key] = found
        return found

    def aliases(self) -> dict[str, str]:
        """Every member name that means a keyword here: the keywords and their aliases."""
        found = self._aliases
        if found is None:
            found = {keyword: keyword for keyword in KEYWORDS}
            for name, term in self.terms.items():
                if term is not None and term.iri in KEYWORDS:
                    found[name] = term.iri
            self._aliases = found
        return found

    def key(self, name: str) -> Key:
        """Classify a member name (cached)."""
        found = self._keys.get(name)
        if found is None:
            found = self._classify(name)
            if len(self._keys) < _CACHE_KEYS:
                self._keys[name] = found
        return found

    def _classify(self, name: str) -> Key:
        expanded = expand_iri(self, name, vocab=True)
        if expanded is None:
            return Key(error="is defined as null or looks like a keyword, so it would be dropped")
        if expanded in KEYWORDS:
            return Key(keyword=expanded)
        if expanded.startswith("_:"):
            return Key(error=f"expands to the blank node {expanded}, not an IRI")
        if not SCHEME.match(expanded):
            return Key(error="is not defined by the document's @context")
        if not GOOD_IRI.match(expanded):
            return Key(error=f"expands to {expanded!r}, which is not a valid IRI")
        term = self.terms.get(name)
        return Key(predicate=f"<{expanded}>", term=term, iri=expanded)


def expand_iri(
    ctx: ActiveContext,
    value: str,
    *,
    vocab: bool,
    builder: TermDefinitions | None = None,
) -> str | None:
    """IRI Expansion (JSON-LD 1.1 §5.2). A relative result is returned as is (no base)."""
    if value in KEYWORDS:
        return value
    if value[:1] == "@" and KEYWORD_FORM.match(value):
        return None
    if builder is not None and value in builder.local and builder.defined.get(value) is not True:
        builder.define(value)
    if vocab and value in ctx.terms:
        term = ctx.terms[value]
        return None if term is None else term.iri
    colon = value.find(":", 1)
    if colon > 0:
        prefix = value[:colon]
        suffix = value[colon + 1 :]
        if prefix == "_" or suffix.startswith("//"):
            return value
        if (
            builder is not None
            and prefix in builder.local
            and builder.defined.get(prefix) is not True
        ):
            builder.define(prefix)
        term = ctx.terms.get(prefix)
        if term is not None and term.iri is not None and term.prefix:
            return term.iri + suffix
        if SCHEME.match(value):
            return value
    if vocab and ctx.vocab is not None:
        return ctx.vocab + value
    return value
