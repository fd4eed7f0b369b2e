"""The roles heatmap turned skills × roles, and its CSV, read from the cells there are: the same
rows, order and cells as drawing the whole grid first (the way it was done before)."""

from __future__ import annotations

import random

from microcred.skills.gaps import Heatmap, HeatmapCell
from microcred.web.pages.skills import charts


def _dense_by_skill(view: charts.HeatView, limit: int | None) -> tuple[charts.HeatView, int]:
    """The grid way: transpose every place, then sort by urgency."""
    rows = []
    for i, (skill, label, _) in enumerate(view.columns):
        rows.append(charts.HeatRow(skill, label, None, tuple(r.cells[i] for r in view.rows)))

    def urgency(row: charts.HeatRow) -> tuple[int, float]:
        drawn = [c for c in row.cells if c is not None]
        return -len(drawn), sum(c.percent for c in drawn) / max(1, len(drawn))

    rows.sort(key=urgency)
    columns = tuple((r.id, r.name, r.href) for r in view.rows)
    return charts.HeatView(columns, tuple(rows[:limit] if limit else rows)), len(rows)


def _heatmap(rng: random.Random) -> Heatmap:
    roles = tuple(f"role-{i}" for i in range(12))
    skills = tuple(sorted(f"https://skills.example.org/s{i:02d}" for i in range(40)))
    cells = []
    for role in roles:
        for skill in rng.sample(skills, rng.randint(0, 9)):
            population = rng.choice((0, 7, 40))
            cells.append(
                HeatmapCell(role, skill, rng.randint(1, 5), rng.randint(0, population), population)
            )
    rng.shuffle(cells)
    return Heatmap(roles, skills, tuple(cells))


def test_sparse_turn_and_csv_equal_the_dense_grid() -> None:
    rng = random.Random(5)
    for _ in range(30):
        heat = _heatmap(rng)
        labels = {s: s[-3:].upper() for s in heat.columns[::2]}
        names = {r: r.title() for r in heat.rows}

        def href(r: str) -> str:
            return f"/skills/roles/{r}"

        dense = charts.heat_view(heat, labels, names, href)
        for limit in (None, 1, 5, 25, 100):
            assert charts.by_skill(heat, labels, names, href, limit) == _dense_by_skill(
                dense, limit
            )
        assert charts.csv_rows(heat, labels, names) == dense.csv_rows()


def test_month_bars_fill_the_months_between() -> None:
    bars = charts.month_bars({"2025-11": 4, "2026-02": 2, "2026-01": 0})
    assert [(b.month, b.count, b.length) for b in bars] == [
        ("2025-11", 4, 100),
        ("2025-12", 0, 0),
        ("2026-01", 0, 0),
        ("2026-02", 2, 50),
    ]
    assert bars[1].label == "December 2025"
    assert charts.month_bars({}) == [] and charts.month_bars({"2026-01": 0}) == []
