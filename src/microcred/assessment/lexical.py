"""Lexical features of answers: word and character n-gram TF-IDF vectors, and word overlap.

Character n-grams inside word boundaries make the features robust to the misspellings common in
learners' short answers; word n-grams keep phrases. Vectors are L2-normalised sparse rows, so a dot
product between two rows is their cosine similarity.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")

#: Words too common to say anything about content (used only for overlap, not for TF-IDF).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "them",
        "his",
        "her",
        "their",
        "our",
        "your",
        "my",
        "me",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "not",
        "no",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
        "must",
        "also",
        "than",
        "into",
        "out",
        "up",
        "down",
        "over",
        "under",
        "about",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "each",
        "some",
        "such",
        "only",
        "own",
        "same",
        "very",
        "just",
        "more",
        "most",
        "other",
        "because",
        "while",
        "during",
        "before",
        "after",
    ]
)


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits, inner apostrophes kept)."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """The distinct words of ``text`` that are not stop words."""
    return {w for w in words(text) if w not in STOP_WORDS}


def word_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    """Word n-grams of length ``low..high``."""
    toks = words(text)
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return grams


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams of length ``low..high`` inside padded words (like ``char_wb``)."""
    grams: list[str] = []
    for w in words(text):
        padded = f" {w} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def coverage(answer: str, reference: str) -> float:
    """Share of the reference's content words the answer uses (1.0 for an empty reference)."""
    ref = content_words(reference)
    if not ref:
        return 1.0
    return len(ref & content_words(answer)) / len(ref)


Analyzer = Callable[[str], list[str]]


@dataclass(slots=True)
class TfidfVectorizer:
    """TF-IDF with sublinear term frequency and smoothed IDF, fitted on one rubric's answers."""

    analyzer: Analyzer
    min_df: int = 2
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, docs: Sequence[str]) -> TfidfVectorizer:
        """Learn the vocabulary and IDF weights; returns ``self``."""
        df: dict[str, int] = {}
        for doc in docs:
            for gram in set(self.analyzer(doc)):
                df[gram] = df.get(gram, 0) + 1
        kept = sorted(g for g, c in df.items() if c >= self.min_df)
        self.vocabulary = {g: i for i, g in enumerate(kept)}
        n = len(docs)
        self.idf = np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in kept])
        return self

    def transform(self, docs: Iterable[str]) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows, one per document (unknown n-grams are ignored)."""
        indptr, indices, values = [0], [], []
        vocab = self.vocabulary
        for doc in docs:
            counts: dict[int, int] = {}
            for gram in self.analyzer(doc):
                j = vocab.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            w = tf * self.idf[cols] if cols.size else tf
            norm = float(np.sqrt((w * w).sum()))
            if norm > 0:
                w = w / norm
            indices.append(cols)
            values.append(w)
            indptr.append(indptr[-1] + cols.size)
        shape = (len(indptr) - 1, len(vocab))
        if not indices:
            return sp.csr_matrix(shape)
        return sp.csr_matrix(
            (np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=shape
        )

    def fit_transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """``fit`` then ``transform`` on the same documents."""
        return self.fit(docs).transform(docs)
