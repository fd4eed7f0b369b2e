"""Human audits of the code reviewer: measured agreement between the tests' verdict and people.

A clean test run (every test reached a verdict) may decide a code submission alone. A share of
those runs is sampled for a human audit instead: a reviewer decides without being bound by the
tests, and each audit is one pair (the tests' pass/fail, the person's pass/fail). From the pairs
collected under the current tests comes the agreement shown to instructors and written into
credentials, and the rule that stops the tests deciding alone when people disagree with them.

Audits catch what no sandbox can: tests that pass wrong work (or fail right work), and a
submission written to fool the test harness it shares a process with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from scipy.stats import beta

from microcred.domain.review import AuditSummary
from microcred.domain.review_json import audit_to_json
from microcred.errors import InvalidInput

#: Share of clean runs sampled for a human audit unless the instructor sets another.
AUDIT_SHARE = 0.05
#: Audits needed before the measured agreement can stop the tests deciding alone.
MIN_AUDITS = 10
#: Pass/fail agreement with people below which the tests stop deciding alone.
REQUIRED_AGREEMENT = 0.95
#: One-sided confidence of the upper bound on the disagreement rate.
CONFIDENCE = 0.95


def check_audit_share(share: float) -> float:
    """``share`` if it is a share of runs (0 to 1), else :class:`InvalidInput`."""
    if not 0.0 <= share <= 1.0:  # also refuses NaN
        raise InvalidInput("audit_share is the share of clean runs a person checks, from 0 to 1.")
    return share


def sampled_for_audit(submission_id: str, share: float) -> bool:
    """Whether a submission is audited: a uniform draw fixed by its (server-made) id, so running
    its review again gives the same answer."""
    draw = int.from_bytes(hashlib.sha256(submission_id.encode()).digest()[:8], "big") / 2**64
    return draw < share


@dataclass(frozen=True, slots=True)
class AuditAgreement:
    """Pass/fail agreement between the tests and human auditors under one version of the tests:
    the 2 × 2 table of audits. A false pass: the tests passed work a person failed."""

    both_pass: int = 0
    both_fail: int = 0
    false_passes: int = 0
    false_fails: int = 0

    @property
    def n(self) -> int:
        """Number of audits."""
        return self.both_pass + self.both_fail + self.false_passes + self.false_fails

    @property
    def exact(self) -> float | None:
        """Share of audits where the tests and the person agreed (``None`` before any)."""
        return None if self.n == 0 else (self.both_pass + self.both_fail) / self.n

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa, when both the tests and the people gave both verdicts."""
        tests_pass = self.both_pass + self.false_passes
        people_pass = self.both_pass + self.false_fails
        if self.n == 0 or tests_pass in (0, self.n) or people_pass in (0, self.n):
            return None
        chance = (tests_pass * people_pass + (self.n - tests_pass) * (self.n - people_pass)) / (
            self.n * self.n
        )
        exact = self.exact
        assert exact is not None
        return (exact - chance) / (1.0 - chance)

    @property
    def disagreement_upper(self) -> float | None:
        """Upper bound on the rate at which people would disagree with the tests (exact
        binomial, one-sided ``CONFIDENCE``): what ``n`` audits can rule out."""
        if self.n == 0:
            return None
        k = self.false_passes + self.false_fails
        return 1.0 if k >= self.n else float(beta.ppf(CONFIDENCE, k + 1, self.n - k))

    @property
    def suspended(self) -> bool:
        """The tests may not decide alone: enough audits, and too many disagreements."""
        exact = self.exact
        return self.n >= MIN_AUDITS and exact is not None and exact < REQUIRED_AGREEMENT

    def add(self, tests_passed: bool, person_passed: bool) -> AuditAgreement:
        """The table with one more audit."""
        field = {
            (True, True): "both_pass",
            (False, False): "both_fail",
            (True, False): "false_passes",
            (False, True): "false_fails",
        }[(tests_passed, person_passed)]
        return replace(self, **{field: getattr(self, field) + 1})

    def summary(self) -> AuditSummary:
        """The table and what it measures, as recorded with a verdict."""
        return AuditSummary(
            audits=self.n,
            exact=self.exact,
            kappa=self.kappa,
            both_pass=self.both_pass,
            both_fail=self.both_fail,
            false_passes=self.false_passes,
            false_fails=self.false_fails,
            disagreement_upper_95=self.disagreement_upper,
            min_audits=MIN_AUDITS,
            required_agreement=REQUIRED_AGREEMENT,
            suspended=self.suspended,
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return audit_to_json(self.summary())
