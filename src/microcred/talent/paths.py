"""Career paths: the least-effort ordered plan of micro-credentials that closes a skill gap.

The problem is a weighted set cover with prerequisites: choose catalogue items whose grants lift
every target skill to its level, such that the items can be taken in an order where each one's
rule (`Earned`, `MinLevel`, `AllOf`, `NOf`) holds from what the person already has plus the items
before it, at least total effort.

How it is solved:

* **Exact** (up to `EXACT_TARGETS` target skills and `max_nodes` search nodes): depth-first branch
  and bound over goals. The first unmet goal is expanded: a skill level branches over the items
  granting it (cheapest first), an item rule pushes that item's own rule as goals to meet first, an
  n-of rule branches over which part to take next. The bound is the larger of the dearest single
  remaining target and a fractional cover (each item's effort shared among the remaining targets it
  covers), and the search starts from the greedy plan as incumbent. Every finished candidate is
  checked to have a valid order; only those count.
* **Fallback** (more targets, or the node budget runs out): greedy by effort per target covered,
  prerequisites resolved cheapest-first, then redundant items removed; the plan says
  ``exact=False``.

Alternatives are the best plans found when one of the chosen plan's gap-closing items is left out,
distinct by item set, cheapest first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from microcred.errors import InvalidInput
from microcred.talent.catalogue import (
    AllOf,
    Catalogue,
    CatalogueItem,
    Earned,
    MinLevel,
    NOf,
    Rule,
    describe,
    holds,
    referenced_items,
    referenced_skills,
)
from microcred.talent.gaps import SkillShortfall
from microcred.talent.roles import RoleProfile
from microcred.talent.skills_profile import EffectiveSkill

#: more target skills than this go straight to the greedy fallback
EXACT_TARGETS = 40
#: default search budget (nodes) for the exact search; deterministic, unlike a time limit
MAX_NODES = 20_000

_EPS = 1e-9
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SkillChange:
    """A target skill a step raises, from ``before`` to ``after`` (the role needs ``required``)."""

    skill_id: str
    before: int
    after: int
    required: int


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One micro-credential to earn, and why it is in the plan."""

    item_id: str
    name: str
    effort_hours: float
    raises: tuple[SkillChange, ...]
    #: later steps in the plan whose prerequisites this step helps meet
    enables: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """An ordered plan: every step's prerequisites are met by what comes before it."""

    steps: tuple[PlanStep, ...]
    total_effort_hours: float
    #: True when the search proved no cheaper plan exists in the catalogue
    exact: bool
    method: str

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The items in plan order."""
        return tuple(s.item_id for s in self.steps)


@dataclass(frozen=True, slots=True)
class SkillTarget:
    """A skill the target role needs above the person's verified level."""

    skill_id: str
    required: int
    current: int


@dataclass(frozen=True, slots=True)
class CareerPath:
    """The plan to a target role, its alternatives, and the gaps no catalogue item closes."""

    person_id: str
    role_id: str
    targets: tuple[SkillTarget, ...]
    plan: Plan
    alternatives: tuple[Plan, ...]
    #: target skills no catalogue item grants at the required level
    unreachable: tuple[str, ...]
    nodes: int


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """How close a person's verified skills are to a role."""

    role_id: str
    readiness: float
    met: int
    total: int
    missing: tuple[str, ...]
    below: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeedMatch:
    """An unmet organisational need (a skill shortfall) and where the person stands on it."""

    skill_id: str
    required_level: int
    shortfall: int
    person_level: int

    @property
    def can_fill(self) -> bool:
        """Whether the person's verified level already meets the need."""
        return self.person_level >= self.required_level


Goal = tuple[Rule, int, frozenset[str]]  # rule, n-of start index, items that need it met first


class _Search:
    """One planning problem: targets, what the person has, and the catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        targets: Mapping[str, int],
        held: Mapping[str, int],
        earned: Set[str],
        banned: Set[str],
        max_nodes: int,
    ) -> None:
        self.cat = catalogue
        self.held = dict(held)
        self.earned = frozenset(earned)
        self.banned = frozenset(banned)
        self.max_nodes = max_nodes
        self.grants = {
            i.id: {g.skill_id: g.level for g in i.grants} for i in catalogue.items.values()
        }
        self.effort = {i.id: i.effort_hours for i in catalogue.items.values()}
        self._option_cache: dict[tuple[str, int], list[str]] = {}
        self.cands = {skill: self._options(skill, level) for skill, level in targets.items()}
        # most constrained targets first, then by skill id
        self.targets = sorted(targets.items(), key=lambda t: (len(self.cands[t[0]]), t[0]))
        self.nodes = 0
        self.aborted = False
        self.best: list[str] | None = None
        self.best_cost = math.inf

    # ---- rule checks with the chosen items (a goal cannot be met by an item that needs it)

    def _level(self, skill: str, chosen: Set[str], chain: Set[str]) -> int:
        level = self.held.get(skill, 0)
        for c in chosen:
            if c not in chain:
                level = max(level, self.grants[c].get(skill, 0))
        return level

    def _holds(self, rule: Rule, chosen: Set[str], chain: Set[str]) -> bool:
        if isinstance(rule, MinLevel):
            return self._level(rule.skill_id, chosen, chain) >= rule.level
        if isinstance(rule, Earned):
            return rule.item_id in self.earned or (
                rule.item_id in chosen and rule.item_id not in chain
            )
        if isinstance(rule, AllOf):
            return all(self._holds(r, chosen, chain) for r in rule.rules)
        return sum(self._holds(r, chosen, chain) for r in rule.rules) >= rule.n

    def _bound(self, chosen: Set[str]) -> float:
        """Admissible lower bound on the effort still needed for the target skills."""
        remaining = []
        for skill, level in self.targets:
            if self._level(skill, chosen, _NONE) < level:
                cands = [c for c in self.cands[skill] if c not in chosen]
                if not cands:
                    return math.inf
                remaining.append(cands)
        if not remaining:
            return 0.0
        shared: dict[str, int] = {}
        for cands in remaining:
            for c in cands:
                shared[c] = shared.get(c, 0) + 1
        fractional = sum(min(self.effort[c] / shared[c] for c in cands) for cands in remaining)
        single = max(self.effort[cands[0]] for cands in remaining)
        return max(fractional, single)

    def order(self, chosen: Iterable[str]) -> list[str] | None:
        """A valid order of ``chosen`` (cheapest ready item first), or None when none exists."""
        done = set(self.earned)
        levels = dict(self.held)
        pending = set(chosen)
        seq: list[str] = []
        while pending:
            ready = [c for c in pending if holds(self.cat[c].requires, done, levels)]
            if not ready:
                return None
            pick = min(ready, key=lambda c: (self.effort[c], c))
            seq.append(pick)
            pending.remove(pick)
            done.add(pick)
            for skill, level in self.grants[pick].items():
                if level > levels.get(skill, 0):
                    levels[skill] = level
        return seq

    def covers(self, chosen: Set[str]) -> bool:
        """Whether ``chosen`` lifts every target skill to its level."""
        return all(self._level(s, chosen, _NONE) >= lv for s, lv in self.targets)

    # ---- exact search

    def solve(self) -> None:
        """Branch and bound from the current incumbent."""
        goals: tuple[Goal, ...] = tuple((MinLevel(s, lv), 0, frozenset()) for s, lv in self.targets)
        self._dfs(goals, (), 0.0)

    def _dfs(self, goals: tuple[Goal, ...], chosen: tuple[str, ...], cost: float) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.aborted = True
            return
        chosen_set = frozenset(chosen)
        if cost + self._bound(chosen_set) >= self.best_cost - _EPS:
            return
        i = 0
        while i < len(goals) and self._holds(goals[i][0], chosen_set, goals[i][2]):
            i += 1
        if i == len(goals):
            seq = self.order(chosen)
            if seq is not None and cost < self.best_cost - _EPS:
                self.best, self.best_cost = seq, cost
            return
        rule, start, chain = goals[i]
        rest = goals[i + 1 :]
        if isinstance(rule, MinLevel):
            for c in self._options(rule.skill_id, rule.level):
                if c not in chosen_set and c not in chain:
                    self._take(c, chain, rest, chosen, cost)
                    if self.aborted:
                        return
        elif isinstance(rule, Earned):
            c = rule.item_id
            if c not in chain and c not in self.banned:
                self._take(c, chain, rest, chosen, cost)
        elif isinstance(rule, AllOf):
            self._dfs(tuple((r, 0, chain) for r in rule.rules) + rest, chosen, cost)
        else:
            met = sum(self._holds(r, chosen_set, chain) for r in rule.rules)
            need = rule.n - met
            open_parts = [
                k
                for k in range(start, len(rule.rules))
                if not self._holds(rule.rules[k], chosen_set, chain)
            ]
            for k in open_parts[: max(0, len(open_parts) - need + 1)]:
                self._dfs(((rule.rules[k], 0, chain), (rule, k + 1, chain), *rest), chosen, cost)
                if self.aborted:
                    return

    def _options(self, skill: str, level: int) -> list[str]:
        key = (skill, level)
        if key not in self._option_cache:
            self._option_cache[key] = [
                c
                for c in self.cat.granting(skill, level)
                if c not in self.banned and c not in self.earned
            ]
        return self._option_cache[key]

    def _take(
        self,
        c: str,
        chain: frozenset[str],
        rest: tuple[Goal, ...],
        chosen: tuple[str, ...],
        cost: float,
    ) -> None:
        req = self.cat[c].requires
        ahead: tuple[Goal, ...] = () if req is None else ((req, 0, chain | {c}),)
        self._dfs(ahead + rest, (*chosen, c), cost + self.effort[c])

    # ---- greedy fallback

    def _resolve(
        self, rule: Rule | None, have: set[str], levels: dict[str, int], visiting: frozenset[str]
    ) -> list[str] | None:
        """Items to add (in order) so ``rule`` holds, cheapest-first; mutates have/levels."""
        if rule is None or holds(rule, have, levels):
            return []
        if isinstance(rule, Earned):
            return self._acquire(rule.item_id, have, levels, visiting)
        if isinstance(rule, MinLevel):
            best: tuple[float, list[str], set[str], dict[str, int]] | None = None
            for c in self.cat.granting(rule.skill_id, rule.level)[:4]:
                if c in self.banned or c in visiting:
                    continue
                h, lv = set(have), dict(levels)
                got = self._acquire(c, h, lv, visiting)
                if got is not None:
                    price = sum(self.effort[x] for x in got)
                    if best is None or price < best[0]:
                        best = (price, got, h, lv)
            if best is None:
                return None
            have.clear()
            have.update(best[2])
            levels.clear()
            levels.update(best[3])
            return best[1]
        parts: Sequence[Rule] = rule.rules
        if isinstance(rule, NOf):
            priced: list[tuple[float, int, Rule]] = []
            for r in rule.rules:
                h, lv = set(have), dict(levels)
                got = self._resolve(r, h, lv, visiting)
                if got is not None:
                    priced.append((sum(self.effort[x] for x in got), len(priced), r))
            if len(priced) < rule.n:
                return None
            parts = [r for _, _, r in sorted(priced)[: rule.n]]
        added: list[str] = []
        for r in parts:
            got = self._resolve(r, have, levels, visiting)
            if got is None:
                return None
            added += got
        return added

    def _acquire(
        self, c: str, have: set[str], levels: dict[str, int], visiting: frozenset[str]
    ) -> list[str] | None:
        if c in have:
            return []
        if c in self.banned or c in visiting:
            return None
        before = self._resolve(self.cat[c].requires, have, levels, visiting | {c})
        if before is None:
            return None
        have.add(c)
        for skill, level in self.grants[c].items():
            levels[skill] = max(levels.get(skill, 0), level)
        return [*before, c]

    def greedy(self) -> list[str] | None:
        """A good plan fast: best effort per target covered, then drop what is not needed."""
        have = set(self.earned)
        levels = dict(self.held)
        chosen: list[str] = []
        while True:
            open_targets = [(s, lv) for s, lv in self.targets if levels.get(s, 0) < lv]
            if not open_targets:
                break
            best: tuple[float, float, str, list[str], set[str], dict[str, int]] | None = None
            seen: set[str] = set()
            for skill, _ in open_targets:
                for c in self.cands[skill][:6]:
                    if c in seen or c in have:
                        continue
                    seen.add(c)
                    h, lv = set(have), dict(levels)
                    got = self._acquire(c, h, lv, frozenset())
                    if not got:
                        continue
                    gain = sum(lv.get(s, 0) >= need for s, need in open_targets)
                    price = sum(self.effort[x] for x in got)
                    key = (price / gain, price, c)
                    if gain and (best is None or key < best[:3]):
                        best = (*key, got, h, lv)
            if best is None:
                return None
            chosen += best[3]
            have, levels = best[4], best[5]
        for c in sorted(chosen, key=lambda c: (-self.effort[c], c)):
            trial = [x for x in chosen if x != c]
            if self.covers(set(trial)) and self.order(trial) is not None:
                chosen = trial
        return self.order(chosen)


def _explain(
    search: _Search, seq: Sequence[str], targets: Mapping[str, int], exact: bool, method: str
) -> Plan:
    levels = dict(search.held)
    steps: list[PlanStep] = []
    names = search.cat.names
    for pos, c in enumerate(seq):
        item: CatalogueItem = search.cat[c]
        raises = []
        for skill, level in sorted(search.grants[c].items()):
            before = levels.get(skill, 0)
            if skill in targets and level > before:
                raises.append(SkillChange(skill, before, level, targets[skill]))
            levels[skill] = max(before, level)
        granted = set(search.grants[c])
        enables = tuple(
            later
            for later in seq[pos + 1 :]
            if c in referenced_items(search.cat[later].requires)
            or granted & referenced_skills(search.cat[later].requires)
        )
        why = []
        if raises:
            why.append(
                "Raises "
                + ", ".join(f"{r.skill_id} from {r.before} to {r.after}" for r in raises)
                + " (the role needs "
                + ", ".join(f"{r.required}" for r in raises)
                + ")."
            )
        if enables:
            why.append("Needed before " + ", ".join(repr(names[e]) for e in enables) + ".")
        if item.requires is not None:
            why.append(f"Requires {describe(item.requires, names)}, met by then.")
        steps.append(
            PlanStep(c, item.name, item.effort_hours, tuple(raises), enables, " ".join(why))
        )
    total = sum(search.effort[c] for c in seq)
    return Plan(tuple(steps), total, exact, method)


def plan_path(
    catalogue: Catalogue,
    targets: Mapping[str, int],
    *,
    held: Mapping[str, int] | None = None,
    earned: Set[str] = frozenset(),
    banned: Set[str] = frozenset(),
    max_nodes: int = MAX_NODES,
) -> tuple[Plan | None, int]:
    """The least-effort ordered plan lifting each target skill to its level (and nodes searched).

    ``targets`` must all be reachable (some item grants each at its level); returns ``None`` when
    the catalogue's prerequisites make it impossible.
    """
    if max_nodes < 0:
        raise InvalidInput("The search budget cannot be negative.")
    held = held or {}
    wanted = {s: lv for s, lv in targets.items() if held.get(s, 0) < lv}
    search = _Search(catalogue, wanted, held, earned, banned, max_nodes)
    if not wanted:
        return Plan((), 0.0, True, "nothing to close"), 0
    if any(not c for c in search.cands.values()):
        return None, 0
    seq = search.greedy()
    if seq is not None:
        search.best = seq
        search.best_cost = sum(search.effort[c] for c in seq)
    if len(wanted) <= EXACT_TARGETS:
        search.solve()
        exact = not search.aborted
        method = "branch and bound" if exact else "branch and bound (budget reached)"
    else:
        exact, method = False, "greedy"
    if search.best is None:
        return None, search.nodes
    return _explain(search, search.best, wanted, exact, method), search.nodes


def career_path(
    catalogue: Catalogue,
    role: RoleProfile,
    skills: Mapping[str, EffectiveSkill] | Mapping[str, int],
    *,
    person_id: str = "",
    earned: Set[str] = frozenset(),
    alternatives: int = 2,
    max_nodes: int = MAX_NODES,
) -> CareerPath:
    """The plan from a person's verified skills to ``role``, with up to ``alternatives`` others.

    Skills no catalogue item grants at the needed level are listed as unreachable; the plan closes
    the rest.
    """
    held = {s: v if isinstance(v, int) else v.level for s, v in skills.items()}
    targets = tuple(
        SkillTarget(r.skill_id, r.level, held.get(r.skill_id, 0))
        for r in role.requirements
        if held.get(r.skill_id, 0) < r.level
    )
    unreachable = tuple(
        t.skill_id for t in targets if not catalogue.granting(t.skill_id, t.required)
    )
    wanted = {t.skill_id: t.required for t in targets if t.skill_id not in unreachable}
    plan, nodes = plan_path(catalogue, wanted, held=held, earned=earned, max_nodes=max_nodes)
    if plan is None:
        plan = Plan((), 0.0, False, "no valid plan: prerequisites cannot be met")
    others: dict[frozenset[str], Plan] = {}
    if alternatives > 0 and plan.steps:
        closers = sorted(
            (s for s in plan.steps if s.raises), key=lambda s: (-s.effort_hours, s.item_id)
        )
        for step in closers[: max(2 * alternatives, 4)]:
            alt, used = plan_path(
                catalogue,
                wanted,
                held=held,
                earned=earned,
                banned={step.item_id},
                max_nodes=max_nodes,
            )
            nodes += used
            if alt is not None and frozenset(alt.item_ids) != frozenset(plan.item_ids):
                others.setdefault(frozenset(alt.item_ids), alt)
    ranked = sorted(others.values(), key=lambda p: (p.total_effort_hours, p.item_ids))
    return CareerPath(
        person_id, role.id, targets, plan, tuple(ranked[:alternatives]), unreachable, nodes
    )


def closest_roles(
    skills: Mapping[str, EffectiveSkill] | Mapping[str, int],
    roles: Iterable[RoleProfile],
    *,
    top: int = 5,
) -> tuple[RoleMatch, ...]:
    """The roles a person's verified skills are closest to: readiness, then met count, then id."""
    held = {s: v if isinstance(v, int) else v.level for s, v in skills.items()}
    out = []
    for role in roles:
        if not role.requirements:
            continue
        missing = tuple(r.skill_id for r in role.requirements if r.skill_id not in held)
        below = tuple(
            r.skill_id for r in role.requirements if 0 < held.get(r.skill_id, 0) < r.level
        )
        met = len(role.requirements) - len(missing) - len(below)
        out.append(
            RoleMatch(role.id, role.readiness(held), met, len(role.requirements), missing, below)
        )
    out.sort(key=lambda m: (-round(m.readiness, 9), -m.met, m.role_id))
    return tuple(out[:top])


def closest_needs(
    skills: Mapping[str, EffectiveSkill] | Mapping[str, int],
    shortfalls: Iterable[SkillShortfall],
    *,
    top: int = 10,
) -> tuple[NeedMatch, ...]:
    """Unmet organisational needs nearest the person: ones they can fill now first, then the
    smallest level gap, then the largest shortfall."""
    held = {s: v if isinstance(v, int) else v.level for s, v in skills.items()}
    out = [
        NeedMatch(s.skill_id, s.level, s.shortfall, held.get(s.skill_id, 0))
        for s in shortfalls
        if s.shortfall > 0 and held.get(s.skill_id, 0) > 0
    ]
    out.sort(
        key=lambda n: (
            max(0, n.required_level - n.person_level),
            -n.shortfall,
            n.skill_id,
            n.required_level,
        )
    )
    return tuple(out[:top])
