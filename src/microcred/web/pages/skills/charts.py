"""Charts as data a template draws: heatmaps (a table whose cells are coloured by value, the
value written in each) and bars per month (credentials issued over time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from microcred.skills.gaps import Heatmap, HeatmapCell

#: the colour steps of a heatmap: ``heat-0`` (under 10 %) … ``heat-9`` (90 % or more)
STEPS = 10
LEGEND = tuple(
    (f"heat-{i}", f"{i * 10}–{i * 10 + 9} %" if i < STEPS - 1 else "90–100 %") for i in range(STEPS)
)


@dataclass(frozen=True, slots=True)
class HeatCell:
    """How many of a row's people meet one skill at the level the row needs."""

    percent: int
    holders: int
    population: int
    level: int
    css: str


@dataclass(frozen=True, slots=True)
class HeatRow:
    """One row (a role or a team) and its cells, ``None`` where the row does not need a skill."""

    id: str
    name: str
    href: str | None
    cells: tuple[HeatCell | None, ...]


@dataclass(frozen=True, slots=True)
class HeatView:
    """A heatmap ready to draw: columns (id, label, link) and rows."""

    columns: tuple[tuple[str, str, str | None], ...]
    rows: tuple[HeatRow, ...]

    def csv_rows(self) -> list[list[object]]:
        """One line per cell: row, skill, level, holders, people, share."""
        out: list[list[object]] = []
        for row in self.rows:
            for (skill, label, _), c in zip(self.columns, row.cells, strict=True):
                if c is not None:
                    out.append(
                        [row.name, label, skill, c.level, c.holders, c.population, c.percent]
                    )
        return out


CSV_HEADER = ("row", "skill", "skill_uri", "level", "holders", "people", "percent")


def heat_class(share: float) -> str:
    """The colour step for a share between 0 and 1."""
    return f"heat-{min(STEPS - 1, max(0, int(share * STEPS)))}"


def _drawn(c: HeatmapCell) -> HeatCell:
    return HeatCell(
        round(c.share * 100), c.holders, c.population, c.required_level, heat_class(c.share)
    )


def heat_view(
    heatmap: Heatmap,
    labels: Mapping[str, str],
    names: Mapping[str, str],
    href: Callable[[str], str | None] = lambda _: None,
) -> HeatView:
    """The heatmap's cells placed in a rows × columns grid, with labels and colour steps."""
    cells = {(c.row, c.skill_id): c for c in heatmap.cells}
    rows = []
    for row in heatmap.rows:
        drawn: list[HeatCell | None] = []
        for skill in heatmap.columns:
            c = cells.get((row, skill))
            drawn.append(None if c is None else _drawn(c))
        rows.append(HeatRow(row, names.get(row, row), href(row), tuple(drawn)))
    columns = tuple((s, labels.get(s, s), None) for s in heatmap.columns)
    return HeatView(columns, tuple(rows))


def by_skill(
    heatmap: Heatmap,
    labels: Mapping[str, str],
    names: Mapping[str, str],
    href: Callable[[str], str | None] = lambda _: None,
    limit: int | None = None,
) -> tuple[HeatView, int]:
    """The heatmap turned so that skills are rows and its rows (roles) columns (a few columns
    fit a screen), the skills most roles need and fewest people meet first; at most ``limit``
    rows, and how many skills there are in all. Reads only the cells there are: 200 roles ×
    4,000 skills is 800,000 places in a grid, a few percent of them filled."""
    place = {r: i for i, r in enumerate(heatmap.rows)}
    per_skill: dict[str, list[tuple[int, HeatmapCell]]] = {}
    for c in heatmap.cells:
        per_skill.setdefault(c.skill_id, []).append((place[c.row], c))

    def urgency(skill: str) -> tuple[int, float]:
        found = per_skill.get(skill, ())
        return -len(found), sum(round(c.share * 100) for _, c in found) / max(1, len(found))

    chosen = sorted(heatmap.columns, key=urgency)  # stable: ties keep the columns' order
    rows = []
    for skill in chosen[:limit] if limit else chosen:
        drawn: list[HeatCell | None] = [None] * len(heatmap.rows)
        for i, c in per_skill.get(skill, ()):
            drawn[i] = _drawn(c)
        rows.append(HeatRow(skill, labels.get(skill, skill), None, tuple(drawn)))
    columns = tuple((r, names.get(r, r), href(r)) for r in heatmap.rows)
    return HeatView(columns, tuple(rows)), len(heatmap.columns)


def csv_rows(
    heatmap: Heatmap, labels: Mapping[str, str], names: Mapping[str, str]
) -> list[list[object]]:
    """`HeatView.csv_rows` of the heatmap, from its cells only (row by row, skills in column
    order)."""
    place = {s: i for i, s in enumerate(heatmap.columns)}
    per_row: dict[str, list[HeatmapCell]] = {}
    for c in heatmap.cells:
        per_row.setdefault(c.row, []).append(c)
    out: list[list[object]] = []
    for row in heatmap.rows:
        for c in sorted(per_row.get(row, ()), key=lambda c: place[c.skill_id]):
            cell = _drawn(c)
            out.append(
                [
                    names.get(row, row),
                    labels.get(c.skill_id, c.skill_id),
                    c.skill_id,
                    cell.level,
                    cell.holders,
                    cell.population,
                    cell.percent,
                ]
            )
    return out


@dataclass(frozen=True, slots=True)
class MonthBar:
    """One month's count and its bar's length (percent of the busiest month)."""

    month: str
    label: str
    count: int
    length: int


def month_bars(per_month: Mapping[str, int]) -> list[MonthBar]:
    """Counts per calendar month (``YYYY-MM``), oldest first, every month in between
    included."""
    counts = {k: n for k, n in per_month.items() if n}
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    top = max(counts.values())
    return [
        MonthBar(
            key,
            datetime(int(key[:4]), int(key[5:]), 1, tzinfo=UTC).strftime("%B %Y"),
            counts.get(key, 0),
            round(counts.get(key, 0) * 100 / top),
        )
        for key in months
    ]
