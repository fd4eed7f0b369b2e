"""Skills frameworks in memory: skills, occupations, their links and the skill hierarchy.

A :class:`Taxonomy` is one framework release (ESCO v1.1.1, O*NET 29.2, or an organisation's own
framework). It is read-only and columnar: plain lists and NumPy arrays, indexed by position, so
the 13,896 ESCO skills and 123,855 occupation→skill links load in a fraction of a second. The
objects callers see (:class:`Skill`, :class:`Occupation`, :class:`OccupationSkill`) are built on
demand.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from microcred.errors import InvalidInput, NotFound

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


class Framework(enum.StrEnum):
    """Where a taxonomy comes from."""

    ESCO = "esco"
    ONET = "onet"
    CUSTOM = "custom"


class Relation(enum.StrEnum):
    """How strongly an occupation needs a skill (ESCO's ``relationType``)."""

    ESSENTIAL = "essential"
    OPTIONAL = "optional"


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill, competence or knowledge concept."""

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    #: ESCO ``skillType``: ``skill/competence`` or ``knowledge`` (empty when unknown)
    skill_type: str = ""
    #: ESCO ``reuseLevel``: transversal, cross-sector, sector-specific, occupation-specific
    reuse_level: str = ""


@dataclass(frozen=True, slots=True)
class Occupation:
    """An occupation (ESCO) or job title family (O*NET)."""

    uri: str
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    #: ESCO occupation code (e.g. ``2512.4``) or O*NET-SOC code (e.g. ``15-1252.00``)
    code: str = ""
    #: ISCO-08 unit group (ESCO only)
    isco_group: str = ""


@dataclass(frozen=True, slots=True)
class OccupationSkill:
    """An occupation needs a skill, essentially or optionally."""

    occupation_uri: str
    skill_uri: str
    relation: Relation


@dataclass(frozen=True, slots=True)
class SkillGroup:
    """A node of the skill hierarchy that is not itself a skill (ESCO skill groups)."""

    uri: str
    label: str
    code: str = ""
    description: str = ""


@dataclass(slots=True)
class SkillTable:
    """Skills as columns; row ``i`` of every list is skill ``i``."""

    uri: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    alt_labels: list[list[str]] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    skill_type: list[str] = field(default_factory=list)
    reuse_level: list[str] = field(default_factory=list)
    #: labels for search only, never shown (ESCO's hidden labels: misspellings, jargon); empty
    #: when the taxonomy has none, else one list per row
    hidden_labels: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.uri)

    def hidden(self, i: int) -> list[str]:
        """Row ``i``'s hidden labels."""
        return self.hidden_labels[i] if i < len(self.hidden_labels) else []

    def row(self, i: int) -> Skill:
        """Skill ``i`` as an object."""
        return Skill(
            self.uri[i],
            self.label[i],
            tuple(self.alt_labels[i]),
            self.description[i],
            self.skill_type[i],
            self.reuse_level[i],
        )


@dataclass(slots=True)
class OccupationTable:
    """Occupations as columns; row ``i`` of every list is occupation ``i``."""

    uri: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    alt_labels: list[list[str]] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    isco_group: list[str] = field(default_factory=list)
    #: labels for search only, never shown (ESCO's hidden labels: misspellings, jargon); empty
    #: when the taxonomy has none, else one list per row
    hidden_labels: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.uri)

    def hidden(self, i: int) -> list[str]:
        """Row ``i``'s hidden labels."""
        return self.hidden_labels[i] if i < len(self.hidden_labels) else []

    def row(self, i: int) -> Occupation:
        """Occupation ``i`` as an object."""
        return Occupation(
            self.uri[i],
            self.label[i],
            tuple(self.alt_labels[i]),
            self.description[i],
            self.code[i],
            self.isco_group[i],
        )


@dataclass(frozen=True, slots=True)
class Links:
    """Occupation→skill links in compressed-row form, sorted by occupation.

    The skills of occupation ``o`` are ``skill[start[o]:start[o + 1]]``; ``essential`` flags
    each link.
    """

    start: IntArray
    skill: IntArray
    essential: BoolArray

    @classmethod
    def from_pairs(
        cls,
        n_occupations: int,
        occupation: Sequence[int],
        skill: Sequence[int],
        essential: Sequence[bool],
    ) -> Links:
        """Build from parallel lists of (occupation index, skill index, essential?)."""
        occ = np.asarray(occupation, dtype=np.int32)
        order = np.lexsort((np.asarray(skill, dtype=np.int32), occ))
        counts = np.bincount(occ, minlength=n_occupations)
        start = np.zeros(n_occupations + 1, dtype=np.int32)
        np.cumsum(counts, out=start[1:])
        return cls(
            start,
            np.asarray(skill, dtype=np.int32)[order],
            np.asarray(essential, dtype=np.bool_)[order],
        )

    def __len__(self) -> int:
        return int(self.skill.shape[0])


@dataclass(slots=True)
class Taxonomy:
    """One release of a skills framework, read-only once built."""

    framework: Framework
    name: str
    version: str
    attribution: str
    skills: SkillTable
    occupations: OccupationTable
    links: Links
    groups: list[SkillGroup] = field(default_factory=list)
    #: (child, parent) URI pairs of the skill hierarchy (skills and groups)
    broader_pairs: list[tuple[str, str]] = field(default_factory=list)
    language: str = "en"
    #: the bundle folder this was read from and a digest of its concepts (None: built in memory)
    folder: Path | None = None
    fingerprint: str = ""
    _skill_index: dict[str, int] | None = None
    _occupation_index: dict[str, int] | None = None
    _broader: dict[str, tuple[str, ...]] | None = None
    _narrower: dict[str, tuple[str, ...]] | None = None
    _group_index: dict[str, SkillGroup] | None = None
    _by_skill: tuple[IntArray, IntArray, BoolArray] | None = None

    def __post_init__(self) -> None:
        n_occ = len(self.occupations)
        if self.links.start.shape[0] != n_occ + 1:
            raise InvalidInput("The occupation→skill links do not fit the occupation list.")
        if len(self.links) and (
            int(self.links.skill.min()) < 0 or int(self.links.skill.max()) >= len(self.skills)
        ):
            raise InvalidInput("An occupation→skill link points outside the skill list.")

    # --- lookups ---------------------------------------------------------------------------

    def skill_index(self, uri: str) -> int:
        """Position of a skill; :class:`NotFound` if this taxonomy has no such skill."""
        if self._skill_index is None:
            self._skill_index = {u: i for i, u in enumerate(self.skills.uri)}
        try:
            return self._skill_index[uri]
        except KeyError:
            raise NotFound(f"{self.name} {self.version} has no skill {uri}.") from None

    def occupation_index(self, uri: str) -> int:
        """Position of an occupation; :class:`NotFound` if there is none with this URI."""
        if self._occupation_index is None:
            self._occupation_index = {u: i for i, u in enumerate(self.occupations.uri)}
        try:
            return self._occupation_index[uri]
        except KeyError:
            raise NotFound(f"{self.name} {self.version} has no occupation {uri}.") from None

    def skill(self, uri: str) -> Skill:
        """The skill with this URI."""
        return self.skills.row(self.skill_index(uri))

    def occupation(self, uri: str) -> Occupation:
        """The occupation with this URI."""
        return self.occupations.row(self.occupation_index(uri))

    def has_skill(self, uri: str) -> bool:
        """Whether this taxonomy defines the skill."""
        try:
            self.skill_index(uri)
        except NotFound:
            return False
        return True

    def iter_skills(self) -> Iterator[Skill]:
        """Every skill, in stored order."""
        return (self.skills.row(i) for i in range(len(self.skills)))

    def iter_occupations(self) -> Iterator[Occupation]:
        """Every occupation, in stored order."""
        return (self.occupations.row(i) for i in range(len(self.occupations)))

    # --- occupation ↔ skill ----------------------------------------------------------------

    def skills_of(
        self, occupation_uri: str, relation: Relation | None = None
    ) -> list[OccupationSkill]:
        """The skills an occupation needs (essential first, then optional; each by label)."""
        o = self.occupation_index(occupation_uri)
        lo, hi = int(self.links.start[o]), int(self.links.start[o + 1])
        out = [
            OccupationSkill(
                occupation_uri,
                self.skills.uri[int(s)],
                Relation.ESSENTIAL if bool(e) else Relation.OPTIONAL,
            )
            for s, e in zip(self.links.skill[lo:hi], self.links.essential[lo:hi], strict=True)
        ]
        if relation is not None:
            out = [link for link in out if link.relation is relation]
        order = {Relation.ESSENTIAL: 0, Relation.OPTIONAL: 1}
        out.sort(
            key=lambda k: (order[k.relation], self.skills.label[self.skill_index(k.skill_uri)])
        )
        return out

    def _occupations_by_skill(self) -> tuple[IntArray, IntArray, BoolArray]:
        if self._by_skill is not None:
            return self._by_skill
        occ_of_link = np.repeat(
            np.arange(len(self.occupations), dtype=np.int32), np.diff(self.links.start)
        )
        order = np.argsort(self.links.skill, kind="stable")
        counts = np.bincount(self.links.skill, minlength=len(self.skills))
        start = np.zeros(len(self.skills) + 1, dtype=np.int32)
        np.cumsum(counts, out=start[1:])
        self._by_skill = (start, occ_of_link[order], self.links.essential[order])
        return self._by_skill

    def occupations_needing(
        self, skill_uri: str, relation: Relation | None = None
    ) -> list[OccupationSkill]:
        """The occupations that list a skill, optionally only as essential or optional."""
        s = self.skill_index(skill_uri)
        start, occ, essential = self._occupations_by_skill()
        lo, hi = int(start[s]), int(start[s + 1])
        out = [
            OccupationSkill(
                self.occupations.uri[int(o)],
                skill_uri,
                Relation.ESSENTIAL if bool(e) else Relation.OPTIONAL,
            )
            for o, e in zip(occ[lo:hi], essential[lo:hi], strict=True)
        ]
        return out if relation is None else [k for k in out if k.relation is relation]

    # --- hierarchy ---------------------------------------------------------------------------

    def _hierarchy(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        if self._broader is None or self._narrower is None:
            up: dict[str, list[str]] = {}
            down: dict[str, list[str]] = {}
            for child, parent in self.broader_pairs:
                up.setdefault(child, []).append(parent)
                down.setdefault(parent, []).append(child)
            self._broader = {k: tuple(v) for k, v in up.items()}
            self._narrower = {k: tuple(v) for k, v in down.items()}
        return self._broader, self._narrower

    def broader(self, uri: str) -> tuple[str, ...]:
        """The direct parents of a skill or skill group (several in ESCO's polyhierarchy)."""
        return self._hierarchy()[0].get(uri, ())

    def narrower(self, uri: str) -> tuple[str, ...]:
        """The direct children of a skill or skill group."""
        return self._hierarchy()[1].get(uri, ())

    def ancestors(self, uri: str) -> list[str]:
        """Every concept above ``uri``, nearest first, each once."""
        seen: dict[str, None] = {}
        frontier = list(self.broader(uri))
        while frontier:
            nxt: list[str] = []
            for parent in frontier:
                if parent not in seen and parent != uri:
                    seen[parent] = None
                    nxt.extend(self.broader(parent))
            frontier = nxt
        return list(seen)

    def group(self, uri: str) -> SkillGroup:
        """A skill group of the hierarchy by URI."""
        if self._group_index is None:
            self._group_index = {g.uri: g for g in self.groups}
        try:
            return self._group_index[uri]
        except KeyError:
            raise NotFound(f"{self.name} {self.version} has no skill group {uri}.") from None

    def label(self, uri: str) -> str:
        """The preferred label of a skill, occupation or skill group."""
        for lookup in (self.skill, self.occupation, self.group):
            try:
                return lookup(uri).label
            except NotFound:
                continue
        raise NotFound(f"{self.name} {self.version} has no concept {uri}.")

    def summary(self) -> dict[str, int | str]:
        """Counts for display: skills, occupations, links, groups."""
        return {
            "framework": self.framework.value,
            "name": self.name,
            "version": self.version,
            "skills": len(self.skills),
            "occupations": len(self.occupations),
            "links": len(self.links),
            "essential_links": int(self.links.essential.sum()),
            "skill_groups": len(self.groups),
            "hierarchy_edges": len(self.broader_pairs),
        }
