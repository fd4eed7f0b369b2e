"""Kernel ridge with leave-one-out, Gaussian kernels, softmax regression, QWK cut points,
calibration, routing (the rule itself: test_assessment_routing.py)."""

from __future__ import annotations

import numpy as np
import pytest

from microcred.assessment.calibration import Calibrator, expected_calibration_error
from microcred.assessment.learning import (
    KernelRidge,
    SoftmaxRegression,
    cross_val_proba,
    gaussian,
    nearest_by_level,
    qwk_cut_points,
)
from microcred.assessment.metrics import quadratic_weighted_kappa
from microcred.assessment.routing import NEVER, RoutingPolicy, measure, route
from microcred.assessment.rubric import Rubric
from microcred.assessment.trained_reviewer import raw_confidence
from microcred.domain.review import Review


def test_leave_one_out_predictions_equal_refitting_without_the_point() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 5))
    y = x @ rng.normal(size=5) + rng.normal(scale=0.1, size=40)
    kernel = x @ x.T
    model, loo = KernelRidge.fit_loo(kernel, y, alphas=(1.0,))
    for i in (0, 17, 39):
        keep = np.arange(40) != i
        refit, _ = KernelRidge.fit_loo(kernel[np.ix_(keep, keep)], y[keep], alphas=(1.0,))
        # The intercept is the training mean; LOO formula assumes it fixed, so allow a little.
        assert loo[i] == pytest.approx(refit.predict(kernel[i, keep]), abs=0.05)
    assert model.alpha == 1.0


def test_softmax_regression_learns_separable_levels() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 300)
    x = np.column_stack([y + rng.normal(scale=0.2, size=300), rng.normal(size=300)])
    model = SoftmaxRegression.fit(x, y, 3)
    p = model.predict_proba(x)
    assert p.shape == (300, 3)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p.argmax(axis=1) == y).mean() > 0.95


def test_gaussian_kernel_counts_key_ideas_where_cosines_cannot() -> None:
    # Level = how many of three ideas an answer has, capped at 2; each idea has two phrasings,
    # and using both phrasings of one idea is worth no more than one.
    rng = np.random.default_rng(7)
    phr = rng.uniform(size=(600, 6)) < 0.3
    ideas = phr[:, 0::2] | phr[:, 1::2]
    y = np.minimum(ideas.sum(axis=1), 2).astype(np.float64)
    x = np.hstack([phr.astype(np.float64), np.ones((600, 1))])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    cosine = x @ x.T
    train, test = slice(0, 450), slice(450, 600)

    def exact(kernel: np.ndarray) -> float:
        model, _ = KernelRidge.fit_loo(kernel[train, train], y[train])
        pred = np.clip(np.rint(model.predict(kernel[test, train])), 0, 2)
        return float((pred == y[test]).mean())

    assert exact(gaussian(cosine, 3.0)) > 0.99
    assert exact(cosine) < 0.97
    assert gaussian(np.array([1.0, 0.0]), 3.0).tolist() == [1.0, pytest.approx(np.exp(-3.0))]


def test_out_of_fold_probabilities_survive_a_fold_with_one_level() -> None:
    # One answer on level 1: the fold holding it trains on level 0 alone, and predicts level 0.
    y = np.array([0] * 31 + [1], dtype=np.int64)
    x = np.arange(32, dtype=np.float64)[:, None]
    p = cross_val_proba(x, y, 2, folds=16)
    assert p.shape == (32, 2)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert p[31].tolist() == [1.0, 0.0]
    assert np.array_equal(p, cross_val_proba(x, y, 2, folds=16))  # deterministic


def test_raw_confidence_prefers_near_misses_to_far_ones() -> None:
    proba = np.array([[0.0, 0.0, 0.6, 0.4], [0.4, 0.0, 0.6, 0.0], [0.0, 0.0, 1.0, 0.0]])
    conf = raw_confidence(proba, np.array([2, 2, 2], dtype=np.int64))
    assert conf[2] == 1.0
    assert conf[0] > conf[1]  # same top probability, but the rival level is one step away
    assert conf[1] == pytest.approx(np.exp(-0.4 * 4))


def test_cut_points_do_not_lower_qwk() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 4, 400)
    expected = 0.6 * y + rng.normal(scale=0.4, size=400)  # compressed towards zero
    plain = quadratic_weighted_kappa(y, np.clip(np.rint(expected), 0, 3).astype(int), 4)
    cuts = qwk_cut_points(expected, y, 4)
    assert np.all(np.diff(cuts) > 0)
    assert quadratic_weighted_kappa(y, np.searchsorted(cuts, expected), 4) >= plain


def test_nearest_by_level_ignores_self_similarity() -> None:
    sims = np.array([[1.0, 0.2, 0.9], [0.2, 1.0, 0.1], [0.9, 0.1, 1.0]])
    y = np.array([0, 1, 0])
    out = nearest_by_level(sims, y, 2, k=1, exclude_self=True)
    assert out[0].tolist() == [0.9, 0.2]
    assert out[1].tolist() == [0.2, -1.0]


def test_calibration_makes_overconfident_scores_honest() -> None:
    rng = np.random.default_rng(4)
    raw = rng.uniform(0.5, 1.0, 2000)
    agreed = rng.uniform(size=2000) < (raw - 0.4)  # true rate is 0.1 lower than stated
    before = expected_calibration_error(raw, agreed)
    calibrated = Calibrator.fit(raw, agreed)(raw)
    assert expected_calibration_error(calibrated, agreed) < before / 2
    assert Calibrator.fit(raw[:5], agreed[:5]) == Calibrator()


def test_route() -> None:
    rubric = Rubric.single("r", "task", 1)
    review = Review("r", 1, "x", (), 1, 1, True, 0.8, "")
    assert not route(review, None).auto
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 4, 600)
    confidence = rng.uniform(size=600)
    wrong = rng.uniform(size=600) > confidence  # the confident ones are mostly right
    predicted = np.where(wrong, rng.integers(0, 4, 600), truth)
    trust = measure(confidence, predicted, truth, 4, policy=RoutingPolicy(0.5), human_qwk=None)
    assert trust.threshold < 0.8
    decided = route(review, trust)
    assert decided.auto and "the level the operator set" in decided.reason
    assert not route(review, trust, stricter_threshold=0.85).auto
    never = measure(confidence, predicted, truth, 4, policy=RoutingPolicy(1.0), human_qwk=None)
    assert not never.auto_allowed and never.threshold == NEVER
    assert "may not decide alone" in route(review, never).reason
    assert rubric.max_points == 1
