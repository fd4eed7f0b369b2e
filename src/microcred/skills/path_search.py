"""The search behind career paths: least-effort sets of catalogue items, with prerequisites.

The problem is a weighted set cover with prerequisites: choose catalogue items whose grants lift
every target skill to its level, such that the items can be taken in an order where each one's
rule (`Earned`, `MinLevel`, `AllOf`, `NOf`) holds from what the person already has plus the items
before it, at least total effort. `microcred.skills.paths` explains the method and turns the result
into plans; this module is the machinery.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from microcred.skills.catalogue import AllOf, Catalogue, Earned, MinLevel, NOf, Rule, holds

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
NO_ITEMS: frozenset[str] = frozenset()
_NO_TARGETS: frozenset[int] = frozenset()


Goal = tuple[Rule, int, frozenset[str]]  # rule, n-of start index, items that need it met first
#: chosen items in order, as a set, skill levels reached, targets still open, effort so far
_State = tuple[tuple[str, ...], frozenset[str], Mapping[str, int], frozenset[int], float]


class Search:
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
                stack += rule_items(
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


def rule_items(
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
    return [c for r in rule.rules for c in rule_items(cat, r, held, earned, banned)]


def components(
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
            stack += rule_items(cat, cat[c].requires, held, earned, banned)
    groups: dict[str, dict[str, int]] = {}
    for target, level in targets.items():
        groups.setdefault(find(target), {})[target] = level
    return sorted(groups.values(), key=min)


def reachable(
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
            stack += rule_items(cat, cat[c].requires, held, earned, banned)
    return seen


def dominated(
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
    reach = reachable(cat, targets, held, earned, banned)
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
