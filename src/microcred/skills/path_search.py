"""The search behind career paths: least-effort sets of catalogue items, with prerequisites.

The problem is a weighted set cover with prerequisites: choose catalogue items whose grants lift
every target skill to its level, such that the items can be taken in an order where each one's
rule (`Earned`, `MinLevel`, `AllOf`, `NOf`) holds from what the person already has plus the items
before it, at least total effort. `microcred.skills.paths` explains the method and turns the result
into plans; :mod:`microcred.skills.path_problem` holds the problem and its bounds, this module
the exact search and the greedy fallback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

from microcred.skills.catalogue import AllOf, Catalogue, Earned, MinLevel, NOf, Rule, holds
from microcred.skills.path_problem import NO_ITEMS, PathProblem

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

Goal = tuple[Rule, int, frozenset[str]]  # rule, n-of start index, items that need it met first
#: chosen items in order, as a set, skill levels reached, targets still open, effort so far
_State = tuple[tuple[str, ...], frozenset[str], Mapping[str, int], frozenset[int], float]


class Search(PathProblem):
    """Branch and bound over one planning problem, with a greedy fallback and incumbent."""

    def __init__(
        self,
        catalogue: Catalogue,
        targets: Mapping[str, int],
        held: Mapping[str, int],
        earned: Set[str],
        banned: Set[str],
        max_nodes: int,
    ) -> None:
        super().__init__(catalogue, targets, held, earned, banned)
        self.max_nodes = max_nodes
        self.nodes = 0
        self.aborted = False
        self.best: list[str] | None = None
        self.best_cost = math.inf

    # ---- exact search

    def solve(self) -> None:
        """Branch and bound from the current incumbent."""
        goals: tuple[Goal, ...] = tuple((MinLevel(s, lv), 0, NO_ITEMS) for s, lv in self.targets)
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


@dataclass(frozen=True, slots=True)
class Solved:
    """One group's answer: its items in a valid order (None when no plan exists), their effort,
    whether it is proved least, and the nodes searched."""

    targets: Mapping[str, int]
    items: tuple[str, ...] | None
    cost: float
    exact: bool
    nodes: int


def solve_group(
    cat: Catalogue,
    targets: Mapping[str, int],
    held: Mapping[str, int],
    earned: Set[str],
    banned: Set[str],
    max_nodes: int,
    start: Sequence[str] = (),
) -> Solved:
    """Plan one group of targets: greedy incumbent (or a repair of ``start``), then branch and
    bound within ``max_nodes``."""
    search = Search(cat, targets, held, earned, banned, max_nodes)
    if any(not c for c in search.cands.values()):
        return Solved(targets, None, math.inf, True, 0)
    exact = len(targets) <= EXACT_TARGETS
    search.run(exact, start)
    best = None if search.best is None else tuple(search.best)
    return Solved(targets, best, search.best_cost, exact and not search.aborted, search.nodes)
