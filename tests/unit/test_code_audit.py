"""Human audits of the code reviewer: the sampling draw and the agreement table (pure)."""

from __future__ import annotations

import math
import random

import pytest
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from microcred.assessment.code_audit import (
    MIN_AUDITS,
    AuditAgreement,
    check_audit_share,
    sampled_for_audit,
)
from microcred.errors import InvalidInput


def test_the_draw_is_fixed_by_the_id_and_hits_the_share() -> None:
    ids = [f"0b6c4f1e-{i:04x}-4000-8000-{i * 7919:012x}" for i in range(40_000)]
    assert [sampled_for_audit(i, 0.05) for i in ids[:500]] == [
        sampled_for_audit(i, 0.05) for i in ids[:500]
    ]
    share = sum(sampled_for_audit(i, 0.05) for i in ids) / len(ids)
    assert abs(share - 0.05) < 0.004  # 3.7 standard errors
    assert not any(sampled_for_audit(i, 0.0) for i in ids[:2000])
    assert all(sampled_for_audit(i, 1.0) for i in ids[:2000])


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan, math.inf])
def test_an_audit_share_outside_zero_to_one_is_refused(bad: float) -> None:
    with pytest.raises(InvalidInput, match="audit_share"):
        check_audit_share(bad)


def test_kappa_and_exact_agree_with_scikit_learn() -> None:
    rng = random.Random(3)
    for _ in range(200):
        pairs = [(rng.random() < 0.7, rng.random() < 0.6) for _ in range(rng.randint(1, 40))]
        table = AuditAgreement()
        for tests, person in pairs:
            table = table.add(tests, person)
        assert table.n == len(pairs)
        assert table.exact == pytest.approx(sum(t == p for t, p in pairs) / len(pairs))
        tests_v = [int(t) for t, _ in pairs]
        people_v = [int(p) for _, p in pairs]
        if len(set(tests_v)) == 2 and len(set(people_v)) == 2:
            assert table.kappa == pytest.approx(cohen_kappa_score(tests_v, people_v))
        else:
            assert table.kappa is None


def test_the_upper_bound_is_the_exact_binomial_one() -> None:
    assert AuditAgreement().disagreement_upper is None
    clean = AuditAgreement(both_pass=15, both_fail=5)  # 0 of 20: 1 - 0.05 ** (1 / 20)
    assert clean.disagreement_upper == pytest.approx(1 - 0.05 ** (1 / 20))
    assert AuditAgreement(false_passes=3).disagreement_upper == 1.0
    one = AuditAgreement(both_pass=19, false_passes=1)
    assert clean.disagreement_upper < one.disagreement_upper < 0.25  # type: ignore[operator]


def test_the_tests_stop_deciding_alone_only_on_enough_disagreeing_audits() -> None:
    assert not AuditAgreement(both_pass=MIN_AUDITS - 2, false_passes=1).suspended  # too few
    assert AuditAgreement(both_pass=MIN_AUDITS - 1, false_passes=1).suspended  # 90 %
    assert AuditAgreement(both_pass=MIN_AUDITS - 1, false_fails=1).suspended
    assert not AuditAgreement(both_pass=15, both_fail=4, false_fails=1).suspended  # 95 %
    assert not AuditAgreement(both_pass=MIN_AUDITS).suspended
    view = AuditAgreement(both_pass=9, false_passes=1).as_dict()
    assert view["audits"] == 10 and view["exact"] == 0.9 and view["suspended"] is True
    assert view["false_passes"] == 1 and view["kappa"] is None
