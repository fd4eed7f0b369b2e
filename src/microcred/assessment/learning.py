"""The small learning machinery behind the trained reviewer (numpy and scipy only).

- ``KernelRidge``: ridge regression in dual form on a precomputed similarity kernel, with the
  regularisation chosen by exact leave-one-out error (one eigendecomposition serves every alpha),
  and the leave-one-out predictions returned so that a second stage learns from honest inputs.
- ``SoftmaxRegression``: multinomial logistic regression with an L2 penalty (L-BFGS).
- ``qwk_cut_points``: thresholds that turn an expected score into levels, tuned for QWK.
- ``nearest_by_level``: how close an answer is to the graded answers of each level.
- ``gaussian``: the Gaussian kernel between unit vectors, from their cosine similarities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from microcred.assessment.metrics import quadratic_weighted_kappa

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0)


@dataclass(frozen=True, slots=True)
class KernelRidge:
    """``f(x) = k(x, train) @ dual + intercept``, fitted on a kernel matrix."""

    alpha: float
    dual: Array
    intercept: float

    @classmethod
    def fit_loo(
        cls, kernel: Array, y: Array, alphas: Sequence[float] = DEFAULT_ALPHAS
    ) -> tuple[KernelRidge, Array]:
        """Fit, choosing alpha by leave-one-out squared error; also return the LOO predictions."""
        lam, vecs = np.linalg.eigh(kernel)
        lam = np.maximum(lam, 0.0)
        intercept = float(y.mean())
        yc = y - intercept
        proj = vecs.T @ yc
        best: tuple[float, float, Array] | None = None
        for alpha in alphas:
            shrink = lam / (lam + alpha)
            fitted = vecs @ (shrink * proj)
            leverage = np.clip((vecs * vecs) @ shrink, 0.0, 1.0 - 1e-9)
            loo = yc - (yc - fitted) / (1.0 - leverage)
            err = float(((loo - yc) ** 2).mean())
            if best is None or err < best[0]:
                best = (err, alpha, loo)
        assert best is not None
        _, alpha, loo = best
        dual = vecs @ (proj / (lam + alpha))
        return cls(alpha, dual, intercept), loo + intercept

    def predict(self, kernel_rows: Array) -> Array:
        """Predictions for rows of similarities to the training answers."""
        return np.asarray(kernel_rows @ self.dual + self.intercept, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SoftmaxRegression:
    """Multinomial logistic regression on standardised features."""

    weights: Array  # (features + 1, levels); the last row is the bias
    mean: Array
    scale: Array

    @classmethod
    def fit(cls, x: Array, y: IntArray, n_levels: int, l2: float = 1.0) -> SoftmaxRegression:
        """Fit by L-BFGS; ``l2`` is the penalty on the weights (not the bias)."""
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-9
        z = np.hstack([(x - mean) / scale, np.ones((x.shape[0], 1))])
        onehot = np.zeros((x.shape[0], n_levels))
        onehot[np.arange(x.shape[0]), y] = 1.0
        n, d = z.shape
        penal = np.ones((d, 1))
        penal[-1] = 0.0

        def loss(flat: Array) -> tuple[float, Array]:
            w = flat.reshape(d, n_levels)
            logits = z @ w
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            p /= p.sum(axis=1, keepdims=True)
            value = -float((onehot * np.log(p + 1e-12)).sum()) / n
            value += 0.5 * l2 * float((penal * w * w).sum()) / n
            grad = z.T @ (p - onehot) / n + l2 * penal * w / n
            return value, grad.ravel()

        start = np.zeros(d * n_levels)
        res = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
        return cls(np.asarray(res.x).reshape(d, n_levels), mean, scale)

    def predict_proba(self, x: Array) -> Array:
        """Level probabilities, one row per answer."""
        z = np.hstack([(x - self.mean) / self.scale, np.ones((x.shape[0], 1))])
        logits = z @ self.weights
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=1, keepdims=True), dtype=np.float64)


def cross_val_proba(
    x: Array, y: IntArray, n_levels: int, *, folds: int = 5, l2: float = 1.0, seed: int = 0
) -> Array:
    """Out-of-fold level probabilities from ``SoftmaxRegression``.

    A fold whose training part holds a single level predicts that level.
    """
    n = x.shape[0]
    order = np.random.default_rng(seed).permutation(n)
    out = np.zeros((n, n_levels))
    for part in np.array_split(order, min(folds, n)):
        mask = np.ones(n, dtype=bool)
        mask[part] = False
        if np.unique(y[mask]).size < 2:
            out[part, int(y[mask][0])] = 1.0
            continue
        out[part] = SoftmaxRegression.fit(x[mask], y[mask], n_levels, l2).predict_proba(x[part])
    return out


def qwk_cut_points(expected: Array, y: IntArray, n_levels: int, *, rounds: int = 3) -> Array:
    """Thresholds ``c`` (ascending) so that ``searchsorted(c, expected)`` maximises QWK on ``y``."""
    cuts = np.arange(n_levels - 1, dtype=np.float64) + 0.5
    for _ in range(rounds):
        for k in range(n_levels - 1):
            low = cuts[k - 1] if k > 0 else -np.inf
            high = cuts[k + 1] if k < n_levels - 2 else np.inf
            best_score, best_cut = -2.0, cuts[k]
            for c in np.linspace(cuts[k] - 0.5, cuts[k] + 0.5, 41):
                if not low < c < high:
                    continue
                trial = cuts.copy()
                trial[k] = c
                score = quadratic_weighted_kappa(y, np.searchsorted(trial, expected), n_levels)
                if score > best_score + 1e-12:
                    best_score, best_cut = score, c
            cuts[k] = best_cut
    return cuts


def nearest_by_level(
    similarity: Array, y: IntArray, n_levels: int, *, k: int = 5, exclude_self: bool = False
) -> Array:
    """For each row, the mean of its ``k`` highest similarities to the answers of each level.

    ``similarity`` is ``(answers, graded answers)``; with ``exclude_self`` it is the square
    training kernel and each answer's similarity to itself is ignored.
    """
    out = np.zeros((similarity.shape[0], n_levels))
    for level in range(n_levels):
        cols = np.flatnonzero(y == level)
        if cols.size == 0:
            continue
        block = similarity[:, cols].copy()
        if exclude_self:
            rows = np.flatnonzero(np.isin(np.arange(similarity.shape[0]), cols))
            block[rows, np.searchsorted(cols, rows)] = -1.0
        kk = min(k, cols.size)
        top = -np.partition(-block, kk - 1, axis=1)[:, :kk]
        out[:, level] = top.mean(axis=1)
    return out


def gaussian(cosine: Array, gamma: float) -> Array:
    """``exp(gamma * (cosine - 1))``: the Gaussian kernel ``exp(-gamma/2 * |a - b|²)`` between unit
    vectors ``a``, ``b`` whose cosine similarities are given.

    A ridge on it is local: it can learn rubrics that count key ideas (either phrasing of an idea
    earns the point once), which a ridge on the cosines themselves, adding phrases up, cannot.
    """
    return np.asarray(np.exp(gamma * (cosine - 1.0)), dtype=np.float64)
