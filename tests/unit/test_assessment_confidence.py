"""The learned confidence ranks answers by the risk that a human gives another level."""

from __future__ import annotations

import numpy as np

from microcred.assessment.confidence import ConfidenceModel, confidence_features


def _auc(score: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = score[positive], score[~positive]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def _answers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answers whose expected score near a cut, or whose regressions disagree, are the risky
    ones; the level probabilities alone do not say so (they are the same for every answer)."""
    rng = np.random.default_rng(seed)
    expected = rng.uniform(0, 3, n)
    cuts = np.array([0.5, 1.5, 2.5])
    levels = np.searchsorted(cuts, expected).astype(np.int64)
    proba = np.full((n, 4), 0.1)
    proba[np.arange(n), levels] = 0.7
    doubt = rng.uniform(0, 1, n)
    stage1 = expected[:, None] + doubt[:, None] * rng.normal(size=(n, 8))
    margin = np.abs(expected[:, None] - cuts[None, :]).min(axis=1)
    risk = 0.8 * np.exp(-6 * margin) + 0.5 * doubt
    agreed = rng.uniform(size=n) > risk
    feats = confidence_features(proba, levels, cuts, stage1, rng.uniform(0.5, 1, n))
    return feats, agreed, risk


def test_cross_fitted_confidence_ranks_risky_answers_lower() -> None:
    feats, agreed, risk = _answers(1500, seed=1)
    model, oof = ConfidenceModel.fit(feats, agreed)
    assert model is not None and oof is not None
    best = _auc(-risk, agreed)  # knowing the true risk
    assert best > 0.6
    # Out of fold (no answer scored by a model that saw it), well above chance — which is where
    # the level probabilities alone (the same for every answer) would rank — and within reach of
    # the best (a linear model of a non-linear risk).
    assert best - 0.15 < _auc(oof, agreed) <= best + 0.02
    new_feats, new_agreed, new_risk = _answers(1500, seed=2)
    fresh = model(new_feats)
    assert _auc(fresh, new_agreed) > _auc(-new_risk, new_agreed) - 0.15
    assert ((fresh > 0) & (fresh < 1)).all()


def test_one_outcome_leaves_nothing_to_learn() -> None:
    feats, agreed, _ = _answers(100, seed=3)
    assert ConfidenceModel.fit(feats, np.ones_like(agreed)) == (None, None)
    assert ConfidenceModel.fit(feats[:10], agreed[:10]) == (None, None)
