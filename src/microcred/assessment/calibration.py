"""Calibrated confidence: raw model certainty turned into a probability of agreeing with a human.

A raw score (the model's probability for the level it chose) is mapped through a logistic curve
fitted on held-out answers where it is known whether the AI and the human agreed (Platt scaling).
After calibration, answers given confidence 0.9 agree with the human about 90% of the time;
``expected_calibration_error`` measures how far that holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

Array = npt.NDArray[np.float64]

_EPS = 1e-6


def _logit(p: Array) -> Array:
    q = np.clip(p, _EPS, 1.0 - _EPS)
    return np.asarray(np.log(q / (1.0 - q)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Calibrator:
    """``P(agree) = sigmoid(a * logit(raw) + b)``; the identity when ``a=1, b=0``."""

    a: float = 1.0
    b: float = 0.0

    @classmethod
    def fit(cls, raw: Array, agreed: npt.NDArray[np.bool_]) -> Calibrator:
        """Fit on held-out raw confidences and whether the AI matched the human.

        With fewer than ten answers, or only one outcome, there is nothing to learn from and the
        identity is returned.
        """
        if raw.size < 10 or agreed.all() or not agreed.any():
            return cls()
        x = _logit(raw)
        t = agreed.astype(np.float64)
        # Light prior towards the identity keeps small samples from collapsing the curve.
        prior = 1.0 / raw.size

        def loss(theta: Array) -> tuple[float, Array]:
            a, b = float(theta[0]), float(theta[1])
            p = 1.0 / (1.0 + np.exp(-(a * x + b)))
            p = np.clip(p, 1e-12, 1.0 - 1e-12)
            value = -float((t * np.log(p) + (1 - t) * np.log(1 - p)).mean())
            value += prior * ((a - 1.0) ** 2 + b * b)
            r = p - t
            grad = np.array(
                [float((r * x).mean()) + 2 * prior * (a - 1.0), float(r.mean()) + 2 * prior * b]
            )
            return value, grad

        res = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
        return cls(float(res.x[0]), float(res.x[1]))

    def __call__(self, raw: Array) -> Array:
        """Calibrated probabilities for raw confidences."""
        return np.asarray(1.0 / (1.0 + np.exp(-(self.a * _logit(raw) + self.b))), np.float64)


def expected_calibration_error(
    confidence: Array, agreed: npt.NDArray[np.bool_], bins: int = 10
) -> float:
    """Mean gap between stated confidence and observed agreement, weighted over equal-width bins."""
    if confidence.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            gap = abs(float(confidence[mask].mean()) - float(agreed[mask].mean()))
            total += gap * mask.sum() / confidence.size
    return total
