"""When the AI may decide alone, and when work goes to a human.

Policy: the AI decides alone only on a rubric where its measured agreement with human graders
reaches the required level, and only on answers it is confident about. For every rubric a
confidence threshold is chosen on held-out human-graded answers: the lowest threshold (so the
largest share of answers decided automatically) at which the AI's agreement on the answers at or
above it still reaches the required level. That agreement is ``metrics.subset_kappa``: QWK of the
selected answers, chance-corrected with the rubric's whole score distribution, so that it compares
directly with the human–human QWK and does not collapse when the confident answers sit on one
level (plain QWK on such a subset is 0 after a single miss, 1 with none). The required level is
configurable; by default it is the human–human agreement measured on that rubric, or
``DEFAULT_REQUIRED_QWK`` when no answer has been graded twice. A rubric with no measurement, or
where no threshold reaches the level, sends every answer to a human (with the AI's suggestion).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from microcred.assessment.metrics import exact_agreement, quadratic_weighted_kappa, subset_kappa
from microcred.domain.review import Agreement, Review
from microcred.errors import InvalidInput

#: Required QWK when a rubric's own human–human agreement is unknown: the level two human graders
#: reached on ASAP-SAS (0.881 over ten prompts), a demanding and widely reported reference.
DEFAULT_REQUIRED_QWK = 0.88

NEVER = math.inf


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How much measured agreement the AI needs before it decides alone."""

    #: Required QWK on the answers the AI decides alone; ``None``: the rubric's human–human level.
    required_qwk: float | None = None
    #: Fewest held-out answers the AI must have decided in the measurement for it to count.
    min_support: int = 30
    #: Safety margin added to the required level when choosing the threshold.
    margin: float = 0.01

    def __post_init__(self) -> None:
        if self.required_qwk is not None and not 0.0 <= self.required_qwk <= 1.0:
            raise InvalidInput("The required agreement is a QWK between 0 and 1.")
        if self.min_support < 1:
            raise InvalidInput("The minimum support must be at least one answer.")

    def required(self, human_qwk: float | None) -> float:
        """The QWK the AI must reach on a rubric whose human–human agreement is ``human_qwk``."""
        if self.required_qwk is not None:
            return self.required_qwk
        return DEFAULT_REQUIRED_QWK if human_qwk is None else human_qwk


@dataclass(frozen=True, slots=True)
class Trust:
    """What routing knows about one rubric: the measurement and the threshold derived from it."""

    agreement: Agreement | None
    #: Reviews at or above this confidence are decided by the AI alone; ``NEVER`` disables that.
    threshold: float
    required_qwk: float

    @property
    def auto_allowed(self) -> bool:
        """Whether any answer on this rubric may be decided by the AI alone."""
        return self.threshold != NEVER


@dataclass(frozen=True, slots=True)
class Route:
    """Where one review goes and why."""

    auto: bool
    reason: str


def measure(
    confidence: npt.NDArray[np.float64],
    predicted: npt.NDArray[np.int64],
    truth: npt.NDArray[np.int64],
    n_levels: int,
    *,
    policy: RoutingPolicy,
    human_qwk: float | None,
    method: str = "cross-validation on human-graded answers",
) -> Trust:
    """Agreement on held-out answers and the routing threshold the policy allows."""
    required = policy.required(human_qwk)
    n = int(truth.size)
    if n == 0:
        return Trust(None, NEVER, required)
    qwk = quadratic_weighted_kappa(truth, predicted, n_levels)
    exact = exact_agreement(truth, predicted)
    order = np.argsort(-confidence, kind="stable")
    best_threshold, best_qwk, best_share = NEVER, None, 0.0
    for m in range(n, policy.min_support - 1, -1):
        # Only cut between distinct confidences: ties are decided together.
        if m < n and confidence[order[m - 1]] == confidence[order[m]]:
            continue
        mask = np.zeros(n, dtype=bool)
        mask[order[:m]] = True
        q = subset_kappa(truth, predicted, mask, n_levels)
        if q >= required + policy.margin:
            best_threshold = float(confidence[order[m - 1]])
            best_qwk, best_share = q, m / n
            break
    agreement = Agreement(
        qwk=qwk,
        exact=exact,
        n=n,
        auto_qwk=best_qwk,
        auto_share=best_share,
        human_qwk=human_qwk,
        method=method,
    )
    return Trust(agreement, best_threshold, required)


def route(review: Review, trust: Trust | None, *, stricter_threshold: float | None = None) -> Route:
    """Whether ``review`` stands alone. An instructor may make a rubric stricter, never looser."""
    if trust is None or trust.agreement is None:
        return Route(False, "No human-graded work has measured the AI on this rubric yet.")
    if not trust.auto_allowed:
        return Route(
            False,
            f"On this rubric the AI has not reached the required agreement "
            f"(QWK {trust.required_qwk:.2f}) at any confidence.",
        )
    threshold = max(trust.threshold, stricter_threshold or 0.0)
    if review.confidence >= threshold:
        return Route(True, f"Confidence {review.confidence:.2f} ≥ threshold {threshold:.2f}.")
    return Route(False, f"Confidence {review.confidence:.2f} < threshold {threshold:.2f}.")
