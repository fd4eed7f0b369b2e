"""Career paths: the least-effort ordered plan of micro-credentials that closes a skill gap.

The problem is a weighted set cover with prerequisites: choose catalogue items whose grants lift
every target skill to its level, such that the items can be taken in an order where each one's
rule (`Earned`, `MinLevel`, `AllOf`, `NOf`) holds from what the person already has plus the items
before it, at least total effort.

How it is solved:

* **Split**: catalogue items that another item with no unmet prerequisite beats (no dearer, grants
  at least as much of every skill that matters, named by no rule) are dropped, and the targets are
  split into groups that no item or prerequisite connects; each group is solved on its own.
* **Exact** (groups of up to `EXACT_TARGETS` targets, within `max_nodes` search nodes): depth-first
  branch and bound over goals. The first unmet goal is expanded: a skill level branches over the
  items granting it (likeliest first), an item rule pushes that item's own rule as goals to meet
  first, an n-of rule branches over which part to take next. Bounds: the dearest remaining target's
  cheapest item, a fractional cover (each item's effort shared among the remaining targets it
  covers), and near the root a tighter one that also charges prerequisites. The search starts from
  the greedy plan as incumbent. Every finished candidate is checked to have a valid order; only
  those count.
* **Fallback** (larger groups, or the node budget runs out): greedy by effort per target covered,
  prerequisites resolved cheapest-first, then redundant items removed; the plan says
  ``exact=False``.

A returned plan is always valid. One known gap in the proof: a goal counts as met by an item chosen
earlier unless that item needs the goal's owner directly; when the dependency runs through a longer
chain of skill-level rules, the finished candidate fails its order check and is dropped, and a plan
that would break the cycle with a further item can be missed (property tests against brute force
have not found such a case in random catalogues).

Alternatives repair the plan with one of its gap-closing items left out (then a short search),
distinct by item set, cheapest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from microcred.errors import InvalidInput
from microcred.skills.catalogue import (
    Catalogue,
    CatalogueItem,
    describe,
)
from microcred.skills.gaps import SkillShortfall
from microcred.skills.path_problem import NO_ITEMS, PathProblem, components, dominated
from microcred.skills.path_search import EXACT_TARGETS, MAX_NODES, Solved, solve_group
from microcred.skills.roles import RoleProfile
from microcred.skills.skills_profile import EffectiveSkill


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
    parts: Sequence[Solved],
) -> Plan:
    items = [c for p in parts if p.items for c in p.items]
    targets = {s: lv for p in parts if p.items is not None for s, lv in p.targets.items()}
    # one order across groups, cheapest ready first; the groups' own orders, one after the
    # other, are valid too (rules are monotone), should the merge ever fail
    seq = PathProblem(cat, {}, held, earned, NO_ITEMS).order(items) or items
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
    banned = frozenset(banned) | dominated(catalogue, wanted, held, earned, banned)
    groups = components(catalogue, wanted, held, earned, banned)
    parts = [solve_group(catalogue, g, held, earned, banned, max_nodes) for g in groups]
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
    dropped = frozenset(dominated(catalogue, wanted, held, earned, frozenset()))
    groups = components(catalogue, wanted, held, earned, dropped)
    parts = [solve_group(catalogue, g, held, earned, dropped, max_nodes) for g in groups]
    nodes = sum(p.nodes for p in parts)
    unreachable = tuple(sorted(s for p in parts if p.items is None for s in p.targets))
    parts = [p for p in parts if p.items is not None]
    plan = _assemble(catalogue, held, earned, parts)
    candidates: list[tuple[float, tuple[str, ...], int, Solved]] = []
    for k, part in enumerate(parts):
        for item in part.items or ():
            if any(catalogue.grant_levels[item].get(s, 0) >= lv for s, lv in part.targets.items()):
                candidates.append((-catalogue.effort[item], (item,), k, part))
    others: dict[frozenset[str], tuple[float, tuple[str, ...], list[Solved]]] = {}
    for _, (item,), k, part in sorted(candidates)[: alternatives + 1 if alternatives else 0]:
        alt = solve_group(
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
