"""An inverted index over labelled concepts (skills or occupations), built from their stems.

:class:`AnalysedConcepts` is a taxonomy reduced to stem ids (what ``index.npz`` stores);
:class:`ConceptIndex` weighs it (idf, label masses, BM25, TF-IDF) into term-major
:class:`Postings` for the signals :class:`~microcred.skills.skill_matching.SkillMatcher` mixes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.skills.text import stems

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


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
