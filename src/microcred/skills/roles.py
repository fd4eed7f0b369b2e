"""Role profiles: the skills a role needs, at which level, and how much each one matters.

A role is built from scratch or from an ESCO occupation's essential and optional skills (given
as plain ``(skill_uri, relation_type)`` links, so this module needs no taxonomy loader). Readiness
for a role is the weighted share of its requirements a person meets, with partial credit below
level: ``sum(w * min(level, required) / required) / sum(w)``, from 0 (nothing) to 1 (all met).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from microcred.errors import InvalidInput
from microcred.skills.skills_profile import check_level

ESSENTIAL = "essential"
OPTIONAL = "optional"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One skill a role needs, at ``level``, weighted by ``weight``."""

    skill_id: str
    level: int
    weight: float = 1.0
    essential: bool = True
    label: str | None = None

    def __post_init__(self) -> None:
        if not self.skill_id:
            raise InvalidInput("A role requirement needs a skill.")
        check_level(self.level)
        if not 0 < self.weight <= 100:
            raise InvalidInput("A requirement's weight must be above 0 and at most 100.")

    def credit(self, level: int) -> float:
        """Weighted credit for someone at ``level``: full at or above the required level."""
        return min(level, self.level) * (self.weight / self.level)


@dataclass(frozen=True, slots=True)
class RoleProfile:
    """A role and its required skills (kept sorted by skill id, one requirement per skill)."""

    id: str
    name: str
    requirements: tuple[Requirement, ...] = ()
    #: the ESCO occupation URI the role was seeded from, if any
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.name.strip():
            raise InvalidInput("A role needs an id and a name.")
        ids = [r.skill_id for r in self.requirements]
        if len(set(ids)) != len(ids):
            raise InvalidInput(f"Role {self.name!r} lists a skill twice.")
        if ids != sorted(ids):
            object.__setattr__(
                self, "requirements", tuple(sorted(self.requirements, key=lambda r: r.skill_id))
            )

    @property
    def total_weight(self) -> float:
        """Sum of the requirement weights."""
        return sum(r.weight for r in self.requirements)

    def readiness(self, levels: Mapping[str, int]) -> float:
        """Weighted share of the requirements met (0–1), with partial credit below level."""
        if not self.requirements:
            raise InvalidInput(f"Role {self.name!r} has no required skills yet.")
        got = sum(r.credit(levels.get(r.skill_id, 0)) for r in self.requirements)
        return got / self.total_weight

    def with_requirement(self, requirement: Requirement) -> RoleProfile:
        """A copy with ``requirement`` added, or replacing the one for the same skill."""
        kept = tuple(r for r in self.requirements if r.skill_id != requirement.skill_id)
        return RoleProfile(self.id, self.name, (*kept, requirement), self.source)

    def without(self, skill_id: str) -> RoleProfile:
        """A copy without the requirement for ``skill_id``."""
        kept = tuple(r for r in self.requirements if r.skill_id != skill_id)
        return RoleProfile(self.id, self.name, kept, self.source)


def role_from_occupation(
    role_id: str,
    name: str,
    occupation_uri: str,
    links: Iterable[tuple[str, str]],
    *,
    essential_level: int = 3,
    optional_level: int = 2,
    essential_weight: float = 1.0,
    optional_weight: float = 0.5,
    include_optional: bool = True,
    labels: Mapping[str, str] | None = None,
) -> RoleProfile:
    """A role seeded from an occupation's ``(skill_uri, "essential" | "optional")`` links.

    Essential skills become essential requirements at ``essential_level``; optional ones (unless
    left out) become non-essential requirements at ``optional_level`` with a lower weight. A skill
    linked both ways counts as essential. Edit the result with `RoleProfile.with_requirement`.
    """
    kinds: dict[str, bool] = {}
    for skill, relation in links:
        if relation not in (ESSENTIAL, OPTIONAL):
            raise InvalidInput(f"Unknown occupation-skill relation {relation!r}.")
        kinds[skill] = kinds.get(skill, False) or relation == ESSENTIAL
    reqs = [
        Requirement(
            skill,
            essential_level if essential else optional_level,
            essential_weight if essential else optional_weight,
            essential,
            (labels or {}).get(skill),
        )
        for skill, essential in sorted(kinds.items())
        if essential or include_optional
    ]
    if not reqs:
        raise InvalidInput(f"The occupation {occupation_uri} has no linked skills to seed a role.")
    return RoleProfile(role_id, name, tuple(reqs), occupation_uri)
