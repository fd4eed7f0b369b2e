"""A career-path planning problem: targets, what the person has, the catalogue, and bounds.

:class:`PathProblem` holds one problem (each target's candidate items, likeliest first), checks
rules and orders, and gives the admissible lower bounds the search in
:mod:`microcred.skills.path_search` prunes with. The functions below shrink a problem before any
search: split it into independent groups (:func:`components`) and drop candidate items no
least-effort plan needs (:func:`dominated`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Set

from microcred.skills.catalogue import AllOf, Catalogue, Earned, MinLevel, Rule, holds

NO_ITEMS: frozenset[str] = frozenset()
_NO_TARGETS: frozenset[int] = frozenset()


class PathProblem:
    """One planning problem: targets, what the person has, and the catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        targets: Mapping[str, int],
        held: Mapping[str, int],
        earned: Set[str],
        banned: Set[str],
    ) -> None:
        self.cat = catalogue
        self.held = dict(held)
        self.earned = frozenset(earned)
        self.banned = frozenset(banned)
        self.grants = catalogue.grant_levels
        self.effort = catalogue.effort
        self._option_cache: dict[tuple[str, int], list[str]] = {}
        self.cands = {skill: self._options(skill, level) for skill, level in targets.items()}
        # most constrained targets first, then by skill id
        self.targets = sorted(targets.items(), key=lambda t: (len(self.cands[t[0]]), t[0]))
        self._prepare_bound()

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
