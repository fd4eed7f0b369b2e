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
)
from microcred.talent.gaps import SkillShortfall
from microcred.talent.roles import RoleProfile
from microcred.talent.skills_profile import EffectiveSkill

#: more target skills than this go straight to the greedy fallback
EXACT_TARGETS = 40
#: default search budget (nodes per independent group of targets); deterministic, unlike a clock
MAX_NODES = 1_000

#: the prerequisite-aware bound is computed only in the first nodes of a search (near the root,
#: where pruning saves most; at most a twentieth of the budget); deeper, the cheap cached bound
STRONG_NODES = 100
#: how many of each open target's likeliest items the greedy step prices
GREEDY_OPTIONS = 6
#: groups with at most this many targets skip the greedy incumbent
SMALL_GROUP = 6

_EPS = 1e-9
_NONE: frozenset[str] = frozenset()
_NO_TARGETS: frozenset[int] = frozenset()


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
#: chosen items in order, as a set, skill levels reached, targets still open, effort so far
_State = tuple[tuple[str, ...], frozenset[str], Mapping[str, int], frozenset[int], float]


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
        self.grants = catalogue.grant_levels
        self.effort = catalogue.effort
        self._option_cache: dict[tuple[str, int], list[str]] = {}
        self.cands = {skill: self._options(skill, level) for skill, level in targets.items()}
        # most constrained targets first, then by skill id
        self.targets = sorted(targets.items(), key=lambda t: (len(self.cands[t[0]]), t[0]))
        self._prepare_bound()
        self.nodes = 0
        self.aborted = False
        self.best: list[str] | None = None
        self.best_cost = math.inf

    def _options(self, skill: str, level: int) -> list[str]:
        key = (skill, level)
        if key not in self._option_cache:
            options = [
                c
                for c in self.cat.granting(skill, level)
                if c not in self.banned and c not in self.earned
            ]
            # likeliest first: own effort plus a lower bound on the prerequisites still unmet
            options.sort(key=lambda c: (self.effort[c] + self._rule_bound(c), self.effort[c], c))
            self._option_cache[key] = options
        return self._option_cache[key]

    def _rule_bound(self, item_id: str) -> float:
        """A lower bound on the effort to meet an item's rule from what the person has."""

        def bound(rule: Rule | None) -> float:
            if rule is None or holds(rule, self.earned, self.held):
                return 0.0
            if isinstance(rule, Earned):
                return self.effort[rule.item_id]
            if isinstance(rule, MinLevel):
                return min(
                    (
                        self.effort[c]
                        for c in self.cat.granting(rule.skill_id, rule.level)
                        if c not in self.banned
                    ),
                    default=math.inf,
                )
            parts = sorted(bound(r) for r in rule.rules)
            return parts[-1] if isinstance(rule, AllOf) else parts[rule.n - 1]

        return bound(self.cat[item_id].requires)

    # ---- rule checks (a goal cannot be met by an item that itself needs the goal met)

    def _holds(
        self, rule: Rule, chosen: Set[str], levels: Mapping[str, int], chain: Set[str]
    ) -> bool:
        if isinstance(rule, MinLevel):
            if levels.get(rule.skill_id, 0) < rule.level:
                return False
            if not chain or self.held.get(rule.skill_id, 0) >= rule.level:
                return True
            return any(
                self.grants[c].get(rule.skill_id, 0) >= rule.level for c in chosen if c not in chain
            )
        if isinstance(rule, Earned):
            return rule.item_id in self.earned or (
                rule.item_id in chosen and rule.item_id not in chain
            )
        if isinstance(rule, AllOf):
            return all(self._holds(r, chosen, levels, chain) for r in rule.rules)
        return sum(self._holds(r, chosen, levels, chain) for r in rule.rules) >= rule.n

    def _prepare_bound(self) -> None:
        """Which targets each candidate item covers, for the bound."""
        self._covers: dict[str, frozenset[int]] = {}
        for i, (skill, _) in enumerate(self.targets):
            for c in self.cands[skill]:
                self._covers[c] = self._covers.get(c, frozenset()) | {i}
        self._bounds: dict[frozenset[int], float] = {}
        # which targets each reachable item can serve: by covering it, or by helping meet the
        # prerequisites of an item that covers it
        serves: dict[str, set[int]] = {}
        self._level_shares: dict[tuple[str, int], float] = {}
        for i, (skill, _) in enumerate(self.targets):
            stack = list(self.cands[skill])
            seen: set[str] = set()
            while stack:
                c = stack.pop()
                if c in seen:
                    continue
                seen.add(c)
                serves.setdefault(c, set()).add(i)
                stack += _rule_items(
                    self.cat, self.cat[c].requires, self.held, self.earned, self.banned
                )
        self._serves = {c: frozenset(ts) for c, ts in serves.items()}

    def _least_share(self, item: str) -> float:
        """An item's effort shared among every target it can serve (a floor on its share)."""
        return self.effort[item] / max(len(self._serves.get(item, ())), 1)

    def _least_level_share(self, skill: str, level: int) -> float:
        key = (skill, level)
        got = self._level_shares.get(key)
        if got is None:
            got = self._level_shares[key] = min(
                map(self._least_share, self._options(skill, level)), default=math.inf
            )
        return got

    def _strong_bound(
        self, remaining: frozenset[int], chosen: Set[str], levels: Mapping[str, int]
    ) -> float:
        """A tighter admissible bound that also charges prerequisites.

        Each item's effort is shared among the remaining targets it can serve (covering them, or
        helping meet the rules of items that cover them). Each remaining target then needs at least
        the cheapest of: a covering item's share plus the least share its rule still needs (one
        level deep; there an item's share is taken over all the targets it serves, a floor).
        Summed over targets, no plan can cost less: every item a plan pays for is counted at most
        as often as the targets it serves.
        """
        share: dict[str, float] = {}

        def cost(x: str) -> float:
            got = share.get(x)
            if got is None:
                n = len(self._serves.get(x, _NO_TARGETS) & remaining)
                got = share[x] = self.effort[x] / max(n, 1)
            return got

        done = self.earned | chosen

        def need(rule: Rule | None) -> float:
            if rule is None or holds(rule, done, levels):
                return 0.0
            if isinstance(rule, Earned):
                return math.inf if rule.item_id in self.banned else self._least_share(rule.item_id)
            if isinstance(rule, MinLevel):
                return self._least_level_share(rule.skill_id, rule.level)
            parts = sorted(need(r) for r in rule.rules)
            return parts[-1] if isinstance(rule, AllOf) else parts[rule.n - 1]

        needs: dict[str, float] = {}

        def total_for(c: str) -> float:
            got = needs.get(c)
            if got is None:
                got = needs[c] = cost(c) + need(self.cat[c].requires)
            return got

        total = 0.0
        for i in remaining:
            best = min(map(total_for, self.cands[self.targets[i][0]]), default=math.inf)
            total += best
            if math.isinf(total):
                break
        return total

    def _bound(self, remaining: frozenset[int]) -> float:
        """Admissible lower bound on the effort still needed for the ``remaining`` targets: the
        larger of the dearest one's cheapest item and a fractional cover in which each item's
        effort is shared among the remaining targets it covers. Cached per remaining set."""
        known = self._bounds.get(remaining)
        if known is not None:
            return known
        lists = [self.cands[self.targets[i][0]] for i in remaining]
        if not lists:
            value = 0.0
        elif not all(lists):
            value = math.inf
        else:
            effort = self.effort
            shared: dict[str, int] = {}
            for cands in lists:
                for c in cands:
                    shared[c] = shared.get(c, 0) + 1
            fractional = sum(min(effort[c] / shared[c] for c in cands) for cands in lists)
            single = max(min(effort[c] for c in cands) for cands in lists)
            value = max(fractional, single)
        self._bounds[remaining] = value
        return value

    def order(self, chosen: Iterable[str], *, partial: bool = False) -> list[str] | None:
        """A valid order of ``chosen`` (cheapest ready item first), or None when none exists;
        with ``partial``, the longest valid order of the items that can be ordered."""
        done = set(self.earned)
        levels = dict(self.held)
        pending = set(chosen)
        seq: list[str] = []
        while pending:
            ready = [c for c in pending if holds(self.cat[c].requires, done, levels)]
            if not ready:
                return seq if partial else None
            pick = min(ready, key=lambda c: (self.effort[c], c))
            seq.append(pick)
            pending.remove(pick)
            done.add(pick)
            for skill, level in self.grants[pick].items():
                if level > levels.get(skill, 0):
                    levels[skill] = level
        return seq

    def covers(self, chosen: Iterable[str]) -> bool:
        """Whether ``chosen`` lifts every target skill to its level."""
        levels = dict(self.held)
        for c in chosen:
            for skill, level in self.grants[c].items():
                levels[skill] = max(levels.get(skill, 0), level)
        return all(levels.get(s, 0) >= lv for s, lv in self.targets)

    # ---- exact search

    def solve(self) -> None:
        """Branch and bound from the current incumbent."""
        goals: tuple[Goal, ...] = tuple((MinLevel(s, lv), 0, _NONE) for s, lv in self.targets)
        self._dfs(goals, ((), frozenset(), self.held, frozenset(range(len(self.targets))), 0.0))

    def _dfs(self, goals: tuple[Goal, ...], state: _State, fresh: bool = True) -> None:
        """Expand the first unmet goal; ``fresh`` when the last step closed a target (only then,
        and near the root, is the dearer prerequisite-aware bound worth computing)."""
        chosen, chosen_set, levels, remaining, cost = state
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.aborted = True
            return
        if cost + self._bound(remaining) >= self.best_cost - _EPS:
            return
        if (
            fresh
            and self.nodes <= min(STRONG_NODES, self.max_nodes // 20)
            and remaining
            and self.best is not None
            and cost + self._strong_bound(remaining, chosen_set, levels) >= self.best_cost - _EPS
        ):
            return
        i = 0
        while i < len(goals) and self._holds(goals[i][0], chosen_set, levels, goals[i][2]):
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
                    self._take(c, chain, rest, state)
                    if self.aborted:
                        return
        elif isinstance(rule, Earned):
            c = rule.item_id
            if c not in chain and c not in self.banned:
                self._take(c, chain, rest, state)
        elif isinstance(rule, AllOf):
            self._dfs(tuple((r, 0, chain) for r in rule.rules) + rest, state, False)
        else:
            met = sum(self._holds(r, chosen_set, levels, chain) for r in rule.rules)
            need = rule.n - met
            open_parts = [
                k
                for k in range(start, len(rule.rules))
                if not self._holds(rule.rules[k], chosen_set, levels, chain)
            ]
            for k in open_parts[: max(0, len(open_parts) - need + 1)]:
                self._dfs(((rule.rules[k], 0, chain), (rule, k + 1, chain), *rest), state, False)
                if self.aborted:
                    return

    def _take(self, c: str, chain: frozenset[str], rest: tuple[Goal, ...], state: _State) -> None:
        chosen, chosen_set, levels, remaining, cost = state
        req = self.cat[c].requires
        ahead: tuple[Goal, ...] = () if req is None else ((req, 0, chain | {c}),)
        raised = dict(levels)
        for skill, level in self.grants[c].items():
            if level > raised.get(skill, 0):
                raised[skill] = level
        covered = self._covers.get(c)
        self._dfs(
            ahead + rest,
            (
                (*chosen, c),
                chosen_set | {c},
                raised,
                remaining - covered if covered else remaining,
                cost + self.effort[c],
            ),
            bool(covered),
        )

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
            for c in self._options(rule.skill_id, rule.level)[:4]:
                if c in visiting:
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

    def greedy(self, start: Sequence[str] = ()) -> list[str] | None:
        """A good plan fast: best effort per target covered, then drop what is not needed.

        ``start`` items (those of them that can still be ordered) are kept as a head start, so a
        plan with one item left out is repaired rather than rebuilt.
        """
        have = set(self.earned)
        levels = dict(self.held)
        chosen: list[str] = []
        for c in self.order([c for c in start if c not in self.banned], partial=True) or ():
            chosen.append(c)
            have.add(c)
            for skill, level in self.grants[c].items():
                levels[skill] = max(levels.get(skill, 0), level)
        while True:
            open_targets = [(s, lv) for s, lv in self.targets if levels.get(s, 0) < lv]
            if not open_targets:
                break
            best: tuple[float, float, str, list[str], set[str], dict[str, int]] | None = None
            seen: set[str] = set()
            for skill, _ in open_targets:
                for c in self.cands[skill][:GREEDY_OPTIONS]:
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
            if self.covers(trial) and self.order(trial) is not None:
                chosen = trial
        return self.order(chosen)

    def run(self, exact: bool, start: Sequence[str] = ()) -> None:
        """Greedy incumbent (skipped for small groups, which search settles fast, unless there is
        a ``start`` to repair), then branch and bound when ``exact``."""
        big = not exact or len(self.targets) > SMALL_GROUP
        seq = self.greedy(start) if big or start else None
        if seq is not None:
            self.best, self.best_cost = seq, sum(self.effort[c] for c in seq)
        if exact:
            self.solve()
            if self.best is None and self.aborted:  # out of budget before any plan: fall back
                seq = self.greedy()
                if seq is not None:
                    self.best, self.best_cost = seq, sum(self.effort[c] for c in seq)


def _rule_items(
    cat: Catalogue,
    rule: Rule | None,
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
) -> list[str]:
    """Items that could take part in meeting ``rule`` (none when it already holds)."""
    if rule is None or holds(rule, earned, held):
        return []
    if isinstance(rule, Earned):
        return [] if rule.item_id in banned else [rule.item_id]
    if isinstance(rule, MinLevel):
        return [c for c in cat.granting(rule.skill_id, rule.level) if c not in banned]
    return [c for r in rule.rules for c in _rule_items(cat, r, held, earned, banned)]


def _components(
    cat: Catalogue,
    targets: Mapping[str, int],
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
) -> list[dict[str, int]]:
    """Split the targets into groups that no item (or prerequisite of one) connects.

    Each group can be solved on its own: the groups' best plans share no item, so their union is
    the best plan overall, and a union of valid plans is valid because rules are monotone.
    """
    owner: dict[str, str] = {}
    parent = {t: t for t in targets}

    def find(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for target, level in sorted(targets.items()):
        stack = [c for c in cat.granting(target, level) if c not in banned and c not in earned]
        seen: set[str] = set()
        while stack:
            c = stack.pop()
            if c in seen or c in earned:
                continue
            seen.add(c)
            other = owner.setdefault(c, target)
            if other != target:
                parent[find(other)] = find(target)
            stack += _rule_items(cat, cat[c].requires, held, earned, banned)
    groups: dict[str, dict[str, int]] = {}
    for target, level in targets.items():
        groups.setdefault(find(target), {})[target] = level
    return sorted(groups.values(), key=min)


def _reach(
    cat: Catalogue,
    targets: Mapping[str, int],
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
) -> set[str]:
    """Every item that could be part of a plan: candidates and, recursively, what their unmet
    rules could use."""
    stack = [
        c
        for target, level in targets.items()
        for c in cat.granting(target, level)
        if c not in banned and c not in earned
    ]
    seen: set[str] = set()
    while stack:
        c = stack.pop()
        if c not in seen and c not in earned:
            seen.add(c)
            stack += _rule_items(cat, cat[c].requires, held, earned, banned)
    return seen


def _dominated(
    cat: Catalogue,
    targets: Mapping[str, int],
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
) -> set[str]:
    """Candidate items no least-effort plan needs, because another candidate with no unmet
    prerequisite costs no more and grants at least as much of every skill that matters.

    Skills that matter are the targets and the skills any reachable rule asks a level of; an item
    some reachable rule names by id is never dropped. Swapping a dropped item for the one that
    dominates it keeps any plan valid and no dearer, so dropping it loses no optimum.
    """
    reach = _reach(cat, targets, held, earned, banned)
    matters = set(targets).union(*(cat.references[c][1] for c in reach))
    named = set().union(*(cat.references[c][0] for c in reach))
    free = {c for c in reach if holds(cat[c].requires, earned, held)}
    out: set[str] = set()
    for target, level in targets.items():
        cands = [c for c in cat.granting(target, level) if c in reach]
        for c in cands:
            if c in named or c in out:
                continue
            mine = {s: lv for s, lv in cat.grant_levels[c].items() if s in matters}
            for d in cands:
                if (
                    d != c
                    and d in free
                    and d not in out
                    and (cat.effort[d], d) < (cat.effort[c], c)
                    and all(cat.grant_levels[d].get(s, 0) >= lv for s, lv in mine.items())
                ):
                    out.add(c)
                    break
    return out


@dataclass(frozen=True, slots=True)
class _Solved:
    targets: Mapping[str, int]
    items: tuple[str, ...] | None
    cost: float
    exact: bool
    nodes: int


def _solve_group(
    cat: Catalogue,
    targets: Mapping[str, int],
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
    max_nodes: int,
    start: Sequence[str] = (),
) -> _Solved:
    search = _Search(cat, targets, held, earned, banned, max_nodes)
    if any(not c for c in search.cands.values()):
        return _Solved(targets, None, math.inf, True, 0)
    exact = len(targets) <= EXACT_TARGETS
    search.run(exact, start)
    best = None if search.best is None else tuple(search.best)
    return _Solved(targets, best, search.best_cost, exact and not search.aborted, search.nodes)


def _explain(
    cat: Catalogue,
    held: Mapping[str, int],
    seq: Sequence[str],
    targets: Mapping[str, int],
    exact: bool,
    method: str,
) -> Plan:
    levels = dict(held)
    steps: list[PlanStep] = []
    names = cat.names
    for pos, c in enumerate(seq):
        item: CatalogueItem = cat[c]
        raises = []
        for skill, level in sorted(cat.grant_levels[c].items()):
            before = levels.get(skill, 0)
            if skill in targets and level > before:
                raises.append(SkillChange(skill, before, level, targets[skill]))
            levels[skill] = max(before, level)
        granted = cat.grant_levels[c].keys()
        enables = tuple(
            later
            for later in seq[pos + 1 :]
            if c in cat.references[later][0] or not granted.isdisjoint(cat.references[later][1])
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
    total = sum(cat.effort[c] for c in seq)
    return Plan(tuple(steps), total, exact, method)


def _assemble(
    cat: Catalogue,
    held: Mapping[str, int],
    earned: Set[str],
    parts: Sequence[_Solved],
) -> Plan:
    items = [c for p in parts if p.items for c in p.items]
    targets = {s: lv for p in parts if p.items is not None for s, lv in p.targets.items()}
    # one order across groups, cheapest ready first; the groups' own orders, one after the
    # other, are valid too (rules are monotone), should the merge ever fail
    seq = _Search(cat, {}, held, earned, _NONE, 0).order(items) or items
    exact = all(p.exact for p in parts)
    if not parts:
        method = "nothing to close"
    elif all(len(p.targets) > EXACT_TARGETS for p in parts):
        method = "greedy"
    else:
        method = "branch and bound" if exact else "branch and bound (budget reached) / greedy"
    return _explain(cat, held, seq, targets, exact, method)


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

    Returns ``None`` when some target cannot be met (no item grants it at its level, or the
    prerequisites cannot be met). ``max_nodes`` is the search budget per independent group of
    targets.
    """
    if max_nodes < 0:
        raise InvalidInput("The search budget cannot be negative.")
    held = held or {}
    wanted = {s: lv for s, lv in targets.items() if held.get(s, 0) < lv}
    banned = frozenset(banned) | _dominated(catalogue, wanted, held, earned, banned)
    groups = _components(catalogue, wanted, held, earned, banned)
    parts = [_solve_group(catalogue, g, held, earned, banned, max_nodes) for g in groups]
    nodes = sum(p.nodes for p in parts)
    if any(p.items is None for p in parts):
        return None, nodes
    return _assemble(catalogue, held, earned, parts), nodes


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

    Skills no catalogue item grants at the needed level, or whose prerequisites cannot be met, are
    listed as unreachable; the plan closes the rest. Each alternative leaves out one item of the
    plan that closes a gap and re-plans the part of the gap it touched.
    """
    held = {s: v if isinstance(v, int) else v.level for s, v in skills.items()}
    targets = tuple(
        SkillTarget(r.skill_id, r.level, held.get(r.skill_id, 0))
        for r in role.requirements
        if held.get(r.skill_id, 0) < r.level
    )
    wanted = {t.skill_id: t.required for t in targets}
    dropped = frozenset(_dominated(catalogue, wanted, held, earned, frozenset()))
    groups = _components(catalogue, wanted, held, earned, dropped)
    parts = [_solve_group(catalogue, g, held, earned, dropped, max_nodes) for g in groups]
    nodes = sum(p.nodes for p in parts)
    unreachable = tuple(sorted(s for p in parts if p.items is None for s in p.targets))
    parts = [p for p in parts if p.items is not None]
    plan = _assemble(catalogue, held, earned, parts)
    candidates: list[tuple[float, tuple[str, ...], int, _Solved]] = []
    for k, part in enumerate(parts):
        for item in part.items or ():
            if any(catalogue.grant_levels[item].get(s, 0) >= lv for s, lv in part.targets.items()):
                candidates.append((-catalogue.effort[item], (item,), k, part))
    others: dict[frozenset[str], tuple[float, tuple[str, ...], list[_Solved]]] = {}
    for _, (item,), k, part in sorted(candidates)[: alternatives + 1 if alternatives else 0]:
        alt = _solve_group(
            catalogue,
            part.targets,
            held,
            earned,
            dropped | {item},
            max_nodes // 10,
            part.items or (),
        )
        nodes += alt.nodes
        if alt.items is None:
            continue
        swapped = [*parts[:k], alt, *parts[k + 1 :]]
        items = tuple(sorted(c for p in swapped for c in p.items or ()))
        key = frozenset(items)
        if key != frozenset(plan.item_ids) and key not in others:
            others[key] = (sum(catalogue.effort[c] for c in items), items, swapped)
    ranked = sorted(others.values(), key=lambda o: (o[0], o[1]))[:alternatives]
    return CareerPath(
        person_id,
        role.id,
        targets,
        plan,
        tuple(_assemble(catalogue, held, earned, swapped) for _, _, swapped in ranked),
        unreachable,
        nodes,
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
