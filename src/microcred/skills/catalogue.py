"""The micro-credential catalogue as the planner sees it: items, what they grant, what they need.

An item grants skills at levels for an effort in hours. Its ``requires`` rule says what must be
earned first: another item (`Earned`), a verified skill level (`MinLevel`), all of several rules
(`AllOf`) or at least ``n`` of them (`NOf`). A pathway ("earning the parts earns the whole") is an
item of effort 0 whose rule lists its parts. Rules are monotone: earning more never unmeets one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from microcred.errors import InvalidInput
from microcred.skills.skills_profile import check_level


@dataclass(frozen=True, slots=True)
class Earned:
    """The catalogue item ``item_id`` must be earned first."""

    item_id: str


@dataclass(frozen=True, slots=True)
class MinLevel:
    """The skill must be verified at ``level`` or above first."""

    skill_id: str
    level: int

    def __post_init__(self) -> None:
        check_level(self.level)


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every rule must hold."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class NOf:
    """At least ``n`` of the rules must hold."""

    n: int
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.n <= len(self.rules):
            raise InvalidInput(f"An n-of rule needs 1 ≤ n ≤ {len(self.rules)} (got {self.n}).")


Rule = Earned | MinLevel | AllOf | NOf


@dataclass(frozen=True, slots=True)
class SkillGrant:
    """A skill an item certifies, at a level."""

    skill_id: str
    level: int

    def __post_init__(self) -> None:
        check_level(self.level)


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """A micro-credential (or pathway) someone can earn."""

    id: str
    name: str
    grants: tuple[SkillGrant, ...]
    effort_hours: float
    requires: Rule | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.effort_hours <= 10_000:
            raise InvalidInput(f"Item {self.id!r}: effort must be 0–10,000 hours.")

    def level_of(self, skill_id: str) -> int:
        """The level this item grants for ``skill_id`` (0 when it grants none)."""
        return max((g.level for g in self.grants if g.skill_id == skill_id), default=0)


def holds(rule: Rule | None, earned: Set[str], levels: Mapping[str, int]) -> bool:
    """Whether ``rule`` holds for someone with ``earned`` items and skill ``levels``."""
    if rule is None:
        return True
    if isinstance(rule, Earned):
        return rule.item_id in earned
    if isinstance(rule, MinLevel):
        return levels.get(rule.skill_id, 0) >= rule.level
    if isinstance(rule, AllOf):
        return all(holds(r, earned, levels) for r in rule.rules)
    return sum(holds(r, earned, levels) for r in rule.rules) >= rule.n


def referenced_items(rule: Rule | None) -> set[str]:
    """Items a rule names (directly or inside nested rules)."""
    if rule is None or isinstance(rule, MinLevel):
        return set()
    if isinstance(rule, Earned):
        return {rule.item_id}
    return set().union(*(referenced_items(r) for r in rule.rules))


def referenced_skills(rule: Rule | None) -> set[str]:
    """Skills a rule names in minimum-level conditions."""
    if rule is None or isinstance(rule, Earned):
        return set()
    if isinstance(rule, MinLevel):
        return {rule.skill_id}
    return set().union(*(referenced_skills(r) for r in rule.rules))


def describe(rule: Rule | None, names: Mapping[str, str]) -> str:
    """A rule in plain words, e.g. ``'Python basics' and 2 of ('A', 'B', 'C')``."""
    if rule is None:
        return "nothing"
    if isinstance(rule, Earned):
        return repr(names.get(rule.item_id, rule.item_id))
    if isinstance(rule, MinLevel):
        return f"{rule.skill_id} at level {rule.level}"
    parts = ", ".join(describe(r, names) for r in rule.rules)
    if isinstance(rule, AllOf):
        return f"all of ({parts})"
    return f"{rule.n} of ({parts})"


class Catalogue:
    """Validated items with a by-skill index: which items grant a skill at a level, cheapest
    first."""

    def __init__(self, items: Iterable[CatalogueItem]) -> None:
        """Check the items: unique ids, rules naming known items, no item needing itself."""
        self.items: dict[str, CatalogueItem] = {}
        for item in items:
            if item.id in self.items:
                raise InvalidInput(f"The catalogue lists item {item.id!r} twice.")
            self.items[item.id] = item
        for item in self.items.values():
            unknown = referenced_items(item.requires) - self.items.keys()
            if unknown:
                raise InvalidInput(
                    f"Item {item.id!r} requires {sorted(unknown)[0]!r}, which is not in the "
                    "catalogue."
                )
        self._check_cycles()
        by_skill: dict[str, list[tuple[float, str, int]]] = {}
        for item in self.items.values():
            for skill in {g.skill_id for g in item.grants}:
                by_skill.setdefault(skill, []).append(
                    (item.effort_hours, item.id, item.level_of(skill))
                )
        self._by_skill = {s: sorted(v) for s, v in by_skill.items()}
        self.names = {i.id: i.name for i in self.items.values()}
        #: item → {skill: level granted}
        self.grant_levels = {
            i.id: {s: i.level_of(s) for s in {g.skill_id for g in i.grants}}
            for i in self.items.values()
        }
        #: item → effort in hours
        self.effort = {i.id: float(i.effort_hours) for i in self.items.values()}
        #: item → (items, skills) its rule names
        self.references = {
            i.id: (
                frozenset(referenced_items(i.requires)),
                frozenset(referenced_skills(i.requires)),
            )
            for i in self.items.values()
        }

    def _check_cycles(self) -> None:
        state: dict[str, int] = {}  # 1 visiting, 2 done
        for start in sorted(self.items):
            stack = [(start, iter(sorted(referenced_items(self.items[start].requires))))]
            if state.get(start):
                continue
            state[start] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(child) == 1:
                    raise InvalidInput(
                        f"Item {child!r} requires itself through its prerequisites; no one could "
                        "ever earn it."
                    )
                elif not state.get(child):
                    state[child] = 1
                    stack.append(
                        (child, iter(sorted(referenced_items(self.items[child].requires))))
                    )

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, item_id: str) -> CatalogueItem:
        return self.items[item_id]

    def granting(self, skill_id: str, level: int) -> list[str]:
        """Items granting ``skill_id`` at ``level`` or above, cheapest first (then by id)."""
        return [i for _, i, lv in self._by_skill.get(skill_id, ()) if lv >= level]

    def skills(self) -> set[str]:
        """Every skill some item grants."""
        return set(self._by_skill)
