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


def subset_kappa(
    a: npt.NDArray[np.integer],
    b: npt.NDArray[np.integer],
    mask: npt.NDArray[np.bool_],
    n_levels: int,
) -> float:
    """Quadratic weighted kappa of the items in ``mask``, chance-corrected on *all* items.

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
