"""The embedding reviewer: grades with no graded work, by closeness to references and exemplars.

An answer is embedded and compared with the criterion's reference answers (full marks) and the
instructor's exemplars (each on a level). With exemplars on two or more levels, the predicted points
are a similarity-weighted average of the exemplars' points; otherwise they grow with the answer's
similarity to the best-matching reference and its coverage of the reference's content words,
between two cut-offs. When the organisation has graded work on other rubrics, ``SimilarityScale``
learns that mapping from it (the "new rubric, no graded work yet" case).

Without a measurement on the rubric itself, routing never lets these reviews stand alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.assessment.embedder import Embedder
from microcred.assessment.feedback import criterion_feedback
from microcred.assessment.learning import SoftmaxRegression
from microcred.assessment.lexical import coverage, words
from microcred.assessment.rubric import Criterion, Rubric
from microcred.domain.review import CriterionScore, Review

Array = npt.NDArray[np.float64]

#: Similarity (mean of embedding cosine and word coverage) below which an answer earns nothing,
#: and above which it earns full marks, when nothing has been learned yet. Chosen by hand on the
#: SemEval-2013 training questions; recorded in docs/ai-review.md.
LOW, HIGH = 0.30, 0.75
#: Softmax temperature over exemplar similarities.
TEMPERATURE = 0.05
#: Bins of the score fraction that ``SimilarityScale`` predicts.
BINS = 5


def reference_features(
    criterion: Criterion, texts: Sequence[str], vectors: Array, embedder: Embedder
) -> Array:
    """Rubric-agnostic features per answer: closeness to the references and to the task.

    Columns: best embedding cosine to a reference, mean cosine to the references, best word
    coverage of a reference, log length, cosine to the criterion description (answers that only
    restate the question score low). Zeros where the criterion has no references.
    """
    n = len(texts)
    out = np.zeros((n, 5))
    out[:, 3] = np.log1p([len(words(t)) for t in texts])
    if criterion.description:
        task = embedder.embed([criterion.description])
        out[:, 4] = vectors @ task[0]
    if criterion.references:
        refs = embedder.embed(list(criterion.references))
        sims = vectors @ refs.T
        out[:, 0] = sims.max(axis=1)
        out[:, 1] = sims.mean(axis=1)
        out[:, 2] = [max(coverage(t, r) for r in criterion.references) for t in texts]
    return out


@dataclass(frozen=True, slots=True)
class SimilarityScale:
    """Maps reference features to a score fraction, learned across other rubrics' graded work."""

    model: SoftmaxRegression

    @classmethod
    def fit(cls, features: Array, fractions: Array) -> SimilarityScale:
        """Learn from answers on other rubrics: features and points / max points (0..1)."""
        bins = np.clip(np.rint(fractions * (BINS - 1)), 0, BINS - 1).astype(np.int64)
        return cls(SoftmaxRegression.fit(features, bins, BINS, l2=1.0))

    def predict(self, features: Array) -> tuple[Array, Array]:
        """Expected score fraction and the probability mass near it, per answer."""
        p = self.model.predict_proba(features)
        grid = np.linspace(0.0, 1.0, BINS)
        expected = p @ grid
        nearest = np.clip(np.rint(expected * (BINS - 1)), 0, BINS - 1).astype(np.int64)
        return expected, p[np.arange(p.shape[0]), nearest]


def _levels_from_fraction(criterion: Criterion, fraction: Array) -> npt.NDArray[np.int64]:
    span = criterion.max_points - criterion.min_points
    target = criterion.min_points + fraction * span
    pts = np.array([lv.points for lv in criterion.levels])
    return np.asarray(np.abs(target[:, None] - pts[None, :]).argmin(axis=1), dtype=np.int64)


class EmbeddingReviewer:
    """Zero-shot reviewer; see the module docstring."""

    def __init__(self, embedder: Embedder, scale: SimilarityScale | None = None) -> None:
        self._embedder = embedder
        self._scale = scale

    @property
    def name(self) -> str:
        """``embedding/<model>``, with ``+scale`` when a learned mapping is used."""
        return f"embedding/{self._embedder.name}" + ("+scale" if self._scale else "")

    def score_criterion(
        self, criterion: Criterion, texts: Sequence[str], vectors: Array
    ) -> tuple[npt.NDArray[np.int64], Array]:
        """Level index and raw confidence for each answer on one criterion."""
        levels_pts = {lv.points for lv in criterion.levels}
        ex_levels = {e.points for e in criterion.exemplars} & levels_pts
        span = criterion.max_points - criterion.min_points
        if len(ex_levels) >= 2:
            anchors = [e.text for e in criterion.exemplars] + list(criterion.references)
            pts = [e.points for e in criterion.exemplars] + [criterion.max_points] * len(
                criterion.references
            )
            sims = vectors @ self._embedder.embed(anchors).T
            w = np.exp((sims - sims.max(axis=1, keepdims=True)) / TEMPERATURE)
            w /= w.sum(axis=1, keepdims=True)
            fraction = (w @ (np.array(pts) - criterion.min_points)) / span
            confidence = w.max(axis=1)
        else:
            feats = reference_features(criterion, texts, vectors, self._embedder)
            if self._scale is not None and criterion.references:
                fraction, confidence = self._scale.predict(feats)
            else:
                closeness = (feats[:, 0] + feats[:, 2]) / 2
                fraction = np.clip((closeness - LOW) / (HIGH - LOW), 0.0, 1.0)
                confidence = np.full(len(texts), 0.5)
        levels = _levels_from_fraction(criterion, fraction)
        empty = np.array([not t.strip() for t in texts])
        levels[empty] = 0
        confidence = np.where(empty, 0.99, confidence)
        return levels, np.asarray(confidence, dtype=np.float64)

    def review(self, rubric: Rubric, answers: Sequence[str]) -> list[Review]:
        """One review per answer."""
        vectors = self._embedder.embed(answers)
        per_criterion = [self.score_criterion(c, answers, vectors) for c in rubric.criteria]
        reviews = []
        for i, text in enumerate(answers):
            scores = []
            for c, (levels, conf) in zip(rubric.criteria, per_criterion, strict=True):
                lv = int(levels[i])
                scores.append(
                    CriterionScore(
                        c.id,
                        c.levels[lv].name,
                        c.levels[lv].points,
                        float(conf[i]),
                        criterion_feedback(c, lv, text),
                    )
                )
            feedback = "\n".join(s.feedback for s in scores)
            reviews.append(Review.from_scores(rubric, self.name, scores, feedback))
        return reviews
