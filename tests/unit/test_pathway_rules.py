"""Pathway requirement rules: all-of, n-of, minimum levels, prerequisites."""

from __future__ import annotations

import pytest

from microcred.domain.pathway import (
    AllOf,
    Earn,
    Earned,
    NOf,
    Pathway,
    PathwayKind,
    evaluate,
    rule_from_json,
    rule_to_json,
)
from microcred.errors import InvalidInput

RULE = {
    "all_of": [
        {"earn": "git"},
        {
            "n_of": 2,
            "of": [{"earn": "sql", "min_level": 2}, {"earn": "python"}, {"earn": "docker"}],
        },
    ]
}


def test_round_trip_and_evaluation() -> None:
    rule = rule_from_json(RULE)
    assert rule_to_json(rule) == RULE
    assert isinstance(rule, AllOf) and isinstance(rule.children[1], NOf)
    none = evaluate(rule, {})
    assert not none.satisfied and none.done == 0 and none.needed == 3 and none.percent == 0
    assert set(none.missing) >= {"git"}
    some = evaluate(rule, {"git": Earned("git"), "sql": Earned("sql", level=1)})
    assert not some.satisfied and some.done == 1  # sql below the minimum level does not count
    done = evaluate(
        rule, {"git": Earned("git"), "sql": Earned("sql", 3), "docker": Earned("docker")}
    )
    assert done.satisfied and done.percent == 100 and done.missing == ()


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"all_of": []},
        {"n_of": 3, "of": [{"earn": "a"}]},
        {"n_of": 0, "of": [{"earn": "a"}]},
        {"earn": 5},
        {"earn": "a", "min_level": -1},
        {"earn": "a", "extra": 1},
        {"any_of": []},
        {"n_of": True, "of": [{"earn": "a"}]},
    ],
)
def test_malformed_rules_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        rule_from_json(bad)


def test_huge_or_deep_rules_are_refused() -> None:
    deep: dict = {"earn": "x"}
    for _ in range(20):
        deep = {"all_of": [deep]}
    with pytest.raises(InvalidInput, match="nest"):
        rule_from_json(deep)
    with pytest.raises(InvalidInput, match="at most"):
        rule_from_json({"all_of": [{"earn": str(i)} for i in range(1000)]})


def test_prerequisites_are_checked_and_gate_attempts() -> None:
    rule = AllOf((Earn("a"), Earn("b"), Earn("c")))
    p = Pathway("p", "o", "Data", "", PathwayKind.PATHWAY, "whole", rule, {"c": ["a", "b"]})
    assert not p.unlocked("c", {"a": Earned("a")})
    assert p.unlocked("c", {"a": Earned("a"), "b": Earned("b")})
    assert p.unlocked("a", {})
    with pytest.raises(InvalidInput, match="cycle"):
        Pathway("p", "o", "x", "", PathwayKind.PATHWAY, "whole", rule, {"a": ["b"], "b": ["a"]})
    with pytest.raises(InvalidInput, match="not in the pathway"):
        Pathway("p", "o", "x", "", PathwayKind.PATHWAY, "whole", rule, {"a": ["zzz"]})
    with pytest.raises(InvalidInput, match="its own credential"):
        Pathway("p", "o", "x", "", PathwayKind.COURSE, "a", rule)
