"""The routing rule: plain QWK on the decided answers, a lower bootstrap bound against a second
human on the same answers, the threshold chosen out of fold, the one-rater fallback."""

from __future__ import annotations

import numpy as np
import pytest

from microcred.assessment.metrics import poisson_weights, prefix_qwk, quadratic_weighted_kappa
from microcred.assessment.routing import (
    DEFAULT_FIGURE,
    FIXED_FIGURE,
    NEVER,
    RUBRIC_FIGURE,
    SECOND_RATER,
    RoutingPolicy,
    choose_cut,
    folds_of,
    judge,
    measure,
    out_of_fold,
    route,
)
from microcred.domain.review import Review
from microcred.domain.review_json import agreement_from_json
from microcred.errors import InvalidInput

Data = tuple[np.ndarray, np.ndarray, np.ndarray]


def _near_misses(
    truth: np.ndarray, rate: np.ndarray | float, rng: np.random.Generator
) -> np.ndarray:
    """``truth`` with a share ``rate`` of answers moved one level up or down."""
    miss = rng.uniform(size=truth.size) < rate
    step = rng.choice([-1, 1], size=truth.size)
    return np.clip(np.where(miss, truth + step, truth), 0, 3).astype(np.int64)


def _graded(n: int, seed: int = 0) -> Data:
    """Confidence that means something: the AI misses more often the less sure it is."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n).astype(np.int64)
    confidence = rng.uniform(size=n)
    predicted = _near_misses(truth, 0.9 * (1.0 - confidence), rng)
    return confidence, predicted, truth


def test_prefix_qwk_is_plain_qwk_of_every_prefix_and_weights_repeat_items() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, 4, 60), rng.integers(0, 4, 60)
    a[:5] = b[:5] = 2  # the first prefixes sit on one level: nothing can disagree
    curve = prefix_qwk(a, b, np.ones(60))
    for m in range(1, 61):
        assert curve[m - 1] == pytest.approx(quadratic_weighted_kappa(a[:m], b[:m], 4))
    w = rng.integers(0, 3, 60).astype(np.float64)
    weighted = prefix_qwk(a, b, w[None, :])[0, -1]
    repeated = quadratic_weighted_kappa(np.repeat(a, w.astype(int)), np.repeat(b, w.astype(int)), 4)
    assert weighted == pytest.approx(repeated)
    with pytest.raises(InvalidInput):
        prefix_qwk(a, b[:10], np.ones(60))


def test_the_bound_not_the_point_estimate_decides() -> None:
    rng = np.random.default_rng(2)
    policy = RoutingPolicy(min_support=30)
    for n, passes in ((40, False), (4000, True)):
        truth = rng.integers(0, 4, n).astype(np.int64)
        predicted = _near_misses(truth, 0.25, rng)
        confidence = np.ones(n)  # one tie: all or nothing
        point = quadratic_weighted_kappa(truth, predicted, 4)
        required = point - 0.01 if n == 40 else point - 0.02
        fixed = RoutingPolicy(required_qwk=required, min_support=30)
        cut = choose_cut(confidence, predicted, truth, policy=fixed, human_qwk=None)
        assert (cut is not None) is passes, (n, point)  # the point estimate passes both times
    assert cut is not None and cut.size == 4000 and cut.basis == FIXED_FIGURE
    # The selection bound is the 5% quantile of the AI's QWK over Poisson bootstrap replicates.
    w = poisson_weights(4000, policy.replicates, policy.seed + 4000).astype(int)
    replicates = [
        quadratic_weighted_kappa(np.repeat(truth, row), np.repeat(predicted, row), 4) for row in w
    ]
    assert cut.ai_lower == pytest.approx(np.quantile(replicates, 0.05))
    assert cut.ai_lower < cut.ai_qwk == pytest.approx(point)


def test_second_rater_on_the_same_answers_is_the_comparison() -> None:
    confidence, predicted, truth = _graded(1500)
    rng = np.random.default_rng(3)
    # The second human agrees perfectly on the answers the AI is sure of, poorly elsewhere.
    second = np.where(confidence > 0.7, truth, _near_misses(truth, 0.8, rng))
    policy = RoutingPolicy()
    cut = choose_cut(confidence, predicted, truth, second, policy=policy, human_qwk=0.5)
    assert cut is not None and cut.basis == SECOND_RATER
    chosen = confidence >= cut.threshold
    assert cut.human_qwk == pytest.approx(
        quadratic_weighted_kappa(truth[chosen], second[chosen], 4)
    )
    assert cut.ai_lower >= cut.human_qwk
    assert cut.threshold < 0.7  # it reached into answers where the second human is weak
    sloppy = _near_misses(truth, 0.05 + 0.9 * (1.0 - confidence), rng)  # 5% misses or more
    perfect = choose_cut(confidence, sloppy, truth, truth, policy=policy, human_qwk=0.5)
    assert perfect is None  # nobody imperfect matches a perfect second human


def test_one_rater_falls_back_to_the_rubric_figure_and_says_so() -> None:
    confidence, predicted, truth = _graded(1500)
    policy = RoutingPolicy()
    rubric = choose_cut(confidence, predicted, truth, policy=policy, human_qwk=0.93)
    default = choose_cut(confidence, predicted, truth, policy=policy, human_qwk=None)
    assert rubric is not None and default is not None
    assert (rubric.basis, rubric.human_qwk) == (RUBRIC_FIGURE, 0.93)
    assert (default.basis, default.human_qwk) == (DEFAULT_FIGURE, 0.88)
    assert rubric.threshold > default.threshold  # a higher human figure, a stricter rule
    assert rubric.ai_lower >= 0.93
    # Too few twice-graded answers among those decided: the rubric's figure, not the 20 pairs.
    second = np.full(truth.size, -1)
    second[:20] = truth[:20]
    few = choose_cut(confidence, predicted, truth, second, policy=policy, human_qwk=0.93)
    assert few == rubric
    trust = measure(confidence, predicted, truth, 4, policy=policy, human_qwk=0.93)
    assert trust.auto_allowed and trust.agreement is not None
    assert trust.agreement.auto_basis == RUBRIC_FIGURE
    review = Review("r", 1, "x", (), 1, 1, True, 0.999, "")
    assert "one grader per answer" in route(review, trust).reason


def test_each_folds_threshold_ignores_that_folds_grades() -> None:
    confidence, predicted, truth = _graded(1000, seed=4)
    policy = RoutingPolicy(required_qwk=0.9)
    decided = out_of_fold(confidence, predicted, truth, policy=policy, human_qwk=None)
    held = folds_of(truth.size, policy)[0]
    spoiled = predicted.copy()
    spoiled[held] = 3 - truth[held]  # the AI far off on every answer of the first fold
    again = out_of_fold(confidence, spoiled, truth, policy=policy, human_qwk=None)
    assert np.array_equal(again[held], decided[held])  # chosen without looking at that fold
    assert again[held].any()
    fine = judge(decided, predicted, truth, policy=policy, human_qwk=None)
    bad = judge(again, spoiled, truth, policy=policy, human_qwk=None)
    assert fine is not None and fine.threshold == 0.0
    assert bad is not None and bad.threshold == NEVER  # judged on answers it did not choose on
    assert measure(confidence, spoiled, truth, 4, policy=policy, human_qwk=None).threshold == NEVER


def test_measure_reports_the_judged_figures_and_deploys_the_cut_chosen_on_everything() -> None:
    confidence, predicted, truth = _graded(1200, seed=6)
    policy = RoutingPolicy(required_qwk=0.9)
    trust = measure(confidence, predicted, truth, 4, policy=policy, human_qwk=None)
    decided = out_of_fold(confidence, predicted, truth, policy=policy, human_qwk=None)
    judged = judge(decided, predicted, truth, policy=policy, human_qwk=None)
    full = choose_cut(confidence, predicted, truth, policy=policy, human_qwk=None)
    assert judged is not None and full is not None and trust.agreement is not None
    assert trust.threshold == full.threshold
    assert trust.agreement.auto_share == pytest.approx(decided.mean())
    assert trust.agreement.auto_qwk == pytest.approx(
        quadratic_weighted_kappa(truth[decided], predicted[decided], 4)
    )
    assert trust.agreement.auto_qwk_lower == pytest.approx(judged.ai_lower)
    assert trust.agreement.auto_human_qwk == 0.9
    assert "threshold chosen on other answers" in trust.reason


def test_no_measurement_or_too_few_decided_never_decides() -> None:
    policy = RoutingPolicy()
    empty = np.zeros(0, dtype=np.int64)
    assert measure(np.zeros(0), empty, empty, 4, policy=policy, human_qwk=None).agreement is None
    confidence, predicted, truth = _graded(25)
    small = measure(confidence, predicted, truth, 4, policy=policy, human_qwk=None)
    assert small.threshold == NEVER and "fewer than 30" in small.reason
    with pytest.raises(InvalidInput):
        choose_cut(
            confidence,
            predicted,
            truth,
            truth[:3],
            policy=RoutingPolicy(min_support=5),
            human_qwk=None,
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"required_qwk": 1.5},
        {"min_support": 0},
        {"confidence": 1.0},
        {"replicates": 5},
        {"folds": 1},
    ],
)
def test_policy_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(InvalidInput):
        RoutingPolicy(**kwargs)  # type: ignore[arg-type]


def test_the_rules_figures_are_stored_and_read_back() -> None:
    confidence, predicted, truth = _graded(1500)
    trust = measure(confidence, predicted, truth, 4, policy=RoutingPolicy(), human_qwk=0.93)
    assert trust.agreement is not None
    stored = trust.agreement.as_dict()
    assert {"auto_qwk_lower", "auto_human_qwk", "auto_basis"} <= set(stored)
    back = agreement_from_json(stored)
    assert back is not None and back.as_dict() == stored
    assert back.auto_basis == RUBRIC_FIGURE and back.auto_human_qwk == 0.93
