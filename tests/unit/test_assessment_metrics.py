"""Agreement metrics, cross-checked against scikit-learn's implementation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from microcred.assessment.metrics import (
    confusion,
    exact_agreement,
    quadratic_weighted_kappa,
    subset_kappa,
)
from microcred.errors import InvalidInput


@pytest.mark.parametrize("seed", range(5))
def test_qwk_matches_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 200)
    b = np.clip(a + rng.integers(-1, 2, 200), 0, 3)
    ours = quadratic_weighted_kappa(a, b, 4)
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"), abs=1e-12)


def test_qwk_extremes() -> None:
    assert quadratic_weighted_kappa([0, 1, 2], [0, 1, 2], 3) == 1.0
    assert quadratic_weighted_kappa([0, 2, 0, 2], [2, 0, 2, 0], 3) < 0
    # Every answer on one level by both graders: perfect agreement, kappa defined as 1.
    assert quadratic_weighted_kappa([1, 1], [1, 1], 3) == 1.0
    assert quadratic_weighted_kappa([], [], 3) == 0.0


def test_far_misses_cost_more_than_near_misses() -> None:
    truth = [0, 1, 2, 3] * 10
    near = [min(t + 1, 3) for t in truth]
    far = [3 if t < 2 else 0 for t in truth]
    assert quadratic_weighted_kappa(truth, near, 4) > quadratic_weighted_kappa(truth, far, 4)


def test_confusion_and_exact() -> None:
    m = confusion([0, 1, 1, 2], [0, 1, 2, 2], 3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert exact_agreement([0, 1, 1, 2], [0, 1, 2, 2]) == 0.75


@pytest.mark.parametrize(
    ("a", "b", "n"), [([0, 3], [0, 1], 3), ([0, 1], [0], 3), ([-1], [0], 2), ([0], [0], 0)]
)
def test_bad_input_is_refused(a: list[int], b: list[int], n: int) -> None:
    with pytest.raises(InvalidInput):
        quadratic_weighted_kappa(a, b, n)


def test_subset_kappa_is_qwk_on_everything_and_stable_on_one_level() -> None:
    rng = np.random.default_rng(7)
    a = rng.integers(0, 4, 300)
    b = np.clip(a + rng.integers(-1, 2, 300), 0, 3)
    everything = np.ones(300, dtype=bool)
    assert subset_kappa(a, b, everything, 4) == pytest.approx(quadratic_weighted_kappa(a, b, 4))
    # A subset on one level with one near miss: plain QWK collapses to 0, the subset kappa
    # still says the decisions are almost all right.
    truth = np.array([0] * 50 + [1] + [0, 1, 2, 3] * 25)
    guess = np.array([0] * 51 + [0, 1, 2, 3] * 25)
    chosen = np.arange(truth.size) < 51
    assert quadratic_weighted_kappa(truth[chosen], guess[chosen], 4) == 0.0
    assert subset_kappa(truth, guess, chosen, 4) > 0.95
    assert subset_kappa(truth, guess, np.zeros(truth.size, dtype=bool), 4) == 0.0
