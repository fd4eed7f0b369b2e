"""When the AI may decide alone, and when work goes to a human: a rule a sceptic accepts.

The rule. The AI decides alone only the answers at or above a confidence threshold, and only on a
rubric where, on held-out answers, its **plain QWK with the first human grader on the answers it
takes** — as a lower 90% bootstrap bound, not a point estimate — is at least a **second human's
plain QWK with the first on those same answers**. The comparison is always made on the answers the
AI would take, never on the rubric's whole set, so a subset of easy answers cannot flatter it.

- *Which second human.* Where answers were graded twice (at least ``min_support`` of the answers
  the AI would take), the second grader's QWK on exactly those answers. Where only one rater
  exists, the rubric's own human–human QWK (``Rubric.human_agreement``), else
  ``DEFAULT_REQUIRED_QWK``; the decision says which figure it used (``Agreement.auto_basis``,
  ``Trust.reason``).
- *Threshold chosen on other data.* ``choose_cut`` picks the lowest threshold (the largest share)
  whose bound passes (a stricter, 95% bound: a threshold that just passes where it was chosen
  falls just short on new answers). ``measure`` judges that choice out of fold: the held-out
  answers are split into ``folds``; for each, the threshold is chosen on the other folds and
  applied to it; the pooled answers so decided must pass the 90% bound. Only then is the
  threshold chosen on all the answers used; the figures shown (``Agreement.auto_*``) are those
  of the pooled, judged answers. A rubric with no measurement, or where the judged rule fails,
  sends every answer to a human (with the AI's suggestion).

The bound is a one-sided percentile bound over Poisson(1) bootstrap replicates (every item
reweighted independently, so every cut of the ranking is resampled at once: ``metrics.prefix_qwk``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.assessment.metrics import (
    exact_agreement,
    poisson_weights,
    prefix_qwk,
    quadratic_weighted_kappa,
)
from microcred.domain.review import Agreement, Review
from microcred.errors import InvalidInput

#: The human–human QWK a rubric with one rater is held to: what two human graders reached on
#: ASAP-SAS (0.881 over ten prompts), a demanding and widely reported reference.
DEFAULT_REQUIRED_QWK = 0.88

NEVER = math.inf

SECOND_RATER = "a second human grader on the same answers"
RUBRIC_FIGURE = "this rubric's human–human QWK (one grader per answer)"
DEFAULT_FIGURE = "the ASAP human–human QWK 0.88 (one grader per answer, no rubric figure)"
FIXED_FIGURE = "the level the operator set"

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How the rule is applied: the bound, the folds, the fewest answers a figure may rest on."""

    #: A fixed QWK replacing every human figure (``None``: the second rater, else the rubric's).
    required_qwk: float | None = None
    #: Fewest answers a decided subset (and a second rater's figure on it) must hold.
    min_support: int = 30
    #: One-sided confidence of the lower bound on the AI's QWK when the rule is judged.
    confidence: float = 0.90
    #: The (stricter) bound a threshold must pass on the answers it is chosen on: a threshold
    #: chosen to pass exactly there falls just short on new answers (the winner's curse).
    select_confidence: float = 0.95
    replicates: int = 200
    #: Folds of the out-of-fold judgement of the threshold choice.
    folds: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.required_qwk is not None and not 0.0 <= self.required_qwk <= 1.0:
            raise InvalidInput("The required agreement is a QWK between 0 and 1.")
        if self.min_support < 1:
            raise InvalidInput("The minimum support must be at least one answer.")
        if not (0.5 <= self.confidence < 1.0 and 0.5 <= self.select_confidence < 1.0):
            raise InvalidInput("The bound's confidence lies in [0.5, 1).")
        if self.replicates < 20 or self.folds < 2:
            raise InvalidInput("The bound needs 20 or more replicates and 2 or more folds.")

    def required(self, human_qwk: float | None) -> float:
        """The human figure for a rubric with one grader per answer (or the fixed level)."""
        if self.required_qwk is not None:
            return self.required_qwk
        return DEFAULT_REQUIRED_QWK if human_qwk is None else human_qwk

    def fallback_basis(self, human_qwk: float | None) -> str:
        """Which figure ``required`` gave, in words."""
        if self.required_qwk is not None:
            return FIXED_FIGURE
        return DEFAULT_FIGURE if human_qwk is None else RUBRIC_FIGURE


@dataclass(frozen=True, slots=True)
class Cut:
    """A threshold and the figures it passed on: the AI's QWK, its bound, the human's."""

    threshold: float
    size: int
    ai_qwk: float
    ai_lower: float
    human_qwk: float
    basis: str


@dataclass(frozen=True, slots=True)
class Trust:
    """What routing knows about one rubric: the measurement and the threshold derived from it."""

    agreement: Agreement | None
    #: Reviews at or above this confidence are decided by the AI alone; ``NEVER`` disables that.
    threshold: float
    #: The human figure for one-grader answers (what instructors see as "required").
    required_qwk: float
    #: Why the AI may (or may not) decide alone, with the figures.
    reason: str = ""

    @property
    def auto_allowed(self) -> bool:
        """Whether any answer on this rubric may be decided by the AI alone."""
        return self.threshold != NEVER


@dataclass(frozen=True, slots=True)
class Route:
    """Where one review goes and why."""

    auto: bool
    reason: str


def _second(second: npt.NDArray[np.integer] | None, n: int) -> Ints:
    if second is None:
        return np.full(n, -1, dtype=np.int64)
    out = np.asarray(second, dtype=np.int64)
    if out.shape != (n,):
        raise InvalidInput("The second grades must cover the same answers.")
    return out


def _curves(
    truth: Ints,
    predicted: Ints,
    second: Ints,
    policy: RoutingPolicy,
    human_qwk: float | None,
    confidence: float,
) -> tuple[Floats, Floats, Floats, list[str]]:
    """Per prefix of answers (already ranked): the AI's QWK, its lower bound, the human figure."""
    n = truth.size
    has2 = (second >= 0).astype(np.float64)
    boot = poisson_weights(n, policy.replicates, policy.seed + n)
    q = 1.0 - confidence
    point_all = prefix_qwk(truth, predicted, np.ones(n))
    lower_all = np.quantile(prefix_qwk(truth, predicted, boot), q, axis=0)
    fallback = policy.required(human_qwk)
    basis = [policy.fallback_basis(human_qwk)] * n
    human = np.full(n, fallback)
    if policy.required_qwk is not None or not has2.any():
        return point_all, lower_all, human, basis
    point2 = prefix_qwk(truth, predicted, has2)
    lower2 = np.quantile(prefix_qwk(truth, predicted, boot * has2), q, axis=0)
    human2 = prefix_qwk(truth, np.where(second >= 0, second, 0), has2)
    enough = np.cumsum(has2) >= policy.min_support
    basis = [SECOND_RATER if e else b for e, b in zip(enough, basis, strict=True)]
    return (
        np.where(enough, point2, point_all),
        np.where(enough, lower2, lower_all),
        np.where(enough, human2, human),
        basis,
    )


def choose_cut(
    confidence: Floats,
    predicted: Ints,
    truth: Ints,
    second: npt.NDArray[np.integer] | None = None,
    *,
    policy: RoutingPolicy,
    human_qwk: float | None,
) -> Cut | None:
    """The lowest confidence threshold whose decided answers pass the rule on these answers
    (with the selection bound, ``select_confidence``)."""
    n = int(truth.size)
    if n < policy.min_support:
        return None
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    point, lower, human, basis = _curves(
        truth[order],
        predicted[order],
        _second(second, n)[order],
        policy,
        human_qwk,
        policy.select_confidence,
    )
    for m in range(n, policy.min_support - 1, -1):
        # Only cut between distinct confidences: ties are decided together.
        if m < n and conf[m - 1] == conf[m]:
            continue
        if lower[m - 1] >= human[m - 1]:
            return Cut(
                float(conf[m - 1]),
                m,
                float(point[m - 1]),
                float(lower[m - 1]),
                float(human[m - 1]),
                basis[m - 1],
            )
    return None


def judge(
    decided: npt.NDArray[np.bool_],
    predicted: Ints,
    truth: Ints,
    second: npt.NDArray[np.integer] | None = None,
    *,
    policy: RoutingPolicy,
    human_qwk: float | None,
) -> Cut | None:
    """The rule's figures on the answers in ``decided`` (``None`` when too few to judge);
    ``threshold`` is 0 when the rule holds on them and ``NEVER`` when it does not."""
    idx = np.flatnonzero(decided)
    if idx.size < policy.min_support:
        return None
    point, lower, human, basis = _curves(
        truth[idx],
        predicted[idx],
        _second(second, truth.size)[idx],
        policy,
        human_qwk,
        policy.confidence,
    )
    holds = lower[-1] >= human[-1]
    return Cut(
        0.0 if holds else NEVER,
        int(idx.size),
        float(point[-1]),
        float(lower[-1]),
        float(human[-1]),
        basis[-1],
    )


def folds_of(n: int, policy: RoutingPolicy) -> list[Ints]:
    """The answers (indices) of each fold of the out-of-fold judgement; fixed by the seed."""
    rng = np.random.default_rng(policy.seed)
    return [np.sort(f).astype(np.int64) for f in np.array_split(rng.permutation(n), policy.folds)]


def out_of_fold(
    confidence: Floats,
    predicted: Ints,
    truth: Ints,
    second: npt.NDArray[np.integer] | None = None,
    *,
    policy: RoutingPolicy,
    human_qwk: float | None,
) -> npt.NDArray[np.bool_]:
    """Which answers the rule decides when each fold's threshold is chosen on the other folds."""
    n = int(truth.size)
    sec = _second(second, n)
    decided = np.zeros(n, dtype=bool)
    for held in folds_of(n, policy):
        rest = np.setdiff1d(np.arange(n), held)
        cut = choose_cut(
            confidence[rest],
            predicted[rest],
            truth[rest],
            sec[rest],
            policy=policy,
            human_qwk=human_qwk,
        )
        if cut is not None:
            decided[held] = confidence[held] >= cut.threshold
    return decided


def measure(
    confidence: Floats,
    predicted: Ints,
    truth: Ints,
    n_levels: int,
    *,
    policy: RoutingPolicy,
    human_qwk: float | None,
    second: npt.NDArray[np.integer] | None = None,
    method: str = "cross-validation on human-graded answers",
) -> Trust:
    """Agreement on held-out answers, the rule judged out of fold, and the threshold it allows."""
    required = policy.required(human_qwk)
    n = int(truth.size)
    if n == 0:
        return Trust(None, NEVER, required, "No human-graded work has measured the AI yet.")
    decided = out_of_fold(confidence, predicted, truth, second, policy=policy, human_qwk=human_qwk)
    judged = judge(decided, predicted, truth, second, policy=policy, human_qwk=human_qwk)
    chosen = choose_cut(confidence, predicted, truth, second, policy=policy, human_qwk=human_qwk)
    allowed = judged is not None and judged.threshold == 0.0 and chosen is not None
    agreement = Agreement(
        qwk=quadratic_weighted_kappa(truth, predicted, n_levels),
        exact=exact_agreement(truth, predicted),
        n=n,
        auto_qwk=judged.ai_qwk if judged and allowed else None,
        auto_share=judged.size / n if judged and allowed else 0.0,
        human_qwk=human_qwk,
        method=method,
        auto_qwk_lower=judged.ai_lower if judged and allowed else None,
        auto_human_qwk=judged.human_qwk if judged and allowed else None,
        auto_basis=judged.basis if judged else policy.fallback_basis(human_qwk),
    )
    if judged is None:
        basis = SECOND_RATER if second is not None else policy.fallback_basis(human_qwk)
        reason = (
            f"Held out, the rule let the AI decide fewer than {policy.min_support} answers "
            f"alone: too few to show it agrees with people as well as {basis}."
        )
    else:
        verb = "≥" if allowed else "<"
        reason = (
            f"On {judged.size} held-out answers it would have decided (threshold chosen on "
            f"other answers), the AI's QWK is {judged.ai_qwk:.3f}, lower "
            f"{policy.confidence:.0%} bound {judged.ai_lower:.3f} {verb} {judged.human_qwk:.3f}, "
            f"{judged.basis}."
        )
    if allowed and chosen is not None:
        return Trust(agreement, chosen.threshold, required, reason)
    return Trust(agreement, NEVER, required, reason)


def route(review: Review, trust: Trust | None, *, stricter_threshold: float | None = None) -> Route:
    """Whether ``review`` stands alone. An instructor may make a rubric stricter, never looser."""
    if trust is None or trust.agreement is None:
        return Route(False, "No human-graded work has measured the AI on this rubric yet.")
    if not trust.auto_allowed:
        return Route(False, f"The AI may not decide alone on this rubric. {trust.reason}")
    threshold = max(trust.threshold, stricter_threshold or 0.0)
    if review.confidence >= threshold:
        return Route(
            True,
            f"Confidence {review.confidence:.2f} ≥ threshold {threshold:.2f}. {trust.reason}",
        )
    return Route(False, f"Confidence {review.confidence:.2f} < threshold {threshold:.2f}.")
