"""Rank skills and occupations of a taxonomy for a piece of text, fully offline.

The ranking is a hybrid of signals, each normalised to [0, 1] per query and mixed by the length of
the text (:class:`Weights`):

* **label coverage** — how completely a skill's preferred or alternative label (ESCO lists ~7 per
  skill) is covered by the text, on Porter stems and weighted by inverse document frequency, so
  "managed the kitchen budget" covers "manage budgets"; rare, specific labels count more than
  one common word;
* **text relevance** — TF-IDF cosine and BM25 over each skill's labels and description;
* **occupation evidence** — the text is also matched against occupations, and the skills the
  best-matching occupations need (essential more than optional) gain weight. This is what makes
  a job description find the skills a role needs even when it does not name them;
* **semantic** (optional) — any :class:`Embedder` (a model mapping texts to L2-normalised rows)
  adds cosine similarity with each label.

Sentences are led by label coverage; job ads and descriptions by cosine and occupation evidence.
``bench/skills_match.py`` measures it against a TF-IDF baseline.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.skills.taxonomy import Taxonomy
from microcred.skills.taxonomy_loader import load_taxonomy

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

#: Longest text accepted (characters); a long job advert is ~10,000.
MAX_TEXT_CHARS = 100_000
MAX_TOP_K = 500


class Embedder(Protocol):
    """A sentence-embedding model: one L2-normalised row per text."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.floating]:
        """Embed ``texts``; row ``i`` is text ``i``, L2-normalised."""
        ...


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked concept: its URI, preferred label and score in [0, 1]."""

    uri: str
    label: str
    score: float
    #: the label (preferred or alternative) that matched the text best, when one did
    matched_label: str = ""

    def to_dict(self) -> dict[str, str | float]:
        """A JSON-ready mapping with ``uri``, ``label`` and ``score``."""
        return {"uri": self.uri, "label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class ProfileSkill:
    """A skill proposed for a role profile, with where the proposal comes from."""

    uri: str
    label: str
    score: float
    #: occupations (URIs) that list this skill, among those matched
    from_occupations: tuple[str, ...] = ()
    #: whether the text itself names the skill (not only the occupations)
    named_in_text: bool = False


@dataclass(frozen=True, slots=True)
class RoleProfileDraft:
    """A role profile drafted from a job description, for a person to review."""

    occupations: list[Match]
    essential: list[ProfileSkill]
    optional: list[ProfileSkill]
    #: skills the text names directly, whatever the occupations say
    matched: list[Match] = field(default_factory=list)


# --- text to stems -------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:\+\+|#)?")
_STOP = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "etc",
        "e",
        "g",
        "eg",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "ie",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "within",
        "including",
        "include",
        "includes",
        "etc",
        "using",
        "use",
        "used",
        "via",
        "per",
        "across",
        "well",
        "must",
        "may",
        "might",
        "shall",
    ]
)
_BRITISH = (
    (re.compile(r"isation(s?)$"), r"ization\1"),
    (re.compile(r"(?<=.{3})is(e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"(?<=.{3})ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=.{2}[^aeiou])our(s?)$"), r"or\1"),
    (re.compile(r"(?<=.{3})tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
)


def _is_consonant(w: str, i: int) -> bool:
    ch = w[i]
    if ch in "aeiou":
        return False
    if ch == "y":
        return i == 0 or not _is_consonant(w, i - 1)
    return True


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in ``stem``."""
    m, i, n = 0, 0, len(stem)
    while i < n and _is_consonant(stem, i):
        i += 1
    while i < n:
        while i < n and not _is_consonant(stem, i):
            i += 1
        if i >= n:
            break
        m += 1
        while i < n and _is_consonant(stem, i):
            i += 1
    return m


def _has_vowel(stem: str) -> bool:
    return any(not _is_consonant(stem, i) for i in range(len(stem)))


def _double_consonant(w: str) -> bool:
    return len(w) >= 2 and w[-1] == w[-2] and _is_consonant(w, len(w) - 1)


def _cvc(w: str) -> bool:
    return (
        len(w) >= 3
        and _is_consonant(w, len(w) - 3)
        and not _is_consonant(w, len(w) - 2)
        and _is_consonant(w, len(w) - 1)
        and w[-1] not in "wxy"
    )


_STEP2 = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ("logi", "log"),
)  # fmt: skip
_STEP3 = (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
    ("ful", ""), ("ness", ""),
)  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
    "ism", "ate", "iti", "ous", "ive", "ize",
)  # fmt: skip


def porter_stem(word: str) -> str:
    """The Porter (1980) stem of a lower-case English word."""
    w = word
    if len(w) <= 2:
        return w
    # step 1a
    if w.endswith("sses") or w.endswith("ies"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    # step 1b
    cleanup = False
    if w.endswith("eed"):
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    elif w.endswith("ed") and _has_vowel(w[:-2]):
        w, cleanup = w[:-2], True
    elif w.endswith("ing") and _has_vowel(w[:-3]):
        w, cleanup = w[:-3], True
    if cleanup:
        if w.endswith(("at", "bl", "iz")):
            w += "e"
        elif _double_consonant(w) and w[-1] not in "lsz":
            w = w[:-1]
        elif _measure(w) == 1 and _cvc(w):
            w += "e"
    # step 1c
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    # steps 2 and 3
    for table in (_STEP2, _STEP3):
        for suffix, repl in table:
            if w.endswith(suffix):
                if _measure(w[: -len(suffix)]) > 0:
                    w = w[: -len(suffix)] + repl
                break
    # step 4
    for suffix in _STEP4:
        if w.endswith(suffix):
            stem = w[: -len(suffix)]
            if _measure(stem) > 1 and (suffix != "ion" or stem.endswith(("s", "t"))):
                w = stem
            break
    # step 5
    if w.endswith("e"):
        stem = w[:-1]
        if _measure(stem) > 1 or (_measure(stem) == 1 and not _cvc(stem)):
            w = stem
    if _measure(w) > 1 and _double_consonant(w) and w.endswith("l"):
        w = w[:-1]
    return w


#: Words Porter conflates with unrelated ones (experience/experiment, general/generate...).
_STEM_EXCEPTIONS = {
    **dict.fromkeys(("experience", "experiences", "experienced"), "experienc"),
    **dict.fromkeys(("general", "generally", "generalist"), "general"),
    **dict.fromkeys(("community", "communities"), "communiti"),
    **dict.fromkeys(("university", "universities"), "universiti"),
    "provenance": "provenanc",
    "proven": "prove",
    "news": "news",
}


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    if token in _STEM_EXCEPTIONS:
        return _STEM_EXCEPTIONS[token]
    if len(token) > 5:
        for pattern, repl in _BRITISH:
            token = pattern.sub(repl, token)
    return porter_stem(token)


#: Common job-ad abbreviations ESCO spells out ("UX designer" → "user experience designer").
_ABBREVIATIONS = {
    "ux": ("user", "experience"),
    "ui": ("user", "interface"),
    "hr": ("human", "resources"),
    "qa": ("quality", "assurance"),
    "hgv": ("heavy", "goods", "vehicle"),
    "ai": ("artificial", "intelligence"),
    "ml": ("machine", "learning"),
    "seo": ("search", "engine", "optimisation"),
    "crm": ("customer", "relationship", "management"),
    "erp": ("enterprise", "resource", "planning"),
}


def stems(text: str) -> list[str]:
    """Content-word stems of ``text``, in order (stop words dropped, British spelling folded,
    a few abbreviations spelt out)."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        if token in _STOP:
            continue
        out.extend(_stem(t) for t in _ABBREVIATIONS.get(token, (token,)))
    return out


# --- an index over labelled documents ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnalysedConcepts:
    """Concepts reduced to stem ids: what an index is built from, and what gets cached."""

    vocab: list[str]
    #: label rows: stems of label j are label_terms[label_ptr[j]:label_ptr[j + 1]]
    label_ptr: npt.NDArray[np.int64]
    label_terms: IntArray
    #: first label of each concept
    label_start: IntArray
    #: per concept: distinct stems and their counts over labels + description
    doc_ptr: npt.NDArray[np.int64]
    doc_terms: IntArray
    doc_tf: npt.NDArray[np.uint16]

    @classmethod
    def of(cls, labels: Sequence[Sequence[str]], descriptions: Sequence[str]) -> AnalysedConcepts:
        """Analyse concept ``i`` with labels ``labels[i]`` (preferred first) and description."""
        vocab: dict[str, int] = {}

        def ids(text: str) -> list[int]:
            return [vocab.setdefault(st, len(vocab)) for st in stems(text)]

        label_rows: list[list[int]] = []
        label_start = np.zeros(len(labels) + 1, dtype=np.int32)
        docs: list[dict[int, int]] = []
        for i, (names, desc) in enumerate(zip(labels, descriptions, strict=True)):
            tf: dict[int, int] = {}
            for name in names:
                row = sorted(set(ids(name)))
                label_rows.append(row)
                for t in row:
                    tf[t] = tf.get(t, 0) + 1
            for t in ids(desc):
                tf[t] = tf.get(t, 0) + 1
            docs.append(tf)
            label_start[i + 1] = len(label_rows)
        label_ptr = np.zeros(len(label_rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in label_rows], out=label_ptr[1:])
        doc_ptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(tf) for tf in docs], out=doc_ptr[1:])
        return cls(
            list(vocab),
            label_ptr,
            np.fromiter((t for r in label_rows for t in r), np.int32, int(label_ptr[-1])),
            label_start,
            doc_ptr,
            np.fromiter((t for tf in docs for t in tf), np.int32, int(doc_ptr[-1])),
            np.fromiter(
                (min(c, 65_535) for tf in docs for c in tf.values()), np.uint16, int(doc_ptr[-1])
            ),
        )

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[np.generic]]:
        """The arrays to store, names prefixed."""
        return {
            f"{prefix}vocab": np.array("\n".join(self.vocab).encode(), dtype=np.bytes_),
            f"{prefix}label_ptr": self.label_ptr,
            f"{prefix}label_terms": self.label_terms,
            f"{prefix}label_start": self.label_start,
            f"{prefix}doc_ptr": self.doc_ptr,
            f"{prefix}doc_terms": self.doc_terms,
            f"{prefix}doc_tf": self.doc_tf,
        }

    @classmethod
    def from_arrays(
        cls, data: Mapping[str, npt.NDArray[np.generic]], prefix: str
    ) -> AnalysedConcepts:
        """Inverse of :meth:`arrays`."""
        vocab_bytes = bytes(data[f"{prefix}vocab"].item())
        return cls(
            vocab_bytes.decode().split("\n") if vocab_bytes else [],
            data[f"{prefix}label_ptr"].astype(np.int64),
            data[f"{prefix}label_terms"].astype(np.int32),
            data[f"{prefix}label_start"].astype(np.int32),
            data[f"{prefix}doc_ptr"].astype(np.int64),
            data[f"{prefix}doc_terms"].astype(np.int32),
            data[f"{prefix}doc_tf"].astype(np.uint16),
        )


@dataclass(frozen=True, slots=True)
class Postings:
    """A term-major sparse matrix: for each term, the rows it occurs in and a weight."""

    ptr: npt.NDArray[np.int64]
    rows: IntArray
    weights: FloatArray
    n_rows: int

    @classmethod
    def of_rows(
        cls, row_ptr: npt.NDArray[np.int64], terms: IntArray, weights: FloatArray, n_terms: int
    ) -> Postings:
        """Transpose a row-major (CSR-like) matrix."""
        row_of = np.repeat(np.arange(len(row_ptr) - 1, dtype=np.int32), np.diff(row_ptr))
        order = np.argsort(terms, kind="stable")
        ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=ptr[1:])
        return cls(ptr, row_of[order], weights[order].astype(np.float32), len(row_ptr) - 1)

    def gather(self, term_ids: Sequence[int]) -> tuple[IntArray, FloatArray]:
        """Rows and weights of the postings of ``term_ids``, concatenated."""
        if not term_ids:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        spans = [(int(self.ptr[t]), int(self.ptr[t + 1])) for t in term_ids]
        rows = np.concatenate([self.rows[a:b] for a, b in spans])
        weights = np.concatenate([self.weights[a:b] for a, b in spans])
        return rows, weights

    def weighted_dot(self, term_ids: Sequence[int], term_weights: FloatArray) -> FloatArray:
        """Each row's sum over ``term_ids`` of posting weight × term weight."""
        rows, weights = self.gather(term_ids)
        lengths = [int(self.ptr[t + 1] - self.ptr[t]) for t in term_ids]
        scaled = weights * np.repeat(term_weights.astype(np.float32), lengths)
        return np.bincount(rows, weights=scaled, minlength=self.n_rows).astype(np.float32)

    def dot(self, term_ids: Sequence[int]) -> FloatArray:
        """Each row's sum of weights over ``term_ids`` (a matrix-vector product with 0/1)."""
        rows, weights = self.gather(term_ids)
        return np.bincount(rows, weights=weights, minlength=self.n_rows).astype(np.float32)


@dataclass(slots=True)
class ConceptIndex:
    """Lexical index over concepts that have labels and a description."""

    vocab: dict[str, int]
    idf: FloatArray
    #: label × term idf weights (each distinct stem of a label)
    label_postings: Postings
    #: idf mass of each label (sum over its distinct stems)
    label_mass: FloatArray
    #: first label row of each concept; concept i owns rows label_start[i]:label_start[i+1]
    label_start: IntArray
    #: the concept owning each label row
    label_owner: IntArray
    #: concept × term BM25 weights over labels + description
    bm25: Postings
    #: concept × term TF-IDF weights (sublinear tf, rows L2-normalised)
    tfidf: Postings

    @classmethod
    def build(cls, a: AnalysedConcepts) -> ConceptIndex:
        """Weigh analysed concepts: idf, label masses, BM25 (k1 = 1.2, b = 0.75)."""
        n_docs, n_terms = len(a.label_start) - 1, len(a.vocab)
        df = np.bincount(a.doc_terms, minlength=n_terms).astype(np.float64)
        idf = np.log((n_docs - df + 0.5) / (df + 0.5) + 1.0).astype(np.float32)
        label_weights = idf[a.label_terms]
        n_labels = len(a.label_ptr) - 1
        label_owner = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(a.label_start))
        row_of = np.repeat(np.arange(n_labels, dtype=np.int32), np.diff(a.label_ptr))
        label_mass = np.bincount(row_of, weights=label_weights, minlength=n_labels)
        tf = a.doc_tf.astype(np.float32)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(a.doc_ptr))
        lengths = np.bincount(doc_of, weights=tf, minlength=n_docs).astype(np.float32)
        avg = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        norm = np.repeat(1.2 * (0.25 + 0.75 * lengths / avg), np.diff(a.doc_ptr))
        weights = idf[a.doc_terms] * tf * 2.2 / (tf + norm)
        cosine = (1.0 + np.log(np.maximum(tf, 1.0))) * idf[a.doc_terms]
        doc_norm = np.sqrt(np.bincount(doc_of, weights=cosine**2, minlength=n_docs))
        cosine = cosine / np.repeat(np.maximum(doc_norm, 1e-9), np.diff(a.doc_ptr))
        return cls(
            {t: i for i, t in enumerate(a.vocab)},
            idf,
            Postings.of_rows(a.label_ptr, a.label_terms, label_weights, n_terms),
            label_mass.astype(np.float32),
            a.label_start,
            label_owner,
            Postings.of_rows(a.doc_ptr, a.doc_terms, weights.astype(np.float32), n_terms),
            Postings.of_rows(a.doc_ptr, a.doc_terms, cosine.astype(np.float32), n_terms),
        )

    def __len__(self) -> int:
        return int(self.label_start.shape[0]) - 1

    def query_terms(self, text_stems: Sequence[str]) -> tuple[list[int], float]:
        """The distinct known terms of a query and their idf mass."""
        ids = sorted({self.vocab[s] for s in text_stems if s in self.vocab})
        return ids, float(self.idf[ids].sum()) if ids else 0.0

    def label_scores(
        self, terms: Sequence[int], q_mass: float, *, query_weight: float, specificity: float
    ) -> tuple[FloatArray, IntArray]:
        """Best label score per concept, and the row of that label (-1 when none matched).

        A label scores ``coverage² · min(1, mass / specificity) · query_coverage^query_weight``:
        coverage is the share of the label's idf mass found in the text.
        """
        rows, weights = self.label_postings.gather(terms)
        best = np.zeros(len(self), dtype=np.float32)
        best_row = np.full(len(self), -1, dtype=np.int32)
        if rows.size == 0:
            return best, best_row
        touched, inverse = np.unique(rows, return_inverse=True)
        shared = np.bincount(inverse, weights=weights).astype(np.float32)
        mass = self.label_mass[touched]
        score = (shared / mass) ** 2 * np.minimum(1.0, mass / specificity)
        if query_weight and q_mass > 0:
            score = score * (shared / q_mass) ** query_weight
        owner = self.label_owner[touched]
        # best label per concept: sort by (owner, score) and keep each owner's last
        order = np.lexsort((score, owner))
        last = np.flatnonzero(np.r_[owner[order][1:] != owner[order][:-1], True])
        keep = order[last]
        best[owner[keep]] = score[keep]
        best_row[owner[keep]] = touched[keep]
        return best, best_row

    def cosine_scores(self, text_stems: Sequence[str]) -> FloatArray:
        """Cosine similarity of the text's TF-IDF vector (sublinear tf) with every concept."""
        counts: dict[int, int] = {}
        for s in text_stems:
            t = self.vocab.get(s)
            if t is not None:
                counts[t] = counts.get(t, 0) + 1
        if not counts:
            return np.zeros(len(self), dtype=np.float32)
        ids = list(counts)
        w = (1.0 + np.log(np.array(list(counts.values()), dtype=np.float32))) * self.idf[ids]
        return self.tfidf.weighted_dot(ids, (w / float(np.linalg.norm(w))).astype(np.float32))

    def bm25_scores(self, terms: Sequence[int]) -> FloatArray:
        """BM25 of every concept for the query terms (each counted once)."""
        return self.bm25.dot(terms)


def _normalised(x: FloatArray) -> FloatArray:
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else x


# --- the matcher ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals combine.

    The defaults were chosen on the "dev" halves of the two benchmarks in ``bench/skills_match.py``
    (ESCO occupation descriptions, Green et al. job-ad sentences); the "test" halves are reported.
    """

    #: direct skill signals for long texts (job ads, descriptions): label coverage, BM25,
    #: TF-IDF cosine, embedding cosine
    label: float = 0.165
    bm25: float = 0.0
    cosine: float = 1.5
    semantic: float = 0.5
    #: the same for short texts (a sentence, a title): led by label coverage
    short_label: float = 0.55
    short_bm25: float = 0.45
    short_cosine: float = 0.0
    short_semantic: float = 0.1
    #: texts of ≤ ``short_text`` content words use the short mix, ≥ ``long_text`` the long
    #: one, and those between a blend
    short_text: int = 10
    long_text: int = 40
    #: occupation signals (for occupation evidence; job titles use their own mix)
    occ_label: float = 0.3
    occ_bm25: float = 0.45
    occ_cosine: float = 1.0
    occ_semantic: float = 0.0
    #: weight of occupation evidence for texts of ≥ ``long_text`` content words; it grows
    #: linearly from zero at ``occupation_text`` content words
    occupations: float = 2.0
    occupation_text: int = 10
    #: how much occupation evidence multiplies the direct score of skills the text matched
    occ_boost: float = 0.0
    #: how many of the best occupations lend their skills, and how sharply they are weighted
    top_occupations: int = 20
    occ_power: float = 2.0
    optional_share: float = 0.5
    specificity: float = 8.0


def _check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("The text to match is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLarge(f"The text to match is longer than {MAX_TEXT_CHARS:,} characters.")
    return text


def _check_k(top_k: int) -> int:
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}.")
    return top_k


def _top(scores: FloatArray, k: int) -> IntArray:
    k = min(k, int(scores.shape[0]))
    if k <= 0:
        return np.zeros(0, dtype=np.int32)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int32)


#: Bumped whenever tokenising or stemming changes, so cached analyses are rebuilt.
ANALYZER_VERSION = "porter-3"
INDEX_FILE = "index.npz"


def _labels(labels: Sequence[str], alts: Sequence[Sequence[str]]) -> list[list[str]]:
    return [[lab, *alt] for lab, alt in zip(labels, alts, strict=True)]


def analyse_taxonomy(taxonomy: Taxonomy) -> tuple[AnalysedConcepts, AnalysedConcepts]:
    """Skills and occupations reduced to stems (a few seconds for ESCO)."""
    t = taxonomy
    return (
        AnalysedConcepts.of(_labels(t.skills.label, t.skills.alt_labels), t.skills.description),
        AnalysedConcepts.of(
            _labels(t.occupations.label, t.occupations.alt_labels), t.occupations.description
        ),
    )


def write_index(taxonomy: Taxonomy, folder: Path, fingerprint: str) -> Path:
    """Store the analysed taxonomy beside its bundle so matchers start fast."""
    skills, occupations = analyse_taxonomy(taxonomy)
    path = folder / INDEX_FILE
    arrays: dict[str, Any] = {
        "analyzer": np.array(ANALYZER_VERSION.encode(), dtype=np.bytes_),
        "fingerprint": np.array(fingerprint.encode(), dtype=np.bytes_),
        **skills.arrays("skills_"),
        **occupations.arrays("occupations_"),
    }
    with path.open("wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def analysed_taxonomy(taxonomy: Taxonomy) -> tuple[AnalysedConcepts, AnalysedConcepts]:
    """The stored analysis of a bundle when it is current, else a fresh one."""
    if taxonomy.folder is not None and taxonomy.fingerprint:
        try:
            with np.load(taxonomy.folder / INDEX_FILE) as data:
                if (
                    bytes(data["analyzer"].item()).decode() == ANALYZER_VERSION
                    and bytes(data["fingerprint"].item()).decode() == taxonomy.fingerprint
                ):
                    skills = AnalysedConcepts.from_arrays(data, "skills_")
                    occupations = AnalysedConcepts.from_arrays(data, "occupations_")
                    if (
                        len(skills.label_start) == len(taxonomy.skills) + 1
                        and len(occupations.label_start) == len(taxonomy.occupations) + 1
                    ):
                        return skills, occupations
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            pass  # absent or stale: analyse afresh
    return analyse_taxonomy(taxonomy)


class SkillMatcher:
    """Ranks a taxonomy's skills and occupations for free text."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        embedder: Embedder | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.weights = weights or Weights()
        skills, occupations = analysed_taxonomy(taxonomy)
        self.skills = ConceptIndex.build(skills)
        self.occupations = ConceptIndex.build(occupations)
        #: weight of each occupation→skill link: 1 essential, optional_share optional
        self._link_value = np.where(
            taxonomy.links.essential, 1.0, self.weights.optional_share
        ).astype(np.float32)
        self._skill_vectors: FloatArray | None = None
        self._occupation_vectors: FloatArray | None = None
        self._lock = threading.Lock()

    def _evidence(self, occupations: IntArray, weights: FloatArray) -> FloatArray:
        """Per skill: the sum of the given occupations' weights times each link's value."""
        links = self.taxonomy.links
        out = np.zeros(len(self.taxonomy.skills), dtype=np.float32)
        for o, weight in zip(occupations, weights, strict=True):
            lo, hi = int(links.start[o]), int(links.start[o + 1])
            out[links.skill[lo:hi]] += float(weight) * self._link_value[lo:hi]
        return out

    def _label_text(self, skill: int, row: int) -> str:
        if row < 0:
            return ""
        k = row - int(self.skills.label_start[skill])
        return (
            self.taxonomy.skills.label[skill]
            if k == 0
            else self.taxonomy.skills.alt_labels[skill][k - 1]
        )

    # --- semantic signal -------------------------------------------------------------------

    def _embed_concepts(self) -> tuple[FloatArray, FloatArray]:
        assert self.embedder is not None
        with self._lock:
            if self._skill_vectors is None or self._occupation_vectors is None:
                t = self.taxonomy
                self._skill_vectors = np.asarray(
                    self.embedder.embed(t.skills.label), dtype=np.float32
                )
                self._occupation_vectors = np.asarray(
                    self.embedder.embed(t.occupations.label), dtype=np.float32
                )
            return self._skill_vectors, self._occupation_vectors

    def _semantic(self, text: str, occupations: bool) -> FloatArray | None:
        if self.embedder is None:
            return None
        skill_vecs, occ_vecs = self._embed_concepts()
        q = np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]
        sims: FloatArray = np.clip((occ_vecs if occupations else skill_vecs) @ q, 0.0, None)
        return sims.astype(np.float32)

    # --- scoring -------------------------------------------------------------------------------

    def occupation_signals(self, text: str, *, title: bool = False) -> dict[str, FloatArray]:
        """The raw per-occupation signals, each normalised to [0, 1]."""
        words = stems(_check_text(text))
        index = self.occupations
        q, mass = index.query_terms(words)
        label, _ = index.label_scores(
            q, mass, query_weight=1.0 if title else 0.0, specificity=self.weights.specificity
        )
        out = {
            "label": _normalised(label),
            "bm25": _normalised(index.bm25_scores(q)),
            "cosine": _normalised(index.cosine_scores(words)),
        }
        sem = self._semantic(text, occupations=True)
        if sem is not None:
            out["semantic"] = _normalised(sem)
        return out

    def combine_occupations(self, signals: dict[str, FloatArray], title: bool) -> FloatArray:
        """Weighted sum of occupation signals, normalised."""
        w = self.weights
        weights = {
            "label": 0.7 if title else w.occ_label,
            "bm25": 0.3 if title else w.occ_bm25,
            "cosine": 0.0 if title else w.occ_cosine,
            "semantic": w.occ_semantic,
        }
        total = sum(weights[k] * v for k, v in signals.items())
        return _normalised(np.asarray(total, dtype=np.float32))

    def occupation_scores(self, text: str, *, title: bool = False) -> FloatArray:
        """A score in [0, 1] for every occupation (``title``: the text is a job title)."""
        return self.combine_occupations(self.occupation_signals(text, title=title), title)

    def skill_signals(self, text: str) -> tuple[dict[str, FloatArray], IntArray, int]:
        """The raw per-skill signals (each in [0, 1]), best-label rows, content-word count."""
        words = stems(_check_text(text))
        index = self.skills
        q, mass = index.query_terms(words)
        label, rows = index.label_scores(
            q, mass, query_weight=0.0, specificity=self.weights.specificity
        )
        out = {
            "label": _normalised(label),
            "bm25": _normalised(index.bm25_scores(q)),
            "cosine": _normalised(index.cosine_scores(words)),
        }
        sem = self._semantic(text, occupations=False)
        if sem is not None:
            out["semantic"] = _normalised(sem)
        return out, rows, len(words)

    def combine_skills(
        self, signals: dict[str, FloatArray], n_words: int, occupations: FloatArray | None
    ) -> FloatArray:
        """Weighted sum of skill signals plus occupation evidence, normalised."""
        w = self.weights
        share = min(1.0, max(0.0, (n_words - w.short_text) / max(1, w.long_text - w.short_text)))
        weights = {
            "label": w.short_label + (w.label - w.short_label) * share,
            "bm25": w.short_bm25 + (w.bm25 - w.short_bm25) * share,
            "cosine": w.short_cosine + (w.cosine - w.short_cosine) * share,
            "semantic": w.short_semantic + (w.semantic - w.short_semantic) * share,
        }
        total = _normalised(
            np.asarray(sum(weights[k] * v for k, v in signals.items()), dtype=np.float32)
        )
        span = max(1, w.long_text - w.occupation_text)
        lend = min(1.0, max(0.0, (n_words - w.occupation_text) / span))
        if occupations is not None and len(self.taxonomy.links):
            best = _top(occupations, w.top_occupations)
            evidence = _normalised(self._evidence(best, occupations[best] ** w.occ_power))
            # short texts: evidence only reorders what the text itself matched;
            # long texts: it also adds skills the text does not name
            total = total * (1.0 + w.occ_boost * evidence) + w.occupations * lend * evidence
        return _normalised(np.asarray(total, dtype=np.float32))

    def skill_scores(
        self, text: str, *, ignore_occupations: Collection[str] = ()
    ) -> tuple[FloatArray, IntArray]:
        """A score in [0, 1] for every skill, and the row of each skill's best label.

        ``ignore_occupations`` leaves those occupations out of the occupation evidence (for
        evaluation, or when the text *is* that occupation's description).
        """
        signals, rows, n_words = self.skill_signals(text)
        occ = None
        if self.weights.occupations > 0 and len(self.taxonomy.links):
            occ = self.occupation_scores(text).copy()
            for uri in ignore_occupations:
                occ[self.taxonomy.occupation_index(uri)] = 0.0
        return self.combine_skills(signals, n_words, occ), rows

    # --- public API ------------------------------------------------------------------------------

    def match_skills(
        self, text: str, top_k: int = 10, *, ignore_occupations: Collection[str] = ()
    ) -> list[Match]:
        """The ``top_k`` skills best matching ``text`` (a sentence, a job ad, evidence)."""
        scores, rows = self.skill_scores(text, ignore_occupations=ignore_occupations)
        t = self.taxonomy.skills
        return [
            Match(
                t.uri[i],
                t.label[i],
                float(scores[i]),
                self._label_text(i, int(rows[i])),
            )
            for i in _top(scores, _check_k(top_k))
            if scores[i] > 0
        ]

    def match_occupations(self, title: str, top_k: int = 10) -> list[Match]:
        """The ``top_k`` occupations best matching a job title (or a longer description)."""
        is_title = len(stems(_check_text(title))) <= 12
        scores = self.occupation_scores(title, title=is_title)
        t = self.taxonomy.occupations
        return [
            Match(t.uri[i], t.label[i], float(scores[i]))
            for i in _top(scores, _check_k(top_k))
            if scores[i] > 0 and t.label[i] and not t.label[i].startswith("(")
        ]

    def suggest_alignments(self, text: str, top_k: int = 10) -> list[Match]:
        """Skills to align a new micro-credential to, from its title, description or criteria."""
        return self.match_skills(text, top_k)

    def draft_role_profile(
        self,
        job_description: str,
        *,
        occupations: int = 3,
        max_skills: int = 30,
        matched: int = 15,
    ) -> RoleProfileDraft:
        """Draft a role profile: the best-matching occupations' essential and optional skills.

        Skills are weighted by how well their occupations match (a skill several matched
        occupations need ranks higher) and boosted when the description names them.
        """
        text = _check_text(job_description)
        occ_scores = self.occupation_scores(text, title=len(stems(text)) <= 12)
        best = [int(i) for i in _top(occ_scores, _check_k(occupations)) if occ_scores[i] > 0]
        direct, _ = self.skill_scores(text)
        named = {int(i) for i in _top(direct, _check_k(matched))}
        t = self.taxonomy
        votes: dict[int, list[float]] = {}
        sources: dict[int, list[str]] = {}
        for o in best:
            lo, hi = int(t.links.start[o]), int(t.links.start[o + 1])
            for s, essential in zip(t.links.skill[lo:hi], t.links.essential[lo:hi], strict=True):
                v = votes.setdefault(int(s), [0.0, 0.0])
                v[0 if essential else 1] += float(occ_scores[o])
                sources.setdefault(int(s), []).append(t.occupations.uri[o])
        total = sum(float(occ_scores[o]) for o in best) or 1.0

        def item(s: int, weight: float) -> ProfileSkill:
            score = min(1.0, weight / total + (0.25 if s in named else 0.0))
            return ProfileSkill(
                t.skills.uri[s], t.skills.label[s], score, tuple(sources[s]), s in named
            )

        essential = [item(s, v[0]) for s, v in votes.items() if v[0] >= v[1]]
        optional = [item(s, v[0] + v[1]) for s, v in votes.items() if v[0] < v[1]]
        essential.sort(key=lambda p: (-p.score, p.label))
        optional.sort(key=lambda p: (-p.score, p.label))
        return RoleProfileDraft(
            [
                Match(t.occupations.uri[o], t.occupations.label[o], float(occ_scores[o]))
                for o in best
            ],
            essential[:max_skills],
            optional[:max_skills],
            self.match_skills(text, matched),
        )


_default_lock = threading.Lock()
_default: SkillMatcher | None = None


def default_matcher() -> SkillMatcher:
    """The matcher over the shipped ESCO v1.1.1, built once per process."""
    global _default  # noqa: PLW0603 — one lazily built, read-only matcher per process
    with _default_lock:
        if _default is None:
            _default = SkillMatcher(load_taxonomy())
        return _default


def suggest_alignments(text: str, top_k: int = 10) -> list[Match]:
    """ESCO skills to align a micro-credential to, best first (shipped ESCO v1.1.1)."""
    return default_matcher().suggest_alignments(text, top_k)


def draft_role_profile(job_description: str, *, occupations: int = 3) -> RoleProfileDraft:
    """A draft role profile from a job description (shipped ESCO v1.1.1)."""
    return default_matcher().draft_role_profile(job_description, occupations=occupations)
