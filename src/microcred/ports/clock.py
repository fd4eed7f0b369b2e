"""The clock services read the time from."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the time (UTC)."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
