"""Context Processing (JSON-LD 1.1 §4.1.2) and Create Term Definition (§4.2.2).

`process_context` applies a local context (URLs of bundled contexts, objects, null) to an
active context and returns a new one; `TermDefinitions` creates the term definitions of
one context object. Strict: anything that would be dropped or left relative is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from microcred.credentials.jsonld.context import ActiveContext, Term, expand_iri
from microcred.credentials.jsonld.syntax import (
    GOOD_IRI,
    KEYWORD_FORM,
    KEYWORDS,
    MAX_CONTEXT_CHAIN,
    MAX_DEPTH,
    SCHEME,
    unsupported,
)
from microcred.errors import (
    JsonLdError,
    MicrocredError,
    PayloadTooLarge,
    UnknownContext,
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
_GEN_DELIMS = frozenset(":/?#[]@")


class TermDefinitions:
    """Creates the term definitions of one local context (JSON-LD 1.1 §4.2.2)."""

    def __init__(
        self,
        result: ActiveContext,
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
        elif KEYWORD_FORM.match(term):
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

        definition = Term()
        protected = value.get("@protected", self.protected)
        if not isinstance(protected, bool):
            raise JsonLdError(f"@protected in the definition of {term!r} must be true or false.")
        definition.protected = protected

        for key in value:
            if key not in _TERM_KEYS:
                raise JsonLdError(f"The definition of {term!r} has an unknown entry {key!r}.")
        for feature in ("@reverse", "@nest", "@index", "@direction"):
            if feature in value and not (feature == "@direction" and value[feature] is None):
                raise unsupported(feature, f"term {term!r}")

        if "@type" in value:
            type_ = value["@type"]
            if not isinstance(type_, str):
                raise JsonLdError(f"The @type of {term!r} must be a string (invalid type mapping).")
            expanded = expand_iri(result, type_, vocab=True, builder=self)
            if expanded is None or (
                expanded not in ("@id", "@json", "@none", "@vocab") and not GOOD_IRI.match(expanded)
            ):
                raise JsonLdError(
                    f"The @type of {term!r} is {type_!r}, which is not an IRI "
                    "(invalid type mapping)."
                )
            definition.type = expanded

        self._iri_mapping(term, value, definition, simple=simple)

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
                raise unsupported(f"@container {sorted(chosen)}", f"term {term!r}")
            definition.container = chosen

        if "@context" in value:
            scoped = value["@context"]
            try:
                process_context(
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

    def _iri_mapping(
        self, term: str, value: dict[str, Any], definition: Term, *, simple: bool
    ) -> None:
        """Set the IRI ``term`` maps to (§4.2.2 steps 14-20): its @id, compact IRI or @vocab."""
        defined = self.defined
        result = self.result
        if "@id" in value and value["@id"] != term:
            id_ = value["@id"]
            if id_ is None:
                definition.iri = None
            elif not isinstance(id_, str):
                raise JsonLdError(f"The @id of {term!r} must be a string (invalid IRI mapping).")
            elif id_ not in KEYWORDS and KEYWORD_FORM.match(id_):
                # JSON-LD ignores such a definition; strict mode refuses it.
                raise JsonLdError(f"{term!r} maps to {id_!r}, which looks like a keyword.")
            else:
                iri = expand_iri(result, id_, vocab=True, builder=self)
                if iri is None or not (
                    iri in KEYWORDS or iri.startswith("_:") or SCHEME.match(iri)
                ):
                    raise JsonLdError(f"{term!r} maps to {id_!r}, which is not an IRI.")
                if iri == "@context":
                    raise JsonLdError(f"{term!r} cannot alias @context (invalid keyword alias).")
                definition.iri = iri
                if ":" in term[1:-1] or "/" in term:
                    defined[term] = True
                    if expand_iri(result, term, vocab=True, builder=self) != iri:
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
            iri = expand_iri(result, term, vocab=True, builder=self)
            if iri is None or not SCHEME.match(iri):
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


def process_context(
    active: ActiveContext,
    local: Any,
    *,
    override_protected: bool = False,
    propagate: bool = True,
    remote: tuple[str, ...] = (),
    validate_scoped: bool = True,
) -> ActiveContext:
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
            result = ActiveContext(active.loader)
            if not propagate:
                result.previous = previous
            continue
        if isinstance(item, str):
            if not validate_scoped and item in remote:
                continue
            if len(remote) >= MAX_CONTEXT_CHAIN:
                raise JsonLdError("Contexts reference each other too deeply (context overflow).")
            document = active.loader(item)
            result = process_context(
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
    result: ActiveContext,
    local: dict[str, Any],
    *,
    override_protected: bool,
    remote: tuple[str, ...],
) -> None:
    if "@version" in local and local["@version"] != 1.1:
        raise JsonLdError(f"@version {local['@version']!r} is not 1.1 (invalid @version value).")
    if "@import" in local:
        raise unsupported("@import")
    if local.get("@base") is not None:
        raise unsupported("@base", "relative IRIs are refused")
    if local.get("@direction") is not None:
        raise unsupported("@direction")
    if "@vocab" in local:
        vocab = local["@vocab"]
        if vocab is None:
            result.vocab = None
        elif isinstance(vocab, str):
            expanded = expand_iri(result, vocab, vocab=True)
            if expanded is None or not GOOD_IRI.match(expanded):
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
    builder = TermDefinitions(
        result, local, protected=protected, override_protected=override_protected, remote=remote
    )
    for key in local:
        if key not in _CONTEXT_KEYWORDS:
            builder.define(key)
