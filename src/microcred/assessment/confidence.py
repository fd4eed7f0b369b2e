"""A learned confidence: the probability that a human gives the level the AI chose.

Routing decides alone on the answers ranked most confident, so what matters is how well the
confidence *ranks* answers by risk. Beyond the spread of the level probabilities around the chosen
level (``raw``), the model sees why an answer may be risky:

- how close its expected score sits to a cut between levels (one step either way changes it);
- how much the stage-1 regressions (one per similarity kernel) disagree — the ensemble's doubt;
- how unlike any graded answer it is (its highest similarity to one) — new kinds of answer;
- which level was chosen (some levels, such as blank answers, are easier).

A two-class logistic regression over these is fitted on out-of-fold answers, where it is known
whether the AI matched the human, and itself predicted out of fold (``ConfidenceModel.fit``
returns cross-fitted probabilities), so the answers routing is measured on never trained the
confidence that ranks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.assessment.learning import SoftmaxRegression, cross_val_proba

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_EPS = 1e-6


def confidence_features(
    proba: Array,
    levels: IntArray,
    cuts: Array,
    stage1: Array,
    similarity: Array,
) -> Array:
    """The features of ``ConfidenceModel`` (one row per answer); ``similarity`` is each answer's
    highest similarity to a graded answer other than itself."""
    n_levels = proba.shape[1]
    grid = np.arange(n_levels, dtype=np.float64)
    expected = proba @ grid
    spread = (proba * (grid[None, :] - levels[:, None].astype(np.float64)) ** 2).sum(axis=1)
    raw = np.clip(np.exp(-spread), _EPS, 1.0 - _EPS)
    margin = (
        np.abs(expected[:, None] - cuts[None, :]).min(axis=1) if cuts.size else np.ones(len(raw))
    )
    onehot = np.zeros((len(raw), n_levels))
    onehot[np.arange(len(raw)), levels] = 1.0
    return np.column_stack(
        [
            np.log(raw / (1.0 - raw)),
            proba.max(axis=1),
            np.minimum(margin, 1.0),
            stage1.std(axis=1),
            np.abs(stage1.mean(axis=1) - expected),
            similarity,
            onehot,
        ]
    )


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """``P(a human gives the chosen level | features)``."""

    model: SoftmaxRegression

    @classmethod
    def fit(
        cls, features: Array, agreed: npt.NDArray[np.bool_]
    ) -> tuple[ConfidenceModel | None, Array | None]:
        """The model fitted on all answers, and each answer's probability from a model that did
        not see it; ``(None, None)`` when there is only one outcome to learn from."""
        y = agreed.astype(np.int64)
        if features.shape[0] < 20 or y.min() == y.max():
            return None, None
        oof = cross_val_proba(features, y, 2, l2=4.0, seed=1)[:, 1]
        return cls(SoftmaxRegression.fit(features, y, 2, l2=4.0)), oof

    def __call__(self, features: Array) -> Array:
        """Confidence per answer."""
        return np.asarray(self.model.predict_proba(features)[:, 1], dtype=np.float64)
