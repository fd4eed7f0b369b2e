"""Decisions from verified skills: gaps (person, team, organisation), heatmaps, career paths and
role matches, and talent search. Every figure counts verified skills only (credentials active and
inside their validity window now); declarations are shown beside them, never counted."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import numpy as np

from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, NotFound
from microcred.ports.skills import StoredRole
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.skills.index import IndexStats, OrganisationSkills, SkillsIndexCache
from microcred.services.skills.people import resolve
from microcred.services.skills.role_cache import RoleCache
from microcred.skills import gaps as g
from microcred.skills import paths as p
from microcred.skills.index import PersonKind
from microcred.skills.search import SearchFilters, SearchPage, rank_people

T = TypeVar("T")
MAX_ALTERNATIVES = 5
MAX_TOP = 50
MAX_ROLES = 200
MAX_COUNTED = 100_000


@dataclass(frozen=True, slots=True)
class Explained(Generic[T]):
    """A result with what is needed to read it: labels of skills, names of credentials and
    catalogue items, which efforts are estimates, and when the figures were taken."""

    value: T
    as_of: datetime
    labels: Mapping[str, str]
    names: Mapping[str, str]
    effort_stated: frozenset[str]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleMatches:
    """The roles a person is closest to, and the organisation's unmet needs near their skills."""

    person_id: str
    roles: tuple[p.RoleMatch, ...]
    needs: tuple[p.NeedMatch, ...]


@dataclass(frozen=True, slots=True)
class TeamSize:
    """A team and how many employees it has."""

    team: str
    size: int


class SkillsAnalysis:
    """Gap analysis, heatmaps, career paths, role matches and talent search for one
    organisation at a time."""

    def __init__(
        self, uow: UnitOfWorkFactory, cache: SkillsIndexCache, roles: RoleCache | None = None
    ) -> None:
        self._uow = uow
        self._cache = cache
        self._role_sets = roles or RoleCache()

    # ------------------------------------------------------------------ helpers

    def _roles(self, organisation_id: str, role_ids: Sequence[str] | None) -> list[StoredRole]:
        with self._uow() as uow:
            scope = uow.tenant(organisation_id)
            if role_ids is None:
                return list(self._role_sets.all(organisation_id, scope.skills))
            if len(role_ids) > MAX_ROLES:
                raise InvalidInput(f"Ask for at most {MAX_ROLES} roles at a time.")
            found = []
            for rid in dict.fromkeys(role_ids):
                role = scope.skills.get_role(rid)
                if role is None:
                    raise NotFound(f"No role {rid[:60]!r} in your organisation.")
                found.append(role)
            return found

    def _role(self, organisation_id: str, role_id: str) -> StoredRole:
        return self._roles(organisation_id, [role_id])[0]

    @staticmethod
    def _explained(
        value: T,
        org: OrganisationSkills,
        roles: Sequence[StoredRole],
        people: dict[str, str] | None = None,
    ) -> Explained[T]:
        # views over the index's maps, not copies: ``org.names`` holds every credential's name
        # (some 700,000 with 100,000 people), and copying it cost each request tens of ms
        labelled = {q.skill_id: q.label for r in roles for q in r.requirements if q.label}
        labels = ChainMap(labelled, org.labels)
        names = ChainMap(
            people or {}, {r.id: r.name for r in roles}, org.catalogue.names, org.names
        )
        return Explained(value, org.index.as_of, labels, names, org.effort_stated, org.warnings)

    @staticmethod
    def _person(org: OrganisationSkills, person_id: str) -> str:
        if person_id not in org.index.person_pos:
            raise NotFound(
                "No such person in your organisation.",
                hint="People are the organisation's active users and verified applicants.",
            )
        return person_id

    # ------------------------------------------------------------------ one person

    def person_gap(self, principal: Principal, user_id: str, role_id: str) -> Explained[g.RoleGap]:
        """A person's verified skills against a role, and the micro-credentials that close
        each gap (cheapest first)."""
        pid = resolve(principal, user_id)
        principal.require_self_or(pid, Permission.VIEW_PEOPLE_SKILLS)
        role = self._role(principal.organisation_id, role_id)
        org = self._cache.get(principal.organisation_id)
        index = org.index
        gap = g.person_gap(
            role.profile(),
            index.person_skills(self._person(org, pid)),
            person_id=pid,
            declared=index.declared_levels(pid),
            catalogue=org.catalogue,
        )
        return self._explained(gap, org, [role])

    def career_path(
        self, principal: Principal, user_id: str, role_id: str, alternatives: int = 2
    ) -> Explained[p.CareerPath]:
        """The least-effort ordered plan of micro-credentials from a person's verified skills to
        a role, respecting prerequisites and pathway rules, with alternatives."""
        if not 0 <= alternatives <= MAX_ALTERNATIVES:
            raise InvalidInput(f"Ask for 0–{MAX_ALTERNATIVES} alternatives.")
        pid = resolve(principal, user_id)
        principal.require_self_or(pid, Permission.VIEW_PEOPLE_SKILLS)
        role = self._role(principal.organisation_id, role_id)
        org = self._cache.get(principal.organisation_id)
        path = p.career_path(
            org.catalogue,
            role.profile(),
            org.index.person_skills(self._person(org, pid)),
            person_id=pid,
            earned=org.index.earned(pid),
            alternatives=alternatives,
        )
        return self._explained(path, org, [role])

    def matches(self, principal: Principal, user_id: str, top: int = 5) -> Explained[RoleMatches]:
        """The roles a person's verified skills are closest to, and the organisation's unmet
        needs (skill shortfalls) they are nearest to filling."""
        if not 1 <= top <= MAX_TOP:
            raise InvalidInput(f"Ask for 1–{MAX_TOP} matches.")
        pid = resolve(principal, user_id)
        principal.require_self_or(pid, Permission.VIEW_PEOPLE_SKILLS)
        roles = self._roles(principal.organisation_id, None)
        org = self._cache.get(principal.organisation_id)
        skills = org.index.person_skills(self._person(org, pid))
        demands = [g.RoleDemand(r.profile(), r.headcount) for r in roles]
        shortfalls = g.organisation_gaps(org.index, demands)
        found = RoleMatches(
            pid,
            p.closest_roles(skills, [r.profile() for r in roles], top=top),
            p.closest_needs(skills, shortfalls, top=top),
        )
        return self._explained(found, org, roles)

    # ------------------------------------------------------------------ groups

    def issued_per_month(self, principal: Principal, limit: int) -> dict[str, int]:
        """How many of the organisation's newest ``limit`` credentials were issued in each UTC
        month (``YYYY-MM``), for the credentials-per-month chart (counted by the database)."""
        principal.require(Permission.VIEW_PEOPLE_SKILLS)
        principal.require(Permission.VIEW_CREDENTIALS)
        if not 1 <= limit <= MAX_COUNTED:
            raise InvalidInput(f"Ask for 1–{MAX_COUNTED:,} credentials.")
        with self._uow() as uow:
            return dict(uow.tenant(principal.organisation_id).skills.issued_per_month(limit))

    def teams(self, principal: Principal) -> list[TeamSize]:
        """Teams and their number of employees."""
        principal.require(Permission.VIEW_PEOPLE_SKILLS)
        index = self._cache.get(principal.organisation_id).index
        employees = index.kind == 0
        sizes = np.bincount(index.team[employees], minlength=len(index.teams))
        return [TeamSize(t, int(n)) for t, n in zip(index.teams, sizes, strict=True) if t and n]

    def team_gaps(
        self, principal: Principal, team: str, role_ids: Sequence[str] | None = None
    ) -> Explained[tuple[g.GroupGap, ...]]:
        """A team's employees against roles (all roles when none are named): who covers which
        requirement, which no one covers, the team's mean and best readiness."""
        principal.require(Permission.VIEW_PEOPLE_SKILLS)
        roles = self._roles(principal.organisation_id, role_ids or None)
        org = self._cache.get(principal.organisation_id)
        if not org.index.mask(kinds=[PersonKind.EMPLOYEE], teams=[team]).any():
            raise NotFound(f"No team called {team[:100]!r} in your organisation.")
        found = tuple(g.team_gap(org.index, r.profile(), team) for r in roles)
        return self._explained(found, org, roles)

    def organisation_gaps(self, principal: Principal) -> Explained[tuple[g.SkillShortfall, ...]]:
        """Skills the organisation lacks for the headcount its roles need, largest shortfall
        first, with the micro-credentials that close each."""
        principal.require(Permission.VIEW_ORGANISATION_GAPS)
        roles = self._roles(principal.organisation_id, None)
        org = self._cache.get(principal.organisation_id)
        demands = [g.RoleDemand(r.profile(), r.headcount) for r in roles]
        found = g.organisation_gaps(org.index, demands, catalogue=org.catalogue)
        return self._explained(found, org, roles)

    def roles_heatmap(
        self,
        principal: Principal,
        role_ids: Sequence[str] | None = None,
        population: g.Population = g.Population.ORGANISATION,
    ) -> Explained[g.Heatmap]:
        """Roles × skills: for each required skill, how many of the population meet its level
        (every employee, or the role's current holders)."""
        principal.require(
            Permission.VIEW_ORGANISATION_GAPS
            if population is g.Population.ORGANISATION
            else Permission.VIEW_PEOPLE_SKILLS,
        )
        if role_ids:
            roles: Sequence[StoredRole] = self._roles(principal.organisation_id, role_ids)
        else:
            with self._uow() as uow:
                skills = uow.tenant(principal.organisation_id).skills
                roles = self._role_sets.all(principal.organisation_id, skills)
        org = self._cache.get(principal.organisation_id)
        # the whole organisation's heatmap is drawn once per index and role set (the same
        # objects while neither has changed): ~40 ms with 200 roles and 100,000 people
        key = ("roles_heatmap", population)
        kept = org.derived.get(key) if not role_ids else None
        if isinstance(kept, tuple) and kept[0] is roles:
            found: g.Heatmap = kept[1]
        else:
            found = g.roles_heatmap(org.index, [r.profile() for r in roles], population=population)
            if not role_ids:
                org.derived[key] = (roles, found)
        return self._explained(found, org, roles)

    def teams_heatmap(
        self, principal: Principal, role_id: str, teams: Sequence[str] | None = None
    ) -> Explained[g.Heatmap]:
        """Teams × the skills of one role: how many employees of each team meet each level."""
        principal.require(Permission.VIEW_PEOPLE_SKILLS)
        role = self._role(principal.organisation_id, role_id)
        org = self._cache.get(principal.organisation_id)
        skills = {q.skill_id: q.level for q in role.requirements}
        found = g.teams_heatmap(org.index, skills, teams=teams or None)
        return self._explained(found, org, [role])

    # ------------------------------------------------------------------ search

    def search(
        self,
        principal: Principal,
        role_id: str,
        filters: SearchFilters | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Explained[SearchPage]:
        """Employees and verified applicants ranked for a role, each explained."""
        principal.require(Permission.SEARCH_TALENT)
        if offset < 0 or not 1 <= limit <= 100:
            raise InvalidInput("Pages start at offset 0 and hold 1–100 people.")
        role = self._role(principal.organisation_id, role_id)
        org = self._cache.get(principal.organisation_id)
        found = rank_people(org.index, role.profile(), filters=filters, offset=offset, limit=limit)
        people: dict[str, str] = {}
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            for c in found.results:
                if c.kind is PersonKind.APPLICANT:
                    applicant = scope.skills.get_applicant(c.person_id)
                    name = applicant.name if applicant else None
                else:
                    user = scope.skills.user(c.person_id)
                    name = user.name if user else None
                if name:
                    people[c.person_id] = name
        return self._explained(found, org, [role], people)

    def stats(self, principal: Principal) -> tuple[IndexStats, datetime, tuple[str, ...]]:
        """What the organisation's skills index holds, when it was taken, and any warnings."""
        principal.require(Permission.VIEW_ORGANISATION_GAPS)
        org = self._cache.get(principal.organisation_id)
        return org.stats, org.index.as_of, org.warnings
