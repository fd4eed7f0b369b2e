"""The walk: expansion (JSON-LD 1.1 §5.1.2) and RDF conversion of a document, in one pass.

`Walk` goes through the document once, holding the active context that applies at each
member, and emits encoded quads directly (no expanded form, no node map). It is the hot
loop of canonicalisation and stays in one class on purpose.
"""

from __future__ import annotations

from typing import Any

from microcred.credentials.jsonld.context import ActiveContext, Key, Term, expand_iri
from microcred.credentials.jsonld.literals import (
    ambiguous_double,
    json_literal,
    native,
    string_body,
    value_object,
)
from microcred.credentials.jsonld.scoping import embedded_context, scoped_context, types_for
from microcred.credentials.jsonld.syntax import (
    GOOD_IRI,
    KEYWORDS,
    MAX_DEPTH,
    RDF,
    SCHEME,
    XSD_DOUBLE,
    Path,
    at,
    render,
    unsupported,
)
from microcred.crypto.rdfc import EncodedQuad
from microcred.errors import InvalidInput, JsonLdError, PayloadTooLarge, UndefinedTerm

_RDF_TYPE = f"<{RDF}type>"
_RDF_FIRST = f"<{RDF}first>"
_RDF_REST = f"<{RDF}rest>"
_RDF_NIL = f"<{RDF}nil>"
_MISSING: Any = object()


class Walk:
    """Expansion and RDF conversion of one document, straight to encoded quads."""

    __slots__ = ("blank_labels", "counter", "max_quads", "quads")

    def __init__(self, max_quads: int) -> None:
        self.quads: list[EncodedQuad] = []
        self.counter = 0
        self.blank_labels: dict[str, str] = {}
        self.max_quads = max_quads

    def emit(self, s: str, p: str, o: str, g: str) -> None:
        """Append one quad; refuse documents past ``max_quads``."""
        quads = self.quads
        quads.append((s, p, o, g))
        if len(quads) > self.max_quads:
            raise PayloadTooLarge(f"The document yields more than {self.max_quads} RDF quads.")

    def blank(self) -> str:
        """A fresh blank node."""
        self.counter += 1
        return f"_:b{self.counter}"

    def named_blank(self, label: str) -> str:
        """The blank node for a ``_:`` label of the document (same label, same node)."""
        found = self.blank_labels.get(label)
        if found is None:
            self.counter += 1
            found = self.blank_labels[label] = f"_:b{self.counter}"
        return found

    # -- IRIs

    def iri(self, value: str, ctx: ActiveContext, vocab: bool, path: Path, what: str) -> str:
        """An IRI-valued string as an encoded term (IRI or blank node)."""
        if value.startswith("_:"):
            return self.named_blank(value)
        expanded = expand_iri(ctx, value, vocab=vocab)
        if expanded is None or expanded in KEYWORDS:
            raise JsonLdError(f"The {what} {value!r} {at(path)} is not an IRI.")
        if expanded.startswith("_:"):
            return self.named_blank(expanded)
        if not GOOD_IRI.match(expanded):
            if SCHEME.match(expanded):
                raise JsonLdError(f"The {what} {value!r} {at(path)} is not a valid IRI.")
            raise JsonLdError(
                f"The {what} {value!r} {at(path)} is a relative IRI; "
                "credentials must use absolute IRIs."
            )
        return f"<{expanded}>"

    # -- values

    def string(self, value: str, ctx: ActiveContext, term: Term | None, path: Path) -> str:
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
                        raise ambiguous_double(path)
                    return f'"{string_body(value, path)}"{term.datatype_suffix}'
            if term.has_language:
                if term.language is not None:
                    return f'"{string_body(value, path)}"@{term.language}'
                return f'"{string_body(value, path)}"'
        if ctx.language is not None:
            return f'"{string_body(value, path)}"@{ctx.language}'
        return f'"{string_body(value, path)}"'

    def objects(
        self,
        value: Any,
        ctx: ActiveContext,
        term: Term | None,
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
                ctx = scoped_context(ctx, term, property_scoped=True)
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
                raise PayloadTooLarge(f"The JSON {at(path)} is nested more than {MAX_DEPTH} deep.")
            for index, item in enumerate(value):
                self.objects(
                    item, ctx, term, graph, (path, index), depth + 1, out, in_graph_container
                )
            return
        if isinstance(value, bool | int | float):
            if in_graph_container:
                raise JsonLdError(
                    f"The value {at(path)} must be a node object (a @graph container)."
                )
            out.append(native(value, term, path))
            return
        raise InvalidInput(f"The value {at(path)} is not JSON ({type(value).__name__}).")

    def graph_reference(
        self, value: str, ctx: ActiveContext, term: Term | None, path: Path, out: list[str]
    ) -> None:
        """A string in a @graph container: an empty named graph (JSON-LD 1.1 §13.11)."""
        if term is None or term.type not in ("@id", "@vocab"):
            raise JsonLdError(f"The value {at(path)} must be a node object (a @graph container).")
        self.iri(value, ctx, term.type == "@vocab", path, "IRI")
        out.append(self.blank())

    def list_head(
        self,
        items: list[Any],
        ctx: ActiveContext,
        term: Term | None,
        graph: str,
        path: Path,
        depth: int,
    ) -> str:
        """An RDF collection for a JSON-LD list; returns its head (``rdf:nil`` when empty)."""
        if depth > MAX_DEPTH:
            raise PayloadTooLarge(f"The JSON {at(path)} is nested more than {MAX_DEPTH} deep.")
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
        active: ActiveContext,
        term: Term | None,
        graph: str,
        path: Path,
        depth: int,
        out: list[str] | None,
        in_graph_container: bool = False,
    ) -> None:
        """Expand a JSON object: value, list, set, graph or node object (§5.1.2)."""
        if depth > MAX_DEPTH:
            raise PayloadTooLarge(f"The JSON {at(path)} is nested more than {MAX_DEPTH} deep.")
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
            ctx = scoped_context(ctx, term, property_scoped=True)
        # Step 9: embedded context.
        local = element.get("@context", _MISSING)
        if local is not _MISSING:
            ctx = embedded_context(ctx, local, (path, "@context"))

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
                    f"{render(path) or 'The document'} has two members for {keyword} "
                    "(colliding keywords)."
                )
            else:
                special[keyword] = (name, value)

        if "@value" in special:
            if out is None or in_graph_container:
                raise JsonLdError(f"The value object {at(path)} is not attached to a property.")
            literal = value_object(element, ctx, special, types, path)
            if literal is not None:
                out.append(literal)
            return
        if "@list" in special or "@set" in special:
            keyword = "@list" if "@list" in special else "@set"
            extra = [n for n in element if n != special[keyword][0]]
            if extra:
                raise JsonLdError(
                    f"The {keyword} object {at(path)} has other members ({', '.join(extra)})."
                )
            if out is None:
                raise JsonLdError(f"The {keyword} object {at(path)} is not attached to a property.")
            name, value = special[keyword]
            if keyword == "@set":
                self.objects(value, ctx, term, graph, (path, name), depth, out, in_graph_container)
            else:
                if in_graph_container:
                    raise JsonLdError(f"A list {at(path)} cannot be a @graph container value.")
                items = value if isinstance(value, list) else [value]
                out.append(self.list_head(items, ctx, term, graph, (path, name), depth + 1))
            return
        if in_graph_container:
            if "@graph" in special:
                raise unsupported("graph objects inside @graph containers", at(path))
            name = self.blank()
            self.node(element, ctx, special, types, name, path, depth, top=False)
            if out is not None:
                out.append(name)
            return
        subject = self.node(element, ctx, special, types, graph, path, depth, top=out is None)
        if out is not None and subject is not None:
            out.append(subject)

    def node(
        self,
        element: dict[str, Any],
        ctx: ActiveContext,
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
            ctx, type_terms = types_for(ctx, types, path)
        subject: str | None = None
        graph_value: Any = _MISSING
        graph_name = "@graph"
        properties: list[tuple[str, Any, Key]] = []
        keys = ctx._keys
        for name, value in element.items():
            if name == "@context":
                continue
            info = keys.get(name) or ctx.key(name)
            keyword = info.keyword
            if keyword is None:
                if info.error is not None:
                    raise UndefinedTerm(
                        f"The property {name!r} {at((path, name))} {info.error}.",
                        hint="Every property must expand to an absolute IRI, or it is not signed.",
                    )
                properties.append((name, value, info))
            elif keyword == "@id":
                if not isinstance(value, str):
                    raise JsonLdError(f"The @id {at((path, name))} must be a string.")
                subject = self.iri(value, ctx, False, (path, name), "@id")
            elif keyword == "@type":
                continue
            elif keyword == "@graph":
                graph_value = value
                graph_name = name
            elif keyword in ("@reverse", "@nest", "@included", "@index"):
                raise unsupported(keyword, at((path, name)))
            else:
                raise JsonLdError(
                    f"The member {name!r} {at((path, name))} ({keyword}) cannot appear in a "
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

    def graph_contents(
        self, value: Any, ctx: ActiveContext, graph: str, path: Path, depth: int
    ) -> None:
        """The node objects of a ``@graph`` member, in graph ``graph``."""
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            item_path = (path, index) if isinstance(value, list) else path
            if item is None:
                continue
            if not isinstance(item, dict):
                raise JsonLdError(f"The @graph member {at(item_path)} must be a node object.")
            self.map(item, ctx, None, graph, item_path, depth + 1, None)

    def property(
        self,
        subject: str,
        name: str,
        value: Any,
        info: Key,
        ctx: ActiveContext,
        graph: str,
        path: Path,
        depth: int,
    ) -> None:
        """The quads of one property of ``subject`` (coercion, lists, @json, graph containers)."""
        predicate = info.predicate
        assert predicate is not None
        term = info.term
        objects: list[str] = []
        if term is not None:
            if term.type == "@json":
                self.emit(subject, predicate, json_literal(value, path), graph)
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
