"""RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 21 May 2024).

The canonical form of a dataset is its quads in canonical N-Quads form (RDFC-1.0
appendix A) with blank nodes relabelled ``_:c14n0``, ``_:c14n1``... by the algorithm of
section 4, sorted in code point order and concatenated. URDNA2015 is the same algorithm.

Two entry points: `canonicalize` takes typed `Quad` values; `canonicalize_encoded` takes
quads whose terms are already written in canonical N-Quads form (the JSON-LD walker
emits those directly, which saves re-serialising every term). Hostile "poison" datasets
are refused with `InvalidInput` once a work budget is spent (RDFC-1.0 §7.1).

Standard library only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import permutations
from typing import TypeAlias

from microcred.errors import InvalidInput, PayloadTooLarge

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Default budget: calls of Hash N-Degree Quads allowed per blank node, overall.
MAX_NDEGREE_CALLS_PER_NODE = 64
#: Default budget: calls of Hash N-Degree Quads allowed in one run, whatever the size.
MAX_NDEGREE_CALLS = 20_000
#: Default budget: permutations of related blank nodes examined, overall.
MAX_PERMUTATIONS = 50_000
#: Default cap on the size of a dataset.
MAX_QUADS = 200_000


# --------------------------------------------------------------------------- terms


@dataclass(frozen=True, slots=True)
class IRI:
    """An absolute IRI."""

    value: str


@dataclass(frozen=True, slots=True)
class BlankNode:
    """A blank node, named by a local identifier (without the ``_:`` prefix)."""

    id: str


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal: lexical form, datatype IRI and, for ``rdf:langString``, a language tag."""

    lexical: str
    datatype: str = XSD_STRING
    language: str | None = None


Term: TypeAlias = IRI | BlankNode | Literal
Subject: TypeAlias = IRI | BlankNode


@dataclass(frozen=True, slots=True)
class Quad:
    """One statement of a dataset; ``graph`` is None for the default graph."""

    subject: Subject
    predicate: IRI
    object: Term
    graph: Subject | None = None


#: A quad as four strings in canonical N-Quads term form (``<iri>``, ``_:label``,
#: ``"lexical"^^<datatype>``...); the graph is ``""`` for the default graph.
EncodedQuad: TypeAlias = tuple[str, str, str, str]


# ------------------------------------------------------------- canonical N-Quads form

# RDFC-1.0 appendix A: BS HT LF FF CR " \ as ECHAR; the other C0 controls, DEL and code
# points outside XML 1.1 ``Char`` (U+0000, surrogates, U+FFFE, U+FFFF) as \\uXXXX.
_LITERAL_SPECIAL = re.compile('[\x00-\x1f\x7f"\\\\\ud800-\udfff\ufffe\uffff]')
_ECHAR = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
# Characters that cannot appear raw inside IRIREF.
_IRI_SPECIAL = re.compile('[\x00-\x20<>"{}|^`\\\\]')


def _uchar(match: re.Match[str]) -> str:
    ch = match.group()
    return _ECHAR.get(ch) or f"\\u{ord(ch):04X}"


def escape_literal(lexical: str) -> str:
    """The body of a STRING_LITERAL_QUOTE in canonical form (without the quotes)."""
    if _LITERAL_SPECIAL.search(lexical) is None:
        return lexical
    return _LITERAL_SPECIAL.sub(_uchar, lexical)


def _escape_iri(iri: str) -> str:
    if _IRI_SPECIAL.search(iri) is None:
        return iri
    return _IRI_SPECIAL.sub(lambda m: f"\\u{ord(m.group()):04X}", iri)


def encode_term(term: Term) -> str:
    """One term in canonical N-Quads form."""
    if isinstance(term, IRI):
        return f"<{_escape_iri(term.value)}>"
    if isinstance(term, BlankNode):
        return f"_:{term.id}"
    if isinstance(term, Literal):
        body = f'"{escape_literal(term.lexical)}"'
        if term.language is not None and term.datatype == RDF_LANG_STRING:
            return f"{body}@{term.language}"
        if term.datatype == XSD_STRING:
            return body
        return f"{body}^^<{_escape_iri(term.datatype)}>"
    raise InvalidInput(f"{term!r} is not an RDF term.")


def encode_quad(quad: Quad) -> EncodedQuad:
    """The quad's terms in canonical N-Quads form."""
    graph = "" if quad.graph is None else encode_term(quad.graph)
    return (encode_term(quad.subject), encode_term(quad.predicate), encode_term(quad.object), graph)


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


def serialize_quad(quad: Quad) -> str:
    """One quad as a canonical N-Quads line, newline included (blank labels unchanged)."""
    return _line(*encode_quad(quad))


def serialize_nquads(quads: Iterable[Quad]) -> str:
    """Quads as N-Quads lines in the given order, blank node labels unchanged."""
    return "".join(serialize_quad(q) for q in quads)


# ------------------------------------------------------------------------ parsing

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_IRIREF = r'<((?:[^\x00-\x20<>"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>'
_BNODE = f"_:([{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)"
_STRING = r'"((?:[^"\\\n\r]|\\[tbnrf"\'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)"'
_LANGTAG = r"@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
_WS = r"[ \t]"
_QUAD = re.compile(
    rf"{_WS}*(?:{_IRIREF}|{_BNODE}){_WS}*{_IRIREF}{_WS}*"
    rf"(?:{_IRIREF}|{_BNODE}|{_STRING}(?:\^\^{_IRIREF}|{_LANGTAG})?){_WS}*"
    rf"(?:(?:{_IRIREF}|{_BNODE}){_WS}*)?\.{_WS}*(?:#.*)?"
)
_BLANK_OR_COMMENT = re.compile(rf"{_WS}*(?:#.*)?")
_UNESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\]))")
_ECHAR_VALUES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'"}
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            return _ECHAR_VALUES.get(m.group(3), "\\")
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF:
            raise InvalidInput(f"\\U{code:08X} is not a Unicode code point.")
        return chr(code)

    return _UNESCAPE.sub(one, text)


def _iri(text: str, line_no: int) -> IRI:
    value = _unescape(text)
    if not _ABSOLUTE_IRI.match(value):
        raise InvalidInput(f"N-Quads line {line_no}: <{value}> is not an absolute IRI.")
    return IRI(value)


def parse_nquads(text: str) -> list[Quad]:
    """Parse an N-Quads document (RDF 1.1 grammar) into quads, in document order."""
    quads: list[Quad] = []
    for line_no, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        m = _QUAD.fullmatch(line)
        if m is None:
            if _BLANK_OR_COMMENT.fullmatch(line):
                continue
            raise InvalidInput(f"N-Quads line {line_no} is not a valid statement: {line[:80]!r}")
        g = m.groups()
        subject: Subject = _iri(g[0], line_no) if g[0] is not None else BlankNode(g[1])
        predicate = _iri(g[2], line_no)
        obj: Term
        if g[3] is not None:
            obj = _iri(g[3], line_no)
        elif g[4] is not None:
            obj = BlankNode(g[4])
        elif g[6] is not None:
            obj = Literal(_unescape(g[5]), _iri(g[6], line_no).value)
        elif g[7] is not None:
            obj = Literal(_unescape(g[5]), RDF_LANG_STRING, g[7])
        else:
            obj = Literal(_unescape(g[5]))
        graph: Subject | None = None
        if g[8] is not None:
            graph = _iri(g[8], line_no)
        elif g[9] is not None:
            graph = BlankNode(g[9])
        quads.append(Quad(subject, predicate, obj, graph))
    return quads


# ------------------------------------------------------------------ the algorithm


class _Issuer:
    """An identifier issuer (RDFC-1.0 §4.5): prefix, counter, issued map in issue order."""

    __slots__ = ("issued", "prefix")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {} if issued is None else issued

    def issue(self, existing: str) -> str:
        label = self.issued.get(existing)
        if label is None:
            label = f"{self.prefix}{len(self.issued)}"
            self.issued[existing] = label
        return label

    def copy(self) -> _Issuer:
        return _Issuer(self.prefix, dict(self.issued))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Canonicalizer:
    """State of one run of the canonicalization algorithm (RDFC-1.0 §4.4)."""

    def __init__(self, quads: list[EncodedQuad], max_calls: int, max_permutations: int) -> None:
        self.bnode_quads: dict[str, list[EncodedQuad]] = {}
        for quad in quads:
            s, _, o, g = quad
            if s[0] == "_":
                self.bnode_quads.setdefault(s, []).append(quad)
            if o[0] == "_" and o != s:
                self.bnode_quads.setdefault(o, []).append(quad)
            if g and g[0] == "_" and g not in (s, o):
                self.bnode_quads.setdefault(g, []).append(quad)
        self.canonical = _Issuer("_:c14n")
        self.first_degree: dict[str, str] = {}
        self.calls_left = max_calls
        self.permutations_left = max_permutations

    def hash_first_degree(self, node: str) -> str:
        """Hash First Degree Quads (§4.6)."""
        lines = []
        for s0, p, o0, g0 in self.bnode_quads[node]:
            s = ("_:a" if s0 == node else "_:z") if s0[0] == "_" else s0
            o = ("_:a" if o0 == node else "_:z") if o0[0] == "_" else o0
            if g0:
                g = ("_:a" if g0 == node else "_:z") if g0[0] == "_" else g0
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        digest = _sha256("".join(lines))
        self.first_degree[node] = digest
        return digest

    def hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        """Hash Related Blank Node (§4.7); labels carry their ``_:`` prefix already."""
        label = self.canonical.issued.get(related) or issuer.issued.get(related)
        if label is None:
            label = self.first_degree[related]
        if position == "g":
            return _sha256(f"g{label}")
        return _sha256(f"{position}{predicate}{label}")

    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        """Hash N-Degree Quads (§4.8)."""
        self.calls_left -= 1
        if self.calls_left < 0:
            raise InvalidInput(
                "The RDF dataset is too costly to canonicalise (blank node symmetries).",
                hint="This looks like a 'poison' graph; RDFC-1.0 §7.1 advises refusing it.",
            )
        related_by_hash: dict[str, list[str]] = {}
        for s, p, o, g in self.bnode_quads[node]:
            if s[0] == "_" and s != node:
                related_by_hash.setdefault(self.hash_related(s, p, issuer, "s"), []).append(s)
            if o[0] == "_" and o != node:
                related_by_hash.setdefault(self.hash_related(o, p, issuer, "o"), []).append(o)
            if g and g[0] == "_" and g != node:
                related_by_hash.setdefault(self.hash_related(g, p, issuer, "g"), []).append(g)

        data_to_hash: list[str] = []
        for related_hash in sorted(related_by_hash):
            data_to_hash.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in self._permutations(related_by_hash[related_hash]):
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    label = self.canonical.issued.get(related)
                    if label is not None:
                        path += label
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data_to_hash.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return _sha256("".join(data_to_hash)), issuer

    def _permutations(self, nodes: list[str]) -> Iterator[tuple[str, ...]]:
        for permutation in permutations(nodes):
            self.permutations_left -= 1
            if self.permutations_left < 0:
                raise InvalidInput(
                    "The RDF dataset is too costly to canonicalise (too many permutations).",
                    hint="This looks like a 'poison' graph; RDFC-1.0 §7.1 advises refusing it.",
                )
            yield permutation

    def run(self) -> dict[str, str]:
        """Steps 3-5 of §4.4.3: the issued identifiers map (input label -> ``_:c14nN``)."""
        by_hash: dict[str, list[str]] = {}
        for node in self.bnode_quads:
            by_hash.setdefault(self.hash_first_degree(node), []).append(node)
        shared: list[tuple[str, list[str]]] = []
        for digest in sorted(by_hash):
            nodes = by_hash[digest]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append((digest, nodes))
        for _, nodes in shared:
            paths: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                paths.append(self.hash_n_degree(node, temporary))
            paths.sort(key=lambda result: result[0])
            for _, issuer in paths:
                for existing in issuer.issued:
                    self.canonical.issue(existing)
        return self.canonical.issued


def canonical_labels(
    quads: Iterable[EncodedQuad],
    *,
    max_calls_per_node: int = MAX_NDEGREE_CALLS_PER_NODE,
    max_permutations: int = MAX_PERMUTATIONS,
) -> dict[str, str]:
    """The canonical label (``_:c14nN``) RDFC-1.0 issues for each blank node (``_:x``)."""
    unique = list(dict.fromkeys(quads))
    state = _Canonicalizer(unique, 0, max_permutations)
    state.calls_left = min(MAX_NDEGREE_CALLS, max(1, len(state.bnode_quads)) * max_calls_per_node)
    return state.run()


def canonicalize_encoded(
    quads: Iterable[EncodedQuad],
    *,
    max_quads: int = MAX_QUADS,
    max_calls_per_node: int = MAX_NDEGREE_CALLS_PER_NODE,
    max_permutations: int = MAX_PERMUTATIONS,
) -> str:
    """Canonical N-Quads of quads already in canonical term form (duplicates removed)."""
    unique = list(dict.fromkeys(quads))
    if len(unique) > max_quads:
        raise PayloadTooLarge(f"The dataset has {len(unique)} quads; the limit is {max_quads}.")
    state = _Canonicalizer(unique, 0, max_permutations)
    if not state.bnode_quads:
        return "".join(sorted(_line(*q) for q in unique))
    state.calls_left = min(MAX_NDEGREE_CALLS, len(state.bnode_quads) * max_calls_per_node)
    labels = state.run()
    lines = []
    for s0, p, o0, g0 in unique:
        s = labels[s0] if s0[0] == "_" else s0
        o = labels[o0] if o0[0] == "_" else o0
        if g0:
            g = labels[g0] if g0[0] == "_" else g0
            lines.append(f"{s} {p} {o} {g} .\n")
        else:
            lines.append(f"{s} {p} {o} .\n")
    lines.sort()
    return "".join(lines)


def canonicalize(
    quads: Iterable[Quad],
    *,
    max_quads: int = MAX_QUADS,
    max_calls_per_node: int = MAX_NDEGREE_CALLS_PER_NODE,
    max_permutations: int = MAX_PERMUTATIONS,
) -> str:
    """The RDFC-1.0 serialized canonical form (canonical N-Quads) of a dataset.

    Raises `InvalidInput` when the dataset exceeds the work budget (poison graphs) and
    `PayloadTooLarge` when it has more than ``max_quads`` distinct quads.
    """
    return canonicalize_encoded(
        (encode_quad(q) for q in quads),
        max_quads=max_quads,
        max_calls_per_node=max_calls_per_node,
        max_permutations=max_permutations,
    )
