"""Routing figures of ``bench/grading.py`` on ASAP-SAS: the rule judged on the held-out folds.

For every test fold the threshold was chosen by the product on the other folds (its out-of-fold
predictions of the training answers); here the answers it decided alone in the test folds are
pooled per prompt and compared: plain QWK of the AI with rater 1, rater 2's plain QWK with rater 1
on the same answers, the AI's lower 90% bootstrap bound, and the TF-IDF + ridge baseline's QWK on
the same answers. Beside it, the routing shipped before (``old``): the largest confident share
whose "subset kappa" (chance taken from the whole item) reached the prompt's human level + 0.01.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microcred.assessment.evaluation import ItemRun
from microcred.assessment.metrics import (
    poisson_weights,
    prefix_qwk,
    quadratic_weighted_kappa,
    subset_kappa,
)
from microcred.assessment.trained_reviewer import TrainedReviewer

RULES = ("rule", "old")


def old_threshold(run: ItemRun) -> float:
    """The threshold the previous policy chose on the training answers' out-of-fold predictions."""
    reviewer = run.reviewer
    if not isinstance(reviewer, TrainedReviewer):
        return float("inf")
    oof = reviewer.models[0].oof
    required = (reviewer.rubric.human_agreement or 0.88) + 0.01
    n_levels = len(run.rubric.criteria[0].levels)
    order = np.argsort(-oof.confidence, kind="stable")
    n = oof.truth.size
    for m in range(n, 29, -1):
        if m < n and oof.confidence[order[m - 1]] == oof.confidence[order[m]]:
            continue
        mask = np.zeros(n, dtype=bool)
        mask[order[:m]] = True
        if subset_kappa(oof.truth, oof.predicted, mask, n_levels) >= required:
            return float(oof.confidence[order[m - 1]])
    return float("inf")


def lower_bound(truth: np.ndarray, ai: np.ndarray, confidence: float = 0.9) -> float | None:
    """One-sided Poisson-bootstrap lower bound of plain QWK (None for no answers)."""
    if truth.size == 0:
        return None
    w = poisson_weights(truth.size, 400, 7)
    return float(np.quantile(prefix_qwk(truth, ai, w)[:, -1], 1.0 - confidence))


def routing_entry(per: dict[str, list[Any]], n_levels: int) -> dict[str, Any]:
    """Per prompt and rule: share decided alone, plain QWK of AI / rater 2 / baseline on it."""
    truth, ai, second, base = (np.array(per[k]) for k in ("truth", "ai", "second", "base"))
    out: dict[str, Any] = {}
    for rule in RULES:
        auto = np.array(per[rule], dtype=bool)
        some = bool(auto.any())
        out[rule] = {
            "share": float(auto.mean()),
            "decided": int(auto.sum()),
            "ai_qwk": quadratic_weighted_kappa(truth[auto], ai[auto], n_levels) if some else None,
            "human_qwk": (
                quadratic_weighted_kappa(truth[auto], second[auto], n_levels) if some else None
            ),
            "baseline_qwk": (
                quadratic_weighted_kappa(truth[auto], base[auto], n_levels) if some else None
            ),
            "ai_lower90": lower_bound(truth[auto], ai[auto]),
            "kappa_demoted": subset_kappa(truth, ai, auto, n_levels) if some else None,
        }
    return out


def overall(items: dict[str, Any]) -> dict[str, Any]:
    """Over prompts: pooled share; QWKs as means weighted by the answers decided per prompt."""
    out: dict[str, Any] = {}
    n_all = sum(e["n"] for e in items.values())
    for rule in RULES:
        entries = [e["routing"][rule] for e in items.values()]
        decided = sum(r["decided"] for r in entries)
        summary: dict[str, Any] = {"share": decided / n_all if n_all else 0.0}
        for key in ("ai_qwk", "human_qwk", "baseline_qwk", "ai_lower90"):
            summary[key] = (
                sum(r[key] * r["decided"] for r in entries if r[key] is not None) / decided
                if decided
                else None
            )
        summary["prompts_meeting_rule"] = sum(
            1
            for r in entries
            if r["ai_lower90"] is not None
            and r["human_qwk"] is not None
            and r["ai_lower90"] >= r["human_qwk"]
        )
        summary["prompts_ai_point_at_least_human"] = sum(
            1 for r in entries if r["ai_qwk"] is not None and r["ai_qwk"] >= r["human_qwk"]
        )
        out[rule] = summary
    return out


def _f(x: float | None) -> str:
    return "    - " if x is None else f"{x:6.3f}"


def print_routing(asap: dict[str, Any]) -> None:
    """Per prompt and overall, the rule beside the old routing."""
    print(
        "\nRouting on the held-out folds (threshold chosen on the other folds): share decided "
        "alone, plain QWK with rater 1 of the AI / rater 2 / the baseline on those same answers, "
        "the AI's lower 90% bound"
    )
    head = f"{'alone':>6} {'AI':>6} {'2nd':>6} {'base':>6} {'AI lo':>6}"
    print(f"{'prompt':<8} | rule: {head} | old (subset κ): {head}")
    rows = [(name, e["routing"]) for name, e in asap["items"].items()]
    rows.append(("overall", asap["routing"]))
    for name, r in rows:
        cells = []
        for rule in RULES:
            x = r[rule]
            cells.append(
                f"{x['share']:>6.1%} {_f(x['ai_qwk'])} {_f(x['human_qwk'])} "
                f"{_f(x['baseline_qwk'])} {_f(x['ai_lower90'])}"
            )
        print(f"{name:<8} |       {cells[0]} |                 {cells[1]}")
    for rule in RULES:
        r = asap["routing"][rule]
        print(
            f"{rule}: prompts where the AI's held-out bound ≥ rater 2 on its answers: "
            f"{r['prompts_meeting_rule']}/{len(asap['items'])}; point estimate ≥ rater 2: "
            f"{r['prompts_ai_point_at_least_human']}/{len(asap['items'])}"
        )
