"""Courses and pathways that embed micro-credentials, and the rules that say when they are earned.

A pathway's requirement is a tree: ``AllOf`` every child, ``NOf`` at least *n* children, or an
``Earn`` leaf naming a micro-credential (optionally at a minimum result level). Prerequisites say
which micro-credentials must be earned before another may be attempted.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from microcred.errors import InvalidInput

MAX_RULE_NODES = 500
MAX_RULE_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Earn:
    """Earn this micro-credential (at ``min_level`` or better, when its levels are ordered)."""

    achievement_id: str
    min_level: int | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every child is required."""

    children: tuple[Requirement, ...]


@dataclass(frozen=True, slots=True)
class NOf:
    """At least ``n`` children are required."""

    n: int
    children: tuple[Requirement, ...]


Requirement = Earn | AllOf | NOf


@dataclass(frozen=True, slots=True)
class Earned:
    """A micro-credential a learner holds: which, at what level (rank of the rubric level)."""

    achievement_id: str
    level: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a learner is along a requirement."""

    satisfied: bool
    done: int
    needed: int
    missing: tuple[str, ...]

    @property
    def percent(self) -> int:
        """Share of the needed parts already earned, 0–100."""
        return 100 if self.needed == 0 else round(100 * min(self.done, self.needed) / self.needed)


def evaluate(rule: Requirement, earned: Mapping[str, Earned]) -> Progress:
    """Whether ``earned`` satisfies ``rule``, how many parts are done, and what is missing."""
    if isinstance(rule, Earn):
        got = earned.get(rule.achievement_id)
        ok = got is not None and (
            rule.min_level is None or (got.level is not None and got.level >= rule.min_level)
        )
        return Progress(ok, int(ok), 1, () if ok else (rule.achievement_id,))
    parts = [evaluate(child, earned) for child in rule.children]
    need = len(parts) if isinstance(rule, AllOf) else rule.n
    satisfied_parts = [p for p in parts if p.satisfied]
    ok = len(satisfied_parts) >= need
    # progress: the best `need` children, counted by their own done/needed
    ranked = sorted(parts, key=lambda p: (p.satisfied, p.done / max(p.needed, 1)), reverse=True)
    best = ranked[:need]
    done = sum(min(p.done, p.needed) for p in best)
    needed = sum(p.needed for p in best)
    missing: list[str] = []
    if not ok:
        for p in best:
            if not p.satisfied:
                missing.extend(m for m in p.missing if m not in missing)
    return Progress(ok, done, needed, tuple(missing))


def achievements_in(rule: Requirement) -> set[str]:
    """Every micro-credential the rule mentions."""
    if isinstance(rule, Earn):
        return {rule.achievement_id}
    found: set[str] = set()
    for child in rule.children:
        found |= achievements_in(child)
    return found


def rule_from_json(data: Any, depth: int = 0, counter: list[int] | None = None) -> Requirement:
    """Parse ``{"all_of": [...]}``, ``{"n_of": n, "of": [...]}`` or
    ``{"earn": ID, "min_level": k}``; refuse malformed, empty, too deep or too large rules."""
    counter = counter if counter is not None else [0]
    counter[0] += 1
    if counter[0] > MAX_RULE_NODES:
        raise InvalidInput(f"A requirement rule may have at most {MAX_RULE_NODES} parts.")
    if depth > MAX_RULE_DEPTH:
        raise InvalidInput(f"A requirement rule may nest at most {MAX_RULE_DEPTH} levels.")
    if not isinstance(data, dict):
        raise InvalidInput("Each requirement is an object: all_of, n_of/of, or earn.")
    if "earn" in data:
        if set(data) - {"earn", "min_level"} or not isinstance(data["earn"], str):
            raise InvalidInput(
                "An 'earn' requirement has 'earn' (an achievement id) and optionally 'min_level'."
            )
        level = data.get("min_level")
        if level is not None and (
            not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 100
        ):
            raise InvalidInput("min_level must be a whole number between 0 and 100.")
        return Earn(data["earn"], level)
    if "all_of" in data:
        if set(data) != {"all_of"}:
            raise InvalidInput("'all_of' takes no other keys.")
        children = _children(data["all_of"], depth, counter)
        return AllOf(children)
    if "n_of" in data:
        if set(data) != {"n_of", "of"}:
            raise InvalidInput("'n_of' needs 'of', the list to choose from.")
        n = data["n_of"]
        children = _children(data["of"], depth, counter)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(children):
            raise InvalidInput(f"n_of must be between 1 and {len(children)}.")
        return NOf(n, children)
    raise InvalidInput("Unknown requirement; use all_of, n_of/of, or earn.")


def _children(items: Any, depth: int, counter: list[int]) -> tuple[Requirement, ...]:
    if not isinstance(items, list) or not items:
        raise InvalidInput("A requirement group needs a non-empty list.")
    return tuple(rule_from_json(item, depth + 1, counter) for item in items)


def rule_to_json(rule: Requirement) -> dict[str, Any]:
    """The JSON form `rule_from_json` reads."""
    if isinstance(rule, Earn):
        return {"earn": rule.achievement_id} | (
            {"min_level": rule.min_level} if rule.min_level is not None else {}
        )
    if isinstance(rule, AllOf):
        return {"all_of": [rule_to_json(c) for c in rule.children]}
    return {"n_of": rule.n, "of": [rule_to_json(c) for c in rule.children]}


def check_prerequisites(prerequisites: Mapping[str, Iterable[str]], members: set[str]) -> None:
    """Prerequisites must name pathway members and contain no cycle."""
    graph = {k: set(v) for k, v in prerequisites.items()}
    for node, needs in graph.items():
        unknown = ({node} | needs) - members
        if unknown:
            raise InvalidInput(
                f"Prerequisites name {sorted(unknown)[0]!r}, which is not in the pathway."
            )
        if node in needs:
            raise InvalidInput("A micro-credential cannot be its own prerequisite.")
    state: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise InvalidInput("The prerequisites form a cycle: " + " -> ".join((*trail, node)))
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, (*trail, node))
        state[node] = 2

    for node in sorted(graph):
        visit(node, ())


class PathwayKind(enum.StrEnum):
    """A course is taken as a unit; a pathway strings courses and micro-credentials together."""

    COURSE = "course"
    PATHWAY = "pathway"


@dataclass(slots=True)
class Pathway:
    """A course or pathway: earning its requirement issues its own (larger) credential."""

    id: str
    organisation_id: str
    name: str
    description: str
    kind: PathwayKind
    #: the achievement issued when the requirement is met (e.g. achievementType LearningProgram)
    achievement_id: str
    requirement: Requirement
    prerequisites: dict[str, list[str]] = field(default_factory=dict)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        members = achievements_in(self.requirement)
        if self.achievement_id in members:
            raise InvalidInput("A pathway cannot require its own credential.")
        check_prerequisites(self.prerequisites, members)

    def unlocked(self, achievement_id: str, earned: Mapping[str, Earned]) -> bool:
        """Whether the learner may attempt ``achievement_id`` (its prerequisites are earned)."""
        return all(p in earned for p in self.prerequisites.get(achievement_id, []))
