"""Each organisation's whole set of role profiles, kept in memory between requests.

With 200 roles of some 100 requirements each, reading the set costs ~100 ms on SQLite, and the
manager's home page, the heatmaps and the organisation's gaps read it on every request. The
cache checks one cheap aggregate (how many roles, the newest edit) on each use and reads the set
again only when that changes; a change made through this process's `RoleService` also drops it
at once (a fixed test clock could otherwise leave the newest edit's time unchanged).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime

from microcred.ports.skills import SkillsRepository, StoredRole

_Version = tuple[int, datetime | None]


class RoleCache:
    """The role set of up to ``max_organisations`` organisations, least recently used dropped."""

    def __init__(self, max_organisations: int = 32) -> None:
        self._max = max_organisations
        self._roles: OrderedDict[str, tuple[_Version, tuple[StoredRole, ...]]] = OrderedDict()
        self._lock = threading.Lock()
        #: how many times the set was read from the database
        self.reads = 0

    def all(self, organisation_id: str, repo: SkillsRepository) -> tuple[StoredRole, ...]:
        """Every role of the organisation, in the repository's order (name, then id); ``repo``
        is that organisation's repository inside an open unit of work."""
        version = repo.roles_version()
        with self._lock:
            cached = self._roles.get(organisation_id)
            if cached is not None and cached[0] == version:
                self._roles.move_to_end(organisation_id)
                return cached[1]
        roles = tuple(repo.all_roles())
        with self._lock:
            self.reads += 1
            self._roles[organisation_id] = (version, roles)
            self._roles.move_to_end(organisation_id)
            while len(self._roles) > self._max:
                self._roles.popitem(last=False)
        return roles

    def forget(self, organisation_id: str) -> None:
        """Drop the organisation's set (after a change to its roles)."""
        with self._lock:
            self._roles.pop(organisation_id, None)
