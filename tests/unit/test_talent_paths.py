"""Career paths: valid order, least effort (against brute force), alternatives, reverse matching."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.errors import InvalidInput
from microcred.skills.catalogue import (
    AllOf,
    Catalogue,
    CatalogueItem,
    Earned,
    MinLevel,
    NOf,
    Rule,
    SkillGrant,
    holds,
)
from microcred.skills.gaps import SkillShortfall
from microcred.skills.path_problem import dominated
from microcred.skills.paths import (
    Plan,
    career_path,
    closest_needs,
    closest_roles,
    plan_path,
)
from microcred.skills.roles import Requirement, RoleProfile

SKILLS = ("a", "b", "c", "d")


def item(
    id: str, grants: Mapping[str, int], effort: float, requires: Rule | None = None
) -> CatalogueItem:
    return CatalogueItem(
        id, id.upper(), tuple(SkillGrant(s, lv) for s, lv in grants.items()), effort, requires
    )


def assert_valid_order(
    cat: Catalogue, plan: Plan, held: Mapping[str, int], earned: frozenset[str] = frozenset()
) -> None:
    """Every step's prerequisites hold from what the person had plus the steps before it."""
    done, levels = set(earned), dict(held)
    for step in plan.steps:
        assert holds(cat[step.item_id].requires, done, levels), step
        done.add(step.item_id)
        for g in cat[step.item_id].grants:
            levels[g.skill_id] = max(levels.get(g.skill_id, 0), g.level)
    assert plan.total_effort_hours == pytest.approx(sum(s.effort_hours for s in plan.steps))


def covers(
    cat: Catalogue, chosen: Sequence[str], targets: Mapping[str, int], held: Mapping[str, int]
) -> bool:
    levels = dict(held)
    for c in chosen:
        for g in cat[c].grants:
            levels[g.skill_id] = max(levels.get(g.skill_id, 0), g.level)
    return all(levels.get(s, 0) >= lv for s, lv in targets.items())


def orderable(cat: Catalogue, chosen: Sequence[str], held: Mapping[str, int]) -> bool:
    done: set[str] = set()
    levels = dict(held)
    pending = set(chosen)
    while pending:
        ready = {c for c in pending if holds(cat[c].requires, done, levels)}
        if not ready:
            return False
        for c in ready:
            for g in cat[c].grants:
                levels[g.skill_id] = max(levels.get(g.skill_id, 0), g.level)
        done |= ready
        pending -= ready
    return True


def brute_force(
    cat: Catalogue, targets: Mapping[str, int], held: Mapping[str, int]
) -> float | None:
    ids = sorted(cat.items)
    best = None
    for k in range(len(ids) + 1):
        for combo in combinations(ids, k):
            if covers(cat, combo, targets, held) and orderable(cat, combo, held):
                cost = sum(cat[c].effort_hours for c in combo)
                best = cost if best is None else min(best, cost)
    return best


CATALOGUE = Catalogue(
    [
        item("sql1", {"sql": 2}, 5),
        item("sql3", {"sql": 3}, 10, Earned("sql1")),
        item("boot", {"sql": 3, "py": 3}, 30),
        item("py3", {"py": 3}, 8, MinLevel("py", 2)),
        item("py2", {"py": 2}, 4),
        item("web", {"web": 2}, 6),
        item("ops", {"ops": 2}, 6),
        item("cloud", {"cloud": 4}, 0, NOf(2, (Earned("web"), Earned("ops"), Earned("py3")))),
    ]
)


def test_plan_is_ordered_least_effort_and_explained() -> None:
    role = RoleProfile("dev", "Dev", (Requirement("sql", 3), Requirement("py", 3)))
    path = career_path(CATALOGUE, role, {"py": 1}, person_id="p")
    plan = path.plan
    assert plan.exact
    assert set(plan.item_ids) == {"sql1", "sql3", "py2", "py3"}
    assert plan.total_effort_hours == 27
    assert plan.item_ids.index("sql1") < plan.item_ids.index("sql3")
    assert plan.item_ids.index("py2") < plan.item_ids.index("py3")
    assert_valid_order(CATALOGUE, plan, {"py": 1})
    first = plan.steps[plan.item_ids.index("sql1")]
    assert first.enables == ("sql3",) and "Needed before 'SQL3'" in first.reason
    assert [(t.skill_id, t.required, t.current) for t in path.targets] == [
        ("py", 3, 1),
        ("sql", 3, 0),
    ]
    assert [a.item_ids for a in path.alternatives] == [("boot",)]
    assert path.alternatives[0].total_effort_hours == 30


def test_pathway_item_earned_through_its_parts() -> None:
    role = RoleProfile("c", "Cloud", (Requirement("cloud", 4),))
    path = career_path(CATALOGUE, role, {})
    assert set(path.plan.item_ids) == {"web", "ops", "cloud"}  # 2 of 3 parts, the cheapest
    assert path.plan.item_ids[-1] == "cloud"
    assert path.plan.total_effort_hours == 12
    # someone who already holds 'web' only needs one more part
    held = career_path(CATALOGUE, role, {}, earned=frozenset({"web"}))
    assert set(held.plan.item_ids) == {"ops", "cloud"}


def test_nothing_to_do_unreachable_and_impossible() -> None:
    role = RoleProfile("r", "R", (Requirement("sql", 2), Requirement("cobol", 3)))
    path = career_path(CATALOGUE, role, {"sql": 2})
    assert path.unreachable == ("cobol",)
    assert path.plan.steps == () and path.plan.total_effort_hours == 0
    impossible = Catalogue([item("x", {"a": 3}, 1, MinLevel("zzz", 2))])
    plan, _ = plan_path(impossible, {"a": 3})
    assert plan is None
    path = career_path(impossible, RoleProfile("r", "R", (Requirement("a", 3),)), {})
    assert path.unreachable == ("a",) and path.plan.steps == ()


def test_catalogue_validation() -> None:
    with pytest.raises(InvalidInput, match="requires itself"):
        Catalogue([item("x", {"a": 1}, 1, Earned("y")), item("y", {"a": 1}, 1, Earned("x"))])
    with pytest.raises(InvalidInput, match="not in the catalogue"):
        Catalogue([item("x", {"a": 1}, 1, Earned("ghost"))])
    with pytest.raises(InvalidInput, match="twice"):
        Catalogue([item("x", {"a": 1}, 1), item("x", {"a": 1}, 1)])
    with pytest.raises(InvalidInput):
        NOf(3, (Earned("a"), Earned("b")))


def test_skill_level_cycle_is_broken_by_another_item() -> None:
    """A needs b≥2; B grants b2 but needs A. C grants b2 freely: the plan must use C."""
    cat = Catalogue(
        [
            item("A", {"a": 3}, 1, MinLevel("b", 2)),
            item("B", {"b": 2, "c": 3}, 1, Earned("A")),
            item("C", {"b": 2}, 5),
        ]
    )
    plan, _ = plan_path(cat, {"a": 3, "c": 3})
    assert plan is not None
    assert_valid_order(cat, plan, {})
    assert set(plan.item_ids) == {"A", "B", "C"}


def test_greedy_fallback_for_large_gaps_is_valid() -> None:
    skills = [f"s{i}" for i in range(60)]
    # every item needs a shared base skill, so all 60 targets form one group: too many for search
    items = [item(f"i{i}", {s: 3}, 1 + i % 7, MinLevel("base", 1)) for i, s in enumerate(skills)]
    items += [item("base1", {"base": 1}, 2), item("base2", {"base": 2}, 3)]
    items += [item(f"adv{i}", {s: 4}, 3, Earned(f"i{i}")) for i, s in enumerate(skills[:30])]
    cat = Catalogue(items)
    plan, _ = plan_path(cat, dict.fromkeys(skills[:30], 4) | dict.fromkeys(skills[30:], 3))
    assert plan is not None and not plan.exact and plan.method == "greedy"
    assert_valid_order(cat, plan, {})


def test_budget_exhaustion_is_reported() -> None:
    role = RoleProfile("dev", "Dev", (Requirement("sql", 3), Requirement("py", 3)))
    path = career_path(CATALOGUE, role, {}, max_nodes=1)
    assert not path.plan.exact and "budget" in path.plan.method
    assert_valid_order(CATALOGUE, path.plan, {})


def test_closest_roles_and_needs() -> None:
    roles = [
        RoleProfile("dev", "Dev", (Requirement("sql", 3), Requirement("py", 3))),
        RoleProfile("dba", "DBA", (Requirement("sql", 4),)),
        RoleProfile("ops", "Ops", (Requirement("ops", 2),)),
    ]
    matches = closest_roles({"sql": 3, "py": 3}, roles)
    assert [m.role_id for m in matches] == ["dev", "dba", "ops"]
    assert matches[1].below == ("sql",) and matches[2].missing == ("ops",)
    needs = [
        SkillShortfall("sql", 4, 5, 1, 4, ("dba",)),
        SkillShortfall("py", 2, 3, 0, 3, ("dev",)),
        SkillShortfall("ops", 2, 9, 0, 9, ("ops",)),
    ]
    near = closest_needs({"sql": 3, "py": 3}, needs)
    assert [(n.skill_id, n.can_fill) for n in near] == [("py", True), ("sql", False)]


@st.composite
def problems(draw: st.DrawFn) -> tuple[Catalogue, dict[str, int], dict[str, int]]:
    n = draw(st.integers(1, 7))
    items = []
    for i in range(n):
        grants = draw(
            st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), min_size=1, max_size=2)
        )
        effort = draw(st.integers(0, 20))

        def leaf(i: int = i) -> st.SearchStrategy[Rule]:
            options: list[st.SearchStrategy[Rule]] = [
                st.builds(MinLevel, st.sampled_from(SKILLS), st.integers(1, 3))
            ]
            if i:
                options.append(st.builds(Earned, st.sampled_from([f"i{j}" for j in range(i)])))
            return st.one_of(options)

        rule = draw(
            st.one_of(
                st.none(),
                leaf(),
                st.lists(leaf(), min_size=2, max_size=3).map(lambda rs: AllOf(tuple(rs))),
                st.lists(leaf(), min_size=2, max_size=3).flatmap(
                    lambda rs: st.integers(1, len(rs)).map(lambda k: NOf(k, tuple(rs)))
                ),
            )
        )
        items.append(item(f"i{i}", grants, effort, rule))
    targets = draw(
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 4), min_size=1, max_size=3)
    )
    held = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 3), max_size=2))
    return Catalogue(items), targets, held


@settings(max_examples=200, deadline=None)
@given(problems())
def test_plans_are_valid_and_least_effort(
    problem: tuple[Catalogue, dict[str, int], dict[str, int]],
) -> None:
    cat, targets, held = problem
    reachable = {s: lv for s, lv in targets.items() if cat.granting(s, lv) or held.get(s, 0) >= lv}
    plan, _ = plan_path(cat, reachable, held=held)
    best = brute_force(cat, reachable, held)
    if best is None:
        assert plan is None
        return
    assert plan is not None
    assert_valid_order(cat, plan, held)
    assert covers(cat, plan.item_ids, reachable, held)
    assert plan.exact
    assert plan.total_effort_hours == pytest.approx(best)


def test_dominated_items_are_dropped_unless_a_rule_names_them() -> None:
    cat = Catalogue(
        [
            item("cheap", {"a": 3, "b": 3}, 5),
            item("dear", {"a": 3}, 9),  # dominated by 'cheap'
            item("named", {"a": 3}, 9),  # dominated too, but 'pathway' names it
            item("pathway", {"c": 2}, 0, Earned("named")),
            item("gated", {"a": 3}, 1, MinLevel("z", 1)),  # cheaper, but not free: kept
        ]
    )
    assert dominated(cat, {"a": 3, "c": 2}, {}, frozenset(), frozenset()) == {"dear"}
    plan, _ = plan_path(cat, {"a": 3, "c": 2})
    assert plan is not None and set(plan.item_ids) == {"named", "pathway"}
