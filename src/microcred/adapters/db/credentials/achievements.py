"""Micro-credential definitions of one organisation: read by id, by page, by several ids at once
and by a search of their names (the pickers of the pathway builder and the issue form)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select

from microcred.adapters.db import mapping as m
from microcred.adapters.db.repositories import _page, _Scoped
from microcred.adapters.db.tables import AchievementRow
from microcred.domain.achievement import Achievement

#: ids per ``IN (...)`` (SQLite's bound-parameter limit is far above this)
_CHUNK = 500
#: the most search results one query returns
MAX_FOUND = 50


class SqlAchievements(_Scoped):
    """Achievements of one organisation."""

    def add(self, achievement: Achievement) -> None:
        if achievement.organisation_id != self._org:
            raise ValueError("achievement belongs to another organisation")
        self._s.add(m.achievement_to_row(achievement, AchievementRow()))
        self._s.flush()

    def _row(self, achievement_id: str) -> AchievementRow | None:
        return self._s.scalar(
            select(AchievementRow).where(
                AchievementRow.id == achievement_id, AchievementRow.organisation_id == self._org
            )
        )

    def get(self, achievement_id: str) -> Achievement | None:
        row = self._row(achievement_id)
        return m.achievement_from_row(row) if row else None

    def list(self, *, offset: int = 0, limit: int = 50) -> Sequence[Achievement]:
        offset, limit = _page(offset, limit)
        rows = self._s.scalars(
            select(AchievementRow)
            .where(AchievementRow.organisation_id == self._org)
            .order_by(AchievementRow.created_at, AchievementRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [m.achievement_from_row(r) for r in rows]

    def update(self, achievement: Achievement) -> None:
        row = self._row(achievement.id)
        if row is not None:
            m.achievement_to_row(achievement, row)
            row.organisation_id = self._org
            self._s.flush()

    def get_many(self, achievement_ids: Collection[str]) -> Sequence[Achievement]:
        ids = list(dict.fromkeys(achievement_ids))
        found: list[Achievement] = []
        for start in range(0, len(ids), _CHUNK):
            rows = self._s.scalars(
                select(AchievementRow).where(
                    AchievementRow.organisation_id == self._org,
                    AchievementRow.id.in_(ids[start : start + _CHUNK]),
                )
            )
            found += [m.achievement_from_row(r) for r in rows]
        return found

    def names(self, achievement_ids: Collection[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(achievement_ids))
        found: dict[str, str] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self._s.execute(
                select(AchievementRow.id, AchievementRow.name).where(
                    AchievementRow.organisation_id == self._org,
                    AchievementRow.id.in_(ids[start : start + _CHUNK]),
                )
            )
            found.update((i, n) for i, n in rows)
        return found

    def search(self, text: str, *, limit: int = 20) -> Sequence[tuple[str, str]]:
        query = select(AchievementRow.id, AchievementRow.name).where(
            AchievementRow.organisation_id == self._org
        )
        for word in text.lower().split()[:8]:  # every word somewhere in the name, case aside
            query = query.where(func.lower(AchievementRow.name).contains(word, autoescape=True))
        rows = self._s.execute(
            query.order_by(func.lower(AchievementRow.name), AchievementRow.id).limit(
                max(1, min(limit, MAX_FOUND))
            )
        )
        return [(i, n) for i, n in rows]
