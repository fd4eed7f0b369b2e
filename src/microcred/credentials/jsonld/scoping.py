"""Applying contexts during the walk: embedded, property-scoped and type-scoped (§5.1.2).

Each result is an immutable `ActiveContext`, memoised on the context it was applied to,
so a document's context chain is processed once and then only looked up.
"""

from __future__ import annotations

import json
from typing import Any

from microcred.credentials.jsonld.context import ActiveContext, Term, expand_iri
from microcred.credentials.jsonld.processing import process_context
from microcred.credentials.jsonld.syntax import (
    GOOD_IRI,
    KEYWORDS,
    MAX_DEPTH,
    Path,
    at,
    check_depth,
    unsupported,
)
from microcred.errors import JsonLdError, UndefinedTerm

_CACHE_TYPES = 1024


def scoped_context(ctx: ActiveContext, term: Term, *, property_scoped: bool) -> ActiveContext:
    """Apply a term's scoped context: property-scoped (propagates) or type-scoped (not)."""
    if property_scoped:
        return ctx.derive(
            ("property", term),
            lambda: process_context(ctx, term.context, override_protected=True),
        )
    return ctx.derive(("type", term), lambda: process_context(ctx, term.context, propagate=False))


def embedded_context(ctx: ActiveContext, local: Any, path: Path) -> ActiveContext:
    """Apply a ``@context`` member; URL lists are memoised, inline objects are not."""
    if isinstance(local, str):
        key: Any = ("urls", local)
        cache = True
    elif isinstance(local, list) and all(isinstance(item, str) for item in local):
        key = ("urls", *local)
        cache = True
    else:
        check_depth(local, MAX_DEPTH, path)
        key = ("inline", json.dumps(local, sort_keys=True))
        cache = ctx.root  # only top-level inline contexts; bounded by the cache cap
    return ctx.derive(key, lambda: process_context(ctx, local), cache=cache)


def types_for(
    ctx: ActiveContext, entries: list[tuple[str, Any]], path: Path
) -> tuple[ActiveContext, list[str]]:
    """Apply type-scoped contexts (§5.1.2 step 11) and expand the types (cached)."""
    key: list[Any] = []
    for name, value in entries:
        if isinstance(value, str):
            key.append((name, value))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            key.append((name, *value))
        else:
            raise JsonLdError(
                f"The type {at((path, name))} must be a string or an array of strings "
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
                scoped = scoped_context(scoped, definition, property_scoped=False)
        for type_name in values:
            iri = expand_iri(ctx, type_name, vocab=True)
            if iri is None or iri in KEYWORDS or not GOOD_IRI.match(iri):
                if iri is not None and iri.startswith("_:"):
                    raise unsupported("blank node types", at((path, name)))
                raise UndefinedTerm(
                    f"The type {type_name!r} {at((path, name))} is not defined by the "
                    "document's @context (it does not expand to an absolute IRI)."
                )
            expanded.append(f"<{iri}>")
    result = (scoped, expanded)
    if len(ctx._types) < _CACHE_TYPES:
        ctx._types[cache_key] = result
    return result
