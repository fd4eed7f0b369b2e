"""Rubrics: criteria with ordered levels and points, reference answers and exemplars.

A rubric is what both humans and the AI grade against. Each criterion has levels (``Level``)
ordered from fewest to most points; a grade on a criterion is always one of its levels, so scores
are ordinal and agreement is measured on level indices. Reference answers describe full-marks
work; exemplars are example answers the instructor has placed on a level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from microcred.errors import InvalidInput


class InvalidRubric(InvalidInput):
    """A rubric is malformed (no criteria, duplicate levels, unknown criterion...)."""

    code = "invalid_rubric"


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a criterion: a name, its points and what work at this level looks like."""

    name: str
    points: float
    description: str = ""


@dataclass(frozen=True, slots=True)
class Exemplar:
    """An example answer the instructor has graded at ``points`` on a criterion."""

    text: str
    points: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Criterion:
    """A criterion of a rubric, its levels (ascending points), references and exemplars."""

    id: str
    description: str
    levels: tuple[Level, ...]
    references: tuple[str, ...] = ()
    exemplars: tuple[Exemplar, ...] = ()

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidRubric("Every criterion needs an id.")
        if len(self.levels) < 2:
            raise InvalidRubric(f"Criterion {self.id!r} needs at least two levels.")
        points = [lv.points for lv in self.levels]
        if points != sorted(points) or len(set(points)) != len(points):
            raise InvalidRubric(
                f"Levels of criterion {self.id!r} need distinct points, in ascending order."
            )
        for ex in self.exemplars:
            self.level_index(ex.points)

    @property
    def max_points(self) -> float:
        """Points of the highest level."""
        return self.levels[-1].points

    @property
    def min_points(self) -> float:
        """Points of the lowest level."""
        return self.levels[0].points

    def level_index(self, points: float) -> int:
        """The index of the level worth exactly ``points``; refuses points between levels."""
        for i, lv in enumerate(self.levels):
            if abs(lv.points - points) < 1e-9:
                return i
        raise InvalidRubric(
            f"{points:g} is not a level of criterion {self.id!r}.",
            hint="Allowed: " + ", ".join(f"{lv.points:g}" for lv in self.levels) + ".",
        )

    @classmethod
    def scale(
        cls,
        id: str,
        description: str,
        max_points: int,
        *,
        references: Sequence[str] = (),
        exemplars: Sequence[Exemplar] = (),
    ) -> Criterion:
        """A criterion scored on whole points ``0..max_points``."""
        if max_points < 1:
            raise InvalidRubric(f"Criterion {id!r} needs a maximum of at least 1 point.")
        levels = tuple(
            Level(name=f"{p} of {max_points}", points=float(p)) for p in range(max_points + 1)
        )
        return cls(id, description, levels, tuple(references), tuple(exemplars))


@dataclass(frozen=True, slots=True)
class Rubric:
    """What a submission is graded against: a task, its criteria and the pass mark."""

    id: str
    title: str
    task: str
    criteria: tuple[Criterion, ...]
    #: Total points needed to pass; ``None`` means half of the maximum.
    pass_points: float | None = None
    version: int = 1
    #: Agreement between two human graders on this rubric (QWK), when it has been measured.
    human_agreement: float | None = None
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise InvalidRubric("A rubric needs an id.")
        if not self.criteria:
            raise InvalidRubric(f"Rubric {self.id!r} has no criteria.")
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise InvalidRubric(f"Rubric {self.id!r} repeats a criterion id.")
        if self.human_agreement is not None and not -1.0 <= self.human_agreement <= 1.0:
            raise InvalidRubric("Human agreement is a kappa between -1 and 1.")

    @property
    def max_points(self) -> float:
        """The most points a submission can earn."""
        return sum(c.max_points for c in self.criteria)

    @property
    def pass_mark(self) -> float:
        """Total points needed to pass."""
        return self.max_points / 2 if self.pass_points is None else self.pass_points

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id."""
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise InvalidRubric(f"Rubric {self.id!r} has no criterion {criterion_id!r}.")

    @classmethod
    def single(
        cls,
        id: str,
        task: str,
        max_points: int,
        *,
        references: Sequence[str] = (),
        human_agreement: float | None = None,
    ) -> Rubric:
        """A one-criterion rubric on whole points, as used for short answers."""
        crit = Criterion.scale("answer", task or id, max_points, references=references)
        return cls(id, id, task, (crit,), human_agreement=human_agreement)
