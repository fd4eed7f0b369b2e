"""What every skills repository shares: the session and organisation it is bound to, paging."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

MAX_PAGE = 200
_CHUNK = 500


def _page(offset: int, limit: int) -> tuple[int, int]:
    return max(0, offset), max(1, min(limit, MAX_PAGE))


def _sqlite_moment(value: str) -> datetime:
    """SQLite's stored UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``) as an aware datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.astimezone(UTC)


class Scoped:
    """Bound to one organisation: every query filters by it."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id
