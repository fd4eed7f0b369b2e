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

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeAlias

from microcred.credentials.contexts import load_shared
from microcred.crypto import jcs, rdfc
from microcred.crypto.rdfc import EncodedQuad, Quad
from microcred.errors import (
    InvalidInput,
    JsonLdError,
    MicrocredError,
    PayloadTooLarge,
    UndefinedTerm,
    UnknownContext,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_QUADS",
    "JsonLdProcessor",
    "canonize",
    "to_rdf",
]

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

_RDF_TYPE = f"<{RDF}type>"
_RDF_FIRST = f"<{RDF}first>"
_RDF_REST = f"<{RDF}rest>"
_RDF_NIL = f"<{RDF}nil>"

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
_CONTEXT_KEYWORDS = frozenset(
    {
        "@base",
        "@direction",
        "@import",
        "@language",
        "@propagate",
        "@protected",
        "@version",
        "@vocab",
    }
)
_TERM_KEYS = frozenset(
    {
        "@id",
        "@reverse",
        "@container",
        "@context",
        "@direction",
        "@index",
        "@language",
        "@nest",
        "@prefix",
        "@protected",
        "@type",
    }
)
_KEYWORD_FORM = re.compile(r"@[A-Za-z]+\Z")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# An absolute IRI that can be written inside IRIREF without escapes.
_GOOD_IRI = re.compile(
    r'[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|^`\\\ud800-\udfff\ufffe\uffff]*\Z'
)
_GEN_DELIMS = frozenset(":/?#[]@")
_LITERAL_SPECIAL = re.compile('[\x00-\x1f\x7f"\\\\\ud800-\udfff\ufffe\uffff]')
_UNPORTABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")
_MISSING: Any = object()

_CACHE_DERIVED = 256
_CACHE_KEYS = 4096
_CACHE_TYPES = 1024

#: Resolves a context URL to its (never mutated) document.
Loader: TypeAlias = Callable[[str], Mapping[str, Any]]
#: A JSON path: None at the root, else (parent path, member name or array index).
Path: TypeAlias = tuple[Any, str | int] | None


def _render(path: Path) -> str:
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


def _at(path: Path) -> str:
    return f"at {_render(path)}"


# ---------------------------------------------------------------- active contexts


class _Term:
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

    def same_as(self, other: _Term) -> bool:
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
        if self.iri is not None and _GOOD_IRI.match(self.iri):
            self.predicate = f"<{self.iri}>"
        t = self.type
        if t is not None and t[0] != "@":
            self.datatype_suffix = "" if t == XSD_STRING else f"^^<{t}>"


class _Key:
    """What a member name means in one active context."""

    __slots__ = ("error", "iri", "keyword", "predicate", "term")

    def __init__(
        self,
        keyword: str | None = None,
        predicate: str | None = None,
        term: _Term | None = None,
        iri: str | None = None,
        error: str | None = None,
    ) -> None:
        self.keyword = keyword
        self.predicate = predicate
        self.term = term
        self.iri = iri
        self.error = error


class _Context:
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
        terms: dict[str, _Term | None] | None = None,
        vocab: str | None = None,
        language: str | None = None,
        previous: _Context | None = None,
        *,
        root: bool = False,
    ) -> None:
        self.loader = loader
        self.terms: dict[str, _Term | None] = {} if terms is None else terms
        self.vocab = vocab
        self.language = language
        self.previous = previous
        self.root = root
        self._derived: dict[Any, _Context] = {}
        self._keys: dict[str, _Key] = {}
        self._types: dict[Any, tuple[_Context, list[str]]] = {}
        self._aliases: dict[str, str] | None = None

    def clone(self) -> _Context:
        return _Context(self.loader, dict(self.terms), self.vocab, self.language, self.previous)

    def derive(self, key: Any, build: Callable[[], _Context], cache: bool = True) -> _Context:
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

    def key(self, name: str) -> _Key:
        """Classify a member name (cached)."""
        found = self._keys.get(name)
        if found is None:
            found = self._classify(name)
            if len(self._keys) < _CACHE_KEYS:
                self._keys[name] = found
        return found

    def _classify(self, name: str) -> _Key:
        expanded = _expand_iri(self, name, vocab=True)
        if expanded is None:
            return _Key(error="is defined as null or looks like a keyword, so it would be dropped")
        if expanded in KEYWORDS:
            return _Key(keyword=expanded)
        if expanded.startswith("_:"):
            return _Key(error=f"expands to the blank node {expanded}, not an IRI")
        if not _SCHEME.match(expanded):
            return _Key(error="is not defined by the document's @context")
        if not _GOOD_IRI.match(expanded):
            return _Key(error=f"expands to {expanded!r}, which is not a valid IRI")
        term = self.terms.get(name)
        return _Key(predicate=f"<{expanded}>", term=term, iri=expanded)


_EMPTY = _Context(load_shared, root=True)


def _expand_iri(
    ctx: _Context,
    value: str,
    *,
    vocab: bool,
    builder: _Builder | None = None,
) -> str | None:
    """IRI Expansion (JSON-LD 1.1 §5.2). A relative result is returned as is (no base)."""
    if value in KEYWORDS:
        return value
    if value[:1] == "@" and _KEYWORD_FORM.match(value):
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
        if _SCHEME.match(value):
            return value
    if vocab and ctx.vocab is not None:
        return ctx.vocab + value
    return value


def _unsupported(feature: str, where: str = "") -> JsonLdError:
    return JsonLdError(
        f"The JSON-LD feature {feature} is not supported{(' (' + where + ')') if where else ''}.",
        hint="microcred canonicalises the JSON-LD features credentials use, and refuses others.",
    )


class _Builder:
    """Creates the term definitions of one local context (JSON-LD 1.1 §4.2.2)."""

    def __init__(
        self,
        result: _Context,
        local: Mapping[str, Any],
        *,
        protected: bool,
        override_protected: bool,
        remote: tuple[str, ...],
    ) -> None:
        self.result = result
        self.local = local
        self.defined: dict[str, bool] = {}
        self.protected = protected
        self.override_protected = override_protected
        self.remote = remote
        self.nesting = 0

    def define(self, term: str) -> None:
        """Create the term definition for ``term``, and for the terms it depends on first."""
        self.nesting += 1
        try:
            if self.nesting > MAX_DEPTH:
                raise PayloadTooLarge("A context's terms depend on each other too deeply.")
            self._define(term)
        finally:
            self.nesting -= 1

    def _define(self, term: str) -> None:
        defined = self.defined
        if term in defined:
            if defined[term]:
                return
            raise JsonLdError(f"The context defines {term!r} cyclically (cyclic IRI mapping).")
        if term == "":
            raise JsonLdError("A context defines the empty term (invalid term definition).")
        defined[term] = False
        value = self.local[term]
        result = self.result

        if term == "@type":
            if (
                isinstance(value, dict)
                and value.get("@container") == "@set"
                and set(value) <= {"@container", "@protected"}
            ):
                pass
            else:
                raise JsonLdError("A context redefines the keyword @type (keyword redefinition).")
        elif term in KEYWORDS:
            raise JsonLdError(f"A context redefines the keyword {term} (keyword redefinition).")
        elif _KEYWORD_FORM.match(term):
            raise JsonLdError(f"A context defines {term!r}, which looks like a keyword.")

        previous = result.terms.pop(term, None)
        simple = False
        if value is None:
            value = {"@id": None}
        elif isinstance(value, str):
            value = {"@id": value}
            simple = True
        elif not isinstance(value, dict):
            raise JsonLdError(f"The definition of {term!r} must be a string, object or null.")

        definition = _Term()
        protected = value.get("@protected", self.protected)
        if not isinstance(protected, bool):
            raise JsonLdError(f"@protected in the definition of {term!r} must be true or false.")
        definition.protected = protected

        for key in value:
            if key not in _TERM_KEYS:
                raise JsonLdError(f"The definition of {term!r} has an unknown entry {key!r}.")
        for feature in ("@reverse", "@nest", "@index", "@direction"):
            if feature in value and not (feature == "@direction" and value[feature] is None):
                raise _unsupported(feature, f"term {term!r}")

        if "@type" in value:
            type_ = value["@type"]
            if not isinstance(type_, str):
                raise JsonLdError(f"The @type of {term!r} must be a string (invalid type mapping).")
            expanded = _expand_iri(result, type_, vocab=True, builder=self)
            if expanded is None or (
                expanded not in ("@id", "@json", "@none", "@vocab")
                and not _GOOD_IRI.match(expanded)
            ):
                raise JsonLdError(
                    f"The @type of {term!r} is {type_!r}, which is not an IRI "
                    "(invalid type mapping)."
                )
            definition.type = expanded

        if "@id" in value and value["@id"] != term:
            id_ = value["@id"]
            if id_ is None:
                definition.iri = None
            elif not isinstance(id_, str):
                raise JsonLdError(f"The @id of {term!r} must be a string (invalid IRI mapping).")
            elif id_ not in KEYWORDS and _KEYWORD_FORM.match(id_):
                # JSON-LD ignores such a definition; strict mode refuses it.
                raise JsonLdError(f"{term!r} maps to {id_!r}, which looks like a keyword.")
            else:
                iri = _expand_iri(result, id_, vocab=True, builder=self)
                if iri is None or not (
                    iri in KEYWORDS or iri.startswith("_:") or _SCHEME.match(iri)
                ):
                    raise JsonLdError(f"{term!r} maps to {id_!r}, which is not an IRI.")
                if iri == "@context":
                    raise JsonLdError(f"{term!r} cannot alias @context (invalid keyword alias).")
                definition.iri = iri
                if ":" in term[1:-1] or "/" in term:
                    defined[term] = True
                    if _expand_iri(result, term, vocab=True, builder=self) != iri:
                        raise JsonLdError(
                            f"The term {term!r} looks like an IRI but maps to another one."
                        )
                if ":" not in term and "/" not in term and simple:
                    definition.prefix = iri[-1] in _GEN_DELIMS or iri.startswith("_:")
        elif ":" in term[1:]:
            colon = term.find(":", 1)
            prefix, suffix = term[:colon], term[colon + 1 :]
            if prefix in self.local and prefix != term:
                self.define(prefix)
            prefix_term = result.terms.get(prefix)
            if prefix_term is not None and prefix_term.iri is not None:
                definition.iri = prefix_term.iri + suffix
            else:
                definition.iri = term
        elif "/" in term:
            iri = _expand_iri(result, term, vocab=True, builder=self)
            if iri is None or not _SCHEME.match(iri):
                raise JsonLdError(f"The term {term!r} is a relative IRI (invalid IRI mapping).")
            definition.iri = iri
        elif term == "@type":
            definition.iri = "@type"
        elif result.vocab is not None:
            definition.iri = result.vocab + term
        else:
            raise JsonLdError(
                f"The term {term!r} has no IRI and the context has no @vocab (invalid IRI mapping)."
            )

        if "@container" in value:
            container = value["@container"]
            items = container if isinstance(container, list) else [container]
            if not all(isinstance(c, str) for c in items):
                raise JsonLdError(f"The @container of {term!r} is malformed.")
            chosen = frozenset(items)
            if chosen not in (
                frozenset({"@set"}),
                frozenset({"@list"}),
                frozenset({"@graph"}),
                frozenset({"@graph", "@set"}),
            ):
                raise _unsupported(f"@container {sorted(chosen)}", f"term {term!r}")
            definition.container = chosen

        if "@context" in value:
            scoped = value["@context"]
            try:
                _process(
                    result,
                    scoped,
                    override_protected=True,
                    remote=self.remote,
                    validate_scoped=False,
                )
            except UnknownContext:
                raise
            except MicrocredError as exc:
                raise JsonLdError(
                    f"The scoped context of {term!r} is invalid: {exc.message}"
                ) from exc
            definition.context = scoped
            definition.has_context = True

        if "@language" in value and "@type" not in value:
            language = value["@language"]
            if language is not None and not isinstance(language, str):
                raise JsonLdError(f"The @language of {term!r} must be a string or null.")
            definition.language = language.lower() if isinstance(language, str) else None
            definition.has_language = True

        if "@prefix" in value:
            if ":" in term or "/" in term:
                raise JsonLdError(f"{term!r} cannot be a prefix (invalid term definition).")
            flag = value["@prefix"]
            if not isinstance(flag, bool):
                raise JsonLdError(f"@prefix of {term!r} must be true or false.")
            if flag and definition.iri in KEYWORDS:
                raise JsonLdError(f"The keyword alias {term!r} cannot be a prefix.")
            definition.prefix = flag

        if previous is not None and previous.protected and not self.override_protected:
            if not definition.same_as(previous):
                raise JsonLdError(
                    f"The protected term {term!r} cannot be redefined "
                    "(protected term redefinition).",
                    hint="A later context tries to change the meaning of a protected term.",
                )
            definition = previous
        definition.finish()
        result.terms[term] = definition
        defined[term] = True


def _process(
    active: _Context,
    local: Any,
    *,
    override_protected: bool = False,
    propagate: bool = True,
    remote: tuple[str, ...] = (),
    validate_scoped: bool = True,
) -> _Context:
    """Context Processing (JSON-LD 1.1 §4.1.2) with bundled contexts only."""
    result = active.clone()
    if isinstance(local, dict) and "@propagate" in local:
        propagate = local["@propagate"]
        if not isinstance(propagate, bool):
            raise JsonLdError("@propagate must be true or false (invalid @propagate value).")
    if not propagate and result.previous is None:
        result.previous = active
    for item in local if isinstance(local, list) else [local]:
        if item is None:
            if not override_protected and any(
                t is not None and t.protected for t in result.terms.values()
            ):
                raise JsonLdError(
                    "A null @context cannot clear protected terms (invalid context nullification)."
                )
            previous = result
            result = _Context(active.loader)
            if not propagate:
                result.previous = previous
            continue
        if isinstance(item, str):
            if not validate_scoped and item in remote:
                continue
            if len(remote) >= MAX_CONTEXT_CHAIN:
                raise JsonLdError("Contexts reference each other too deeply (context overflow).")
            document = active.loader(item)
            result = _process(
                result,
                document["@context"],
                remote=(*remote, item),
                validate_scoped=validate_scoped,
            )
            continue
        if not isinstance(item, dict):
            raise JsonLdError(f"A @context entry must be a URL, object or null, not {item!r}.")
        _process_object(result, item, override_protected=override_protected, remote=remote)
    return result


def _process_object(
    result: _Context,
    local: dict[str, Any],
    *,
    override_protected: bool,
    remote: tuple[str, ...],
) -> None:
    if "@version" in local and local["@version"] != 1.1:
        raise JsonLdError(f"@version {local['@version']!r} is not 1.1 (invalid @version value).")
    if "@import" in local:
        raise _unsupported("@import")
    if local.get("@base") is not None:
        raise _unsupported("@base", "relative IRIs are refused")
    if local.get("@direction") is not None:
        raise _unsupported("@direction")
    if "@vocab" in local:
        vocab = local["@vocab"]
        if vocab is None:
            result.vocab = None
        elif isinstance(vocab, str):
            expanded = _expand_iri(result, vocab, vocab=True)
            if expanded is None or not _GOOD_IRI.match(expanded):
                raise JsonLdError(
                    f"@vocab {vocab!r} is not an absolute IRI (invalid vocab mapping)."
                )
            result.vocab = expanded
        else:
            raise JsonLdError("@vocab must be a string or null (invalid vocab mapping).")
    if "@language" in local:
        language = local["@language"]
        if language is not None and not isinstance(language, str):
            raise JsonLdError("@language must be a string or null (invalid default language).")
        result.language = language.lower() if isinstance(language, str) else None
    protected = local.get("@protected", False)
    if not isinstance(protected, bool):
        raise JsonLdError("@protected must be true or false.")
    builder = _Builder(
        result, local, protected=protected, override_protected=override_protected, remote=remote
    )
    for key in local:
        if key not in _CONTEXT_KEYWORDS:
            builder.define(key)


def _scoped(ctx: _Context, term: _Term, *, property_scoped: bool) -> _Context:
    """Apply a term's scoped context: property-scoped (propagates) or type-scoped (not)."""
    if property_scoped:
        return ctx.derive(
            ("property", term),
            lambda: _process(ctx, term.context, override_protected=True),
        )
    return ctx.derive(("type", term), lambda: _process(ctx, term.context, propagate=False))


def _check_depth(value: Any, limit: int, path: Path) -> None:
    """Refuse JSON nested deeper than ``limit`` without recursing."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise PayloadTooLarge(f"The JSON {_at(path)} is nested more than {limit} levels deep.")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _embedded(ctx: _Context, local: Any, path: Path) -> _Context:
    """Apply a ``@context`` member; URL lists are memoised, inline objects are not."""
    if isinstance(local, str):
        key: Any = ("urls", local)
        cache = True
    elif isinstance(local, list) and all(isinstance(item, str) for item in local):
        key = ("urls", *local)
        cache = True
    else:
        _check_depth(local, MAX_DEPTH, path)
        key = ("inline", json.dumps(local, sort_keys=True))
        cache = ctx.root  # only top-level inline contexts; bounded by the cache cap
    return ctx.derive(key, lambda: _process(ctx, local), cache=cache)


# ----------------------------------------------------------------------- literals


def _string_body(value: str, path: Path) -> str:
    if _LITERAL_SPECIAL.search(value) is None:
        return value
    if _UNPORTABLE.search(value) is not None:
        # Unpaired surrogates cannot be UTF-8; U+FFFE/U+FFFF are escaped by RDFC-1.0 but
        # written raw by jsonld.js (rdf-canonize), so their signatures would not verify.
        raise InvalidInput(
            f"The string {_at(path)} contains an unpaired surrogate or the noncharacter "
            "U+FFFE/U+FFFF, which implementations canonicalise differently."
        )
    return rdfc.escape_literal(value)


def _double(value: float) -> str:
    """Canonical xsd:double the way JSON-LD processors write it (toExponential(15))."""
    if value == 0:
        return "0.0E0"
    exact = Decimal(value)
    sign = "-" if exact < 0 else ""
    exact = abs(exact)
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(Decimal("1.000000000000000"), ROUND_HALF_UP)
    if mantissa >= 10:
        exponent += 1
        mantissa = (mantissa / 10).quantize(Decimal("1.000000000000000"), ROUND_HALF_UP)
    digits = f"{mantissa:f}".rstrip("0")
    if digits.endswith("."):
        digits += "0"
    return f"{sign}{digits}E{exponent}"


def _native(value: bool | float, term: _Term | None, path: Path) -> str:
    """A JSON boolean or number as a literal (JSON-LD 1.1 §8.6 Object to RDF)."""
    datatype = None
    if term is not None and term.type is not None and term.type[0] != "@":
        datatype = term.type
    if isinstance(value, bool):
        return f'"{"true" if value else "false"}"^^<{datatype or XSD_BOOLEAN}>'
    if isinstance(value, int):
        if abs(value) > 2**53:
            try:
                exact = float(value) == value
            except OverflowError:
                exact = False
            if not exact:
                raise InvalidInput(
                    f"The number {_at(path)} cannot be represented exactly as a JSON number "
                    "by other implementations; write it as a string."
                )
        if abs(value) >= 10**21 or datatype == XSD_DOUBLE:
            return f'"{_double(float(value))}"^^<{datatype or XSD_DOUBLE}>'
        return f'"{value}"^^<{datatype or XSD_INTEGER}>'
    if not math.isfinite(value):
        raise InvalidInput(f"The number {_at(path)} is not finite.")
    if 0 < abs(value) < 1e-6 and "." not in repr(abs(value)).split("e")[0]:
        # JavaScript writes such a number without a "." (1e-7), so jsonld.js takes it for an
        # integer and signs "0"; JSON-LD 1.1 and pyld write "1.0E-7". Refuse the ambiguity.
        raise InvalidInput(
            f"The number {_at(path)} ({value!r}) is canonicalised differently by jsonld.js "
            "and by JSON-LD 1.1; write it with two significant digits or as a string."
        )
    if value.is_integer() and abs(value) < 1e21 and datatype != XSD_DOUBLE:
        return f'"{int(value)}"^^<{datatype or XSD_INTEGER}>'
    return f'"{_double(value)}"^^<{datatype or XSD_DOUBLE}>'


def _ambiguous_double(path: Path) -> JsonLdError:
    # JSON-LD 1.1 keeps such a string as it is; jsonld.js and pyld rewrite it in
    # canonical double form. Signing either would break verification by the other.
    return JsonLdError(
        f"The string {_at(path)} is typed xsd:double; implementations disagree on how to "
        "canonicalise it, so it is refused. Use a JSON number instead."
    )


def _json_literal(value: Any, path: Path) -> str:
    _check_depth(value, MAX_DEPTH, path)
    try:
        text = jcs.canonicalize(value).decode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(f"The JSON {_at(path)} contains an unpaired surrogate.") from exc
    return f'"{_string_body(text, path)}"^^<{RDF_JSON}>'


# ------------------------------------------------------------------------- the walk


class _Walk:
    """Expansion and RDF conversion of one document, straight to encoded quads."""

    __slots__ = ("blank_labels", "counter", "max_quads", "quads")

    def __init__(self, max_quads: int) -> None:
        self.quads: list[EncodedQuad] = []
        self.counter = 0
        self.blank_labels: dict[str, str] = {}
        self.max_quads = max_quads

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        quads = self.quads
        quads.append((s, p, o, g))
        if len(quads) > self.max_quads:
            raise PayloadTooLarge(f"The document yields more than {self.max_quads} RDF quads.")

    def blank(self) -> str:
        self.counter += 1
        return f"_:b{self.counter}"

    def named_blank(self, label: str) -> str:
        found = self.blank_labels.get(label)
        if found is None:
            self.counter += 1
            found = self.blank_labels[label] = f"_:b{self.counter}"
        return found

    # -- IRIs

    def iri(self, value: str, ctx: _Context, vocab: bool, path: Path, what: str) -> str:
        """An IRI-valued string as an encoded term (IRI or blank node)."""
        if value.startswith("_:"):
            return self.named_blank(value)
        expanded = _expand_iri(ctx, value, vocab=vocab)
        if expanded is None or expanded in KEYWORDS:
            raise JsonLdError(f"The {what} {value!r} {_at(path)} is not an IRI.")
        if expanded.startswith("_:"):
            return self.named_blank(expanded)
        if not _GOOD_IRI.match(expanded):
            if _SCHEME.match(expanded):
                raise JsonLdError(f"The {what} {value!r} {_at(path)} is not a valid IRI.")
            raise JsonLdError(
                f"The {what} {value!r} {_at(path)} is a relative IRI; "
                "credentials must use absolute IRIs."
            )
        return f"<{expanded}>"

    # -- values

    def string(self, value: str, ctx: _Context, term: _Term | None, path: Path) -> str:
        """Value expansion of a JSON string (JSON-LD 1.1 §5.3) to an encoded term."""
        if term is not None:
            coercion = term.type
            if coercion is not None:
                if coercion == "@id":
                    return self.iri(value, ctx, False, path, "IRI")
                if coercion == "@vocab":
                    return self.iri(value, ctx, True, path, "IRI")
                if coercion[0] != "@":
                    if coercion == XSD_DOUBLE:
                        raise _ambiguous_double(path)
                    return f'"{_string_body(value, path)}"{term.datatype_suffix}'
            if term.has_language:
                if term.language is not None:
                    return f'"{_string_body(value, path)}"@{term.language}'
                return f'"{_string_body(value, path)}"'
        if ctx.language is not None:
            return f'"{_string_body(value, path)}"@{ctx.language}'
        return f'"{_string_body(value, path)}"'

    def objects(
        self,
        value: Any,
        ctx: _Context,
        term: _Term | None,
        graph: str,
        path: Path,
        depth: int,
        out: list[str],
        in_graph_container: bool,
    ) -> None:
        """Expand one property value (any JSON) into encoded object terms appended to out."""
        if value is None:
            return
        if isinstance(value, str):
            if term is not None and term.has_context:
                ctx = _scoped(ctx, term, property_scoped=True)
            if in_graph_container:
                self.graph_reference(value, ctx, term, path, out)
            else:
                out.append(self.string(value, ctx, term, path))
            return
        if isinstance(value, dict):
            self.map(value, ctx, term, graph, path, depth + 1, out, in_graph_container)
            return
        if isinstance(value, list):
            if depth + 1 > MAX_DEPTH:
                raise PayloadTooLarge(f"The JSON {_at(path)} is nested more than {MAX_DEPTH} deep.")
            for index, item in enumerate(value):
                self.objects(
                    item, ctx, term, graph, (path, index), depth + 1, out, in_graph_container
                )
            return
        if isinstance(value, bool | int | float):
            if in_graph_container:
                raise JsonLdError(
                    f"The value {_at(path)} must be a node object (a @graph container)."
                )
            out.append(_native(value, term, path))
            return
        raise InvalidInput(f"The value {_at(path)} is not JSON ({type(value).__name__}).")

    def graph_reference(
        self, value: str, ctx: _Context, term: _Term | None, path: Path, out: list[str]
    ) -> None:
        """A string in a @graph container: an empty named graph (JSON-LD 1.1 §13.11)."""
        if term is None or term.type not in ("@id", "@vocab"):
            raise JsonLdError(f"The value {_at(path)} must be a node object (a @graph container).")
        self.iri(value, ctx, term.type == "@vocab", path, "IRI")
        out.append(self.blank())

    def list_head(
        self,
        items: list[Any],
        ctx: _Context,
        term: _Term | None,
        graph: str,
        path: Path,
        depth: int,
    ) -> str:
        """An RDF collection for a JSON-LD list; returns its head (``rdf:nil`` when empty)."""
        if depth > MAX_DEPTH:
            raise PayloadTooLarge(f"The JSON {_at(path)} is nested more than {MAX_DEPTH} deep.")
        members: list[str] = []
        for index, item in enumerate(items):
            item_path = (path, index)
            if isinstance(item, list):
                members.append(self.list_head(item, ctx, term, graph, item_path, depth + 1))
            else:
                self.objects(item, ctx, term, graph, item_path, depth, members, False)
        if not members:
            return _RDF_NIL
        head = node = self.blank()
        last = len(members) - 1
        for index, member in enumerate(members):
            self.emit(node, _RDF_FIRST, member, graph)
            following = _RDF_NIL if index == last else self.blank()
            self.emit(node, _RDF_REST, following, graph)
            node = following
        return head

    # -- maps

    def map(
        self,
        element: dict[str, Any],
        active: _Context,
        term: _Term | None,
        graph: str,
        path: Path,
        depth: int,
        out: list[str] | None,
        in_graph_container: bool = False,
    ) -> None:
        """Expand a JSON object: value, list, set, graph or node object (§5.1.2)."""
        if depth > MAX_DEPTH:
            raise PayloadTooLarge(f"The JSON {_at(path)} is nested more than {MAX_DEPTH} deep.")
        ctx = active
        # Step 7: a type-scoped context does not apply to a new node object.
        if ctx.previous is not None:
            aliases = ctx.aliases()
            revert = True
            for name in element:
                if aliases.get(name) == "@value":
                    revert = False
                    break
            if revert and len(element) == 1 and aliases.get(next(iter(element))) == "@id":
                revert = False
            if revert:
                ctx = ctx.previous
        # Step 8: property-scoped context.
        if term is not None and term.has_context:
            ctx = _scoped(ctx, term, property_scoped=True)
        # Step 9: embedded context.
        local = element.get("@context", _MISSING)
        if local is not _MISSING:
            ctx = _embedded(ctx, local, (path, "@context"))

        special: dict[str, tuple[str, Any]] = {}
        types: list[tuple[str, Any]] = []
        aliases = ctx.aliases()
        for name, value in element.items():
            keyword = aliases.get(name)
            if keyword is None or keyword == "@context":
                continue
            if keyword == "@type":
                types.append((name, value))
            elif keyword in special:
                raise JsonLdError(
                    f"{_render(path) or 'The document'} has two members for {keyword} "
                    "(colliding keywords)."
                )
            else:
                special[keyword] = (name, value)

        if "@value" in special:
            if out is None or in_graph_container:
                raise JsonLdError(f"The value object {_at(path)} is not attached to a property.")
            self.value_object(element, ctx, special, types, path, out)
            return
        if "@list" in special or "@set" in special:
            keyword = "@list" if "@list" in special else "@set"
            extra = [n for n in element if n != special[keyword][0]]
            if extra:
                raise JsonLdError(
                    f"The {keyword} object {_at(path)} has other members ({', '.join(extra)})."
                )
            if out is None:
                raise JsonLdError(
                    f"The {keyword} object {_at(path)} is not attached to a property."
                )
            name, value = special[keyword]
            if keyword == "@set":
                self.objects(value, ctx, term, graph, (path, name), depth, out, in_graph_container)
            else:
                if in_graph_container:
                    raise JsonLdError(f"A list {_at(path)} cannot be a @graph container value.")
                items = value if isinstance(value, list) else [value]
                out.append(self.list_head(items, ctx, term, graph, (path, name), depth + 1))
            return
        if in_graph_container:
            if "@graph" in special:
                raise _unsupported("graph objects inside @graph containers", _at(path))
            name = self.blank()
            self.node(element, ctx, special, types, name, path, depth, top=False)
            if out is not None:
                out.append(name)
            return
        subject = self.node(element, ctx, special, types, graph, path, depth, top=out is None)
        if out is not None and subject is not None:
            out.append(subject)

    def value_object(
        self,
        element: dict[str, Any],
        ctx: _Context,
        special: dict[str, tuple[str, Any]],
        types: list[tuple[str, Any]],
        path: Path,
        out: list[str],
    ) -> None:
        for name in element:
            info = ctx.key(name)
            if info.keyword not in ("@value", "@type", "@language"):
                if info.keyword in ("@index", "@direction"):
                    raise _unsupported(info.keyword, _at(path))
                raise JsonLdError(
                    f"The value object {_at(path)} has the member {name!r}, which a value "
                    "object cannot have (invalid value object)."
                )
        value = special["@value"][1]
        language = special.get("@language", (None, None))[1]
        datatype: str | None = None
        if len(types) > 1:
            raise JsonLdError(f"The value object {_at(path)} has two types.")
        if types:
            type_name, type_value = types[0]
            if not isinstance(type_value, str):
                raise JsonLdError(
                    f"The @type of the value object {_at(path)} must be a string "
                    "(invalid typed value)."
                )
            datatype = _expand_iri(ctx, type_value, vocab=True)
            if datatype != "@json" and (datatype is None or not _GOOD_IRI.match(datatype)):
                raise UndefinedTerm(
                    f"The datatype {type_value!r} {_at((path, type_name))} is not an "
                    "absolute IRI (invalid typed value)."
                )
            if language is not None:
                raise JsonLdError(
                    f"The value object {_at(path)} has both @type and @language "
                    "(invalid value object)."
                )
        value_path = (path, special["@value"][0])
        if datatype == "@json":
            out.append(_json_literal(value, value_path))
            return
        if value is None:
            return
        if language is not None:
            if not isinstance(language, str):
                raise JsonLdError(
                    f"@language {_at(path)} must be a string (invalid language-tagged string)."
                )
            if not isinstance(value, str):
                raise JsonLdError(
                    f"A language-tagged value {_at(path)} must be a string "
                    "(invalid language-tagged value)."
                )
            out.append(f'"{_string_body(value, value_path)}"@{language.lower()}')
            return
        if isinstance(value, str):
            if datatype == XSD_DOUBLE:
                raise _ambiguous_double(value_path)
            body = f'"{_string_body(value, value_path)}"'
            if datatype is None or datatype == XSD_STRING:
                out.append(body)
            else:
                out.append(f"{body}^^<{datatype}>")
            return
        if isinstance(value, bool | int | float):
            term = None
            if datatype is not None:
                term = _Term()
                term.type = datatype
            out.append(_native(value, term, value_path))
            return
        raise JsonLdError(
            f"@value {_at(path)} must be a string, number, boolean or null "
            "(invalid value object value)."
        )

    def types_for(
        self, ctx: _Context, entries: list[tuple[str, Any]], path: Path
    ) -> tuple[_Context, list[str]]:
        """Apply type-scoped contexts (§5.1.2 step 11) and expand the types (cached)."""
        key: list[Any] = []
        for name, value in entries:
            if isinstance(value, str):
                key.append((name, value))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                key.append((name, *value))
            else:
                raise JsonLdError(
                    f"The type {_at((path, name))} must be a string or an array of strings "
                    "(invalid type value)."
                )
        cache_key = tuple(key)
        found = ctx._types.get(cache_key)
        if found is not None:
            return found
        scoped = ctx
        expanded: list[str] = []
        for name, value in sorted(entries, key=lambda entry: entry[0]):
            values = [value] if isinstance(value, str) else value
            for type_name in sorted(values):
                definition = ctx.terms.get(type_name)
                if definition is not None and definition.has_context:
                    scoped = _scoped(scoped, definition, property_scoped=False)
            for type_name in values:
                iri = _expand_iri(ctx, type_name, vocab=True)
                if iri is None or iri in KEYWORDS or not _GOOD_IRI.match(iri):
                    if iri is not None and iri.startswith("_:"):
                        raise _unsupported("blank node types", _at((path, name)))
                    raise UndefinedTerm(
                        f"The type {type_name!r} {_at((path, name))} is not defined by the "
                        "document's @context (it does not expand to an absolute IRI)."
                    )
                expanded.append(f"<{iri}>")
        result = (scoped, expanded)
        if len(ctx._types) < _CACHE_TYPES:
            ctx._types[cache_key] = result
        return result

    def node(
        self,
        element: dict[str, Any],
        ctx: _Context,
        special: dict[str, tuple[str, Any]],
        types: list[tuple[str, Any]],
        graph: str,
        path: Path,
        depth: int,
        *,
        top: bool,
    ) -> str | None:
        """A node object: emit its type and property quads; return its subject term."""
        type_terms: list[str] = []
        if types:
            ctx, type_terms = self.types_for(ctx, types, path)
        subject: str | None = None
        graph_value: Any = _MISSING
        graph_name = "@graph"
        properties: list[tuple[str, Any, _Key]] = []
        keys = ctx._keys
        for name, value in element.items():
            if name == "@context":
                continue
            info = keys.get(name) or ctx.key(name)
            keyword = info.keyword
            if keyword is None:
                if info.error is not None:
                    raise UndefinedTerm(
                        f"The property {name!r} {_at((path, name))} {info.error}.",
                        hint="Every property must expand to an absolute IRI, or it is not signed.",
                    )
                properties.append((name, value, info))
            elif keyword == "@id":
                if not isinstance(value, str):
                    raise JsonLdError(f"The @id {_at((path, name))} must be a string.")
                subject = self.iri(value, ctx, False, (path, name), "@id")
            elif keyword == "@type":
                continue
            elif keyword == "@graph":
                graph_value = value
                graph_name = name
            elif keyword in ("@reverse", "@nest", "@included", "@index"):
                raise _unsupported(keyword, _at((path, name)))
            else:
                raise JsonLdError(
                    f"The member {name!r} {_at((path, name))} ({keyword}) cannot appear in a "
                    "node object."
                )
        if (
            top
            and graph_value is not _MISSING
            and subject is None
            and not properties
            and not type_terms
        ):
            # A top-level graph object without an id: its nodes are the default graph.
            self.graph_contents(graph_value, ctx, graph, (path, graph_name), depth)
            return None
        if subject is None:
            subject = self.blank()
        for type_term in type_terms:
            self.emit(subject, _RDF_TYPE, type_term, graph)
        for name, value, info in properties:
            self.property(subject, name, value, info, ctx, graph, (path, name), depth)
        if graph_value is not _MISSING:
            self.graph_contents(graph_value, ctx, subject, (path, graph_name), depth)
        return subject

    def graph_contents(self, value: Any, ctx: _Context, graph: str, path: Path, depth: int) -> None:
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            item_path = (path, index) if isinstance(value, list) else path
            if item is None:
                continue
            if not isinstance(item, dict):
                raise JsonLdError(f"The @graph member {_at(item_path)} must be a node object.")
            self.map(item, ctx, None, graph, item_path, depth + 1, None)

    def property(
        self,
        subject: str,
        name: str,
        value: Any,
        info: _Key,
        ctx: _Context,
        graph: str,
        path: Path,
        depth: int,
    ) -> None:
        predicate = info.predicate
        assert predicate is not None
        term = info.term
        objects: list[str] = []
        if term is not None:
            if term.type == "@json":
                self.emit(subject, predicate, _json_literal(value, path), graph)
                return
            container = term.container
            if "@list" in container:
                if value is None:
                    return
                if isinstance(value, dict) and any(
                    ctx.key(n).keyword == "@list" for n in value if n != "@context"
                ):
                    self.objects(value, ctx, term, graph, path, depth, objects, False)
                else:
                    items = value if isinstance(value, list) else [value]
                    objects.append(self.list_head(items, ctx, term, graph, path, depth + 1))
            else:
                self.objects(value, ctx, term, graph, path, depth, objects, "@graph" in container)
        else:
            self.objects(value, ctx, None, graph, path, depth, objects, False)
        for obj in objects:
            self.emit(subject, predicate, obj, graph)


# -------------------------------------------------------------------- public API


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

            self._root = _Context(loader, root=True)
        else:
            self._root = _EMPTY

    def to_encoded(self, document: Any, *, max_quads: int = MAX_QUADS) -> list[EncodedQuad]:
        """The document's RDF dataset as quads in canonical N-Quads term form."""
        walk = _Walk(max_quads)
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
