"""Agreement between two graders: quadratic weighted kappa, exact agreement, confusion matrix.

Scores are level indices ``0..n_levels-1`` (ordinal). Kappa corrects agreement for chance; the
quadratic weights make a near miss cost less than a far one, which is the usual measure of
agreement for rubric scores (ASAP, e-rater, the SemEval grading tasks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from microcred.errors import InvalidInput

IntArray = npt.NDArray[np.int64]


def _as_levels(values: Sequence[int] | npt.NDArray[np.integer], n_levels: int) -> IntArray:
    arr = np.asarray(values, dtype=np.int64)
    if arr.ndim != 1:
        raise InvalidInput("Scores must be a flat sequence of level indices.")
    if arr.size and (arr.min() < 0 or arr.max() >= n_levels):
        raise InvalidInput(f"Level indices must lie in 0..{n_levels - 1}.")
    return arr


def confusion(
    a: Sequence[int] | npt.NDArray[np.integer],
    b: Sequence[int] | npt.NDArray[np.integer],
    n_levels: int,
) -> IntArray:
    """Counts ``m[i, j]`` of items rated level ``i`` by ``a`` and level ``j`` by ``b``."""
    if n_levels < 1:
        raise InvalidInput("A scale needs at least one level.")
    x, y = _as_levels(a, n_levels), _as_levels(b, n_levels)
    if x.shape != y.shape:
        raise InvalidInput("Both graders must score the same items.")
    m = np.zeros((n_levels, n_levels), dtype=np.int64)
    np.add.at(m, (x, y), 1)
    return m


def quadratic_weighted_kappa(
    a: Sequence[int] | npt.NDArray[np.integer],
    b: Sequence[int] | npt.NDArray[np.integer],
    n_levels: int,
) -> float:
    """Cohen's kappa with quadratic weights; 1 is perfect, 0 is chance.

    When both graders give one and the same level to every item, agreement is perfect but
    kappa is undefined; this returns 1.0 then, and 0.0 when the items are empty.
    """
    m = confusion(a, b, n_levels).astype(np.float64)
    total = m.sum()
    if total == 0:
        return 0.0
    idx = np.arange(n_levels, dtype=np.float64)
    weights = (idx[:, None] - idx[None, :]) ** 2
    expected = np.outer(m.sum(axis=1), m.sum(axis=0)) / total
    denominator = float((weights * expected).sum())
    if denominator == 0.0:
        return 1.0 if float((weights * m).sum()) == 0.0 else 0.0
    return 1.0 - float((weights * m).sum()) / denominator


def exact_agreement(
    a: Sequence[int] | npt.NDArray[np.integer], b: Sequence[int] | npt.NDArray[np.integer]
) -> float:
    """The share of items both graders put on the same level (0.0 for no items)."""
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape:
        raise InvalidInput("Both graders must score the same items.")
    return float((x == y).mean()) if x.size else 0.0


def prefix_qwk(
    a: npt.NDArray[np.integer], b: npt.NDArray[np.integer], weights: npt.NDArray[np.floating]
) -> npt.NDArray[np.float64]:
    """Plain QWK of every prefix ``a[:m], b[:m]`` (``m = 1..n``), items weighted by ``weights``.

    ``weights`` is ``(n,)`` or ``(B, n)`` (one row per bootstrap replicate); the result has the
    same shape, entry ``[..., m - 1]`` being the QWK of the first ``m`` items. Uses the identity
    ``expected = Σw·a² + Σw·b² − 2·Σw·a·Σw·b / Σw`` for the chance disagreement, so every cut of
    a ranking costs one cumulative sum. Same conventions as ``quadratic_weighted_kappa``: 0 for an
    empty (zero-weight) prefix, 1 when nothing can disagree and nothing does.
    """
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if x.shape != y.shape or w.shape[-1:] != x.shape:
        raise InvalidInput("Both graders and the weights must cover the same items.")
    total = np.cumsum(w, axis=-1)
    sa, sb = np.cumsum(w * x, axis=-1), np.cumsum(w * y, axis=-1)
    expected = np.cumsum(w * x * x, axis=-1) + np.cumsum(w * y * y, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = expected - 2.0 * sa * sb / np.where(total > 0, total, 1.0)
        observed = np.cumsum(w * (x - y) ** 2, axis=-1)
        qwk = 1.0 - observed / np.where(expected > 1e-12, expected, 1.0)
    degenerate = expected <= 1e-12
    qwk = np.where(degenerate, np.where(observed <= 1e-12, 1.0, 0.0), qwk)
    return np.asarray(np.where(total > 0, qwk, 0.0), dtype=np.float64)


def poisson_weights(n: int, replicates: int, seed: int) -> npt.NDArray[np.float64]:
    """Poisson(1) bootstrap weights ``(replicates, n)``: each item drawn independently, so any
    subset of the items (every prefix of a ranking) is itself a valid bootstrap resample."""
    rng = np.random.default_rng(seed)
    return rng.poisson(1.0, size=(replicates, n)).astype(np.float64)


def subset_kappa(
    a: npt.NDArray[np.integer],
    b: npt.NDArray[np.integer],
    mask: npt.NDArray[np.bool_],
    n_levels: int,
) -> float:
    """Quadratic weighted kappa of the items in ``mask``, chance-corrected on *all* items.

    Not used for routing decisions any more (it flatters a subset of easy answers; routing
    compares plain QWK on the decided answers with a second human's on the same answers). Kept
    as a secondary figure.

    ``1 - observed / expected``: the mean quadratic disagreement between ``a`` and ``b`` on the
    selected items, over the disagreement chance would give with the score distributions of the
    whole set. Unlike plain QWK on the subset, it stays meaningful when the selected items sit on
    one or two levels (plain QWK is then 0 or undefined however good the agreement), and it is on
    the same scale as the QWK of two graders over the whole set: ``subset_kappa >= h`` means the
    selected decisions disagree with the human no more than graders agreeing at QWK ``h`` do.
    """
    full = confusion(a, b, n_levels).astype(np.float64)
    total = full.sum()
    chosen = int(np.count_nonzero(mask))
    if total == 0 or chosen == 0:
        return 0.0
    idx = np.arange(n_levels, dtype=np.float64)
    weights = (idx[:, None] - idx[None, :]) ** 2
    marginals = np.outer(full.sum(axis=1), full.sum(axis=0)) / float(total * total)
    expected = float((weights * marginals).sum())
    sub = confusion(np.asarray(a)[mask], np.asarray(b)[mask], n_levels).astype(np.float64)
    observed = float((weights * sub).sum()) / chosen
    if expected == 0.0:
        return 1.0 if observed == 0.0 else 0.0
    return 1.0 - observed / expected
