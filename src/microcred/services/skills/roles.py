"""Role profiles: define them from scratch, seed them from an ESCO occupation, or draft them from
a job description; read, replace and delete them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from microcred.domain.achievement import check_url
from microcred.domain.identity import Permission, Principal
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.skills import SkillsRepository, StoredRole
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.skills.role_cache import RoleCache
from microcred.services.skills.taxonomy import Reference
from microcred.skills.roles import Requirement, role_from_occupation
from microcred.skills.skill_matching import Match

MAX_REQUIREMENTS = 500
#: the largest page of roles `RoleService.list` answers
MAX_LISTED = 200
MAX_HEADCOUNT = 1_000_000
ESSENTIAL_LEVEL = 3
OPTIONAL_LEVEL = 2
OPTIONAL_WEIGHT = 0.5


@dataclass(slots=True)
class RoleInput:
    """What a caller says about a role."""

    name: str
    description: str = ""
    requirements: Sequence[Requirement] = ()
    headcount: int = 1
    source_occupation: str | None = None


@dataclass(frozen=True, slots=True)
class DraftRequirement:
    """A requirement proposed from a job description, with why it was proposed."""

    requirement: Requirement
    score: float
    named_in_text: bool
    from_occupations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleDraft:
    """A role drafted from a job description, for a person to review before saving."""

    occupations: tuple[Match, ...]
    requirements: tuple[DraftRequirement, ...] = field(default=())


def _text(value: str, what: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InvalidInput(f"The role's {what} must not be empty.")
    if len(value) > limit:
        raise InvalidInput(f"The role's {what} is longer than {limit:,} characters.")
    return value.strip()


class RoleService:
    """Role profiles of an organisation."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        reference: Reference,
        cache: RoleCache | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ref = reference
        self._cache = cache or RoleCache()

    def _checked(self, data: RoleInput) -> RoleInput:
        name = _text(data.name, "name", 200)
        description = _text(data.description or "", "description", 20_000, empty=True)
        if not 0 <= data.headcount <= MAX_HEADCOUNT:
            raise InvalidInput(f"The headcount must be between 0 and {MAX_HEADCOUNT:,}.")
        if not data.requirements:
            raise InvalidInput("A role needs at least one required skill.")
        if len(data.requirements) > MAX_REQUIREMENTS:
            raise InvalidInput(f"A role may list at most {MAX_REQUIREMENTS} skills.")
        seen: set[str] = set()
        reqs = []
        for q in data.requirements:
            check_url(q.skill_id, "skill URI")
            if len(q.skill_id) > 2048:
                raise InvalidInput("A skill URI is longer than 2,048 characters.")
            if q.skill_id in seen:
                raise InvalidInput(f"The role lists {q.skill_id[:200]} twice.")
            seen.add(q.skill_id)
            label = self._ref.check_skill(q.skill_id)
            if q.label:
                label = _text(q.label, "skill label", 300)
            reqs.append(Requirement(q.skill_id, q.level, q.weight, q.essential, label))
        source = data.source_occupation
        if source is not None:
            check_url(source, "source occupation URI")
        reqs.sort(key=lambda q: q.skill_id)
        return RoleInput(name, description, tuple(reqs), data.headcount, source)

    @staticmethod
    def _unique_name(repo: SkillsRepository, name: str, role_id: str | None = None) -> None:
        other = repo.role_by_name(name)
        if other is not None and other.id != role_id:
            raise Conflict(f"Your organisation already has a role called {name!r}.")

    def create(self, principal: Principal, data: RoleInput) -> StoredRole:
        """A new role from scratch (or from edited seeds)."""
        principal.require(Permission.MANAGE_ROLES)
        data = self._checked(data)
        now = self._clock.now()
        role = StoredRole(
            new_id(),
            principal.organisation_id,
            data.name,
            data.description,
            tuple(data.requirements),
            data.source_occupation,
            data.headcount,
            now,
            now,
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            self._unique_name(scope.skills, role.name)
            scope.skills.add_role(role)
            uow.commit()
        self._cache.forget(principal.organisation_id)
        return role

    def from_occupation(
        self,
        principal: Principal,
        occupation_uri: str,
        *,
        name: str | None = None,
        description: str | None = None,
        include_optional: bool = True,
        essential_level: int = ESSENTIAL_LEVEL,
        optional_level: int = OPTIONAL_LEVEL,
        headcount: int = 1,
    ) -> StoredRole:
        """A role seeded from an ESCO occupation's essential and optional skills."""
        principal.require(Permission.MANAGE_ROLES)
        taxonomy = self._ref.taxonomy
        occupation = taxonomy.occupation(occupation_uri)
        links = [(k.skill_uri, k.relation.value) for k in taxonomy.skills_of(occupation_uri)]
        labels = {uri: taxonomy.skill(uri).label for uri, _ in links}
        seeded = role_from_occupation(
            "draft",
            name or occupation.label,
            occupation_uri,
            links,
            essential_level=essential_level,
            optional_level=optional_level,
            optional_weight=OPTIONAL_WEIGHT,
            include_optional=include_optional,
            labels=labels,
        )
        return self.create(
            principal,
            RoleInput(
                seeded.name,
                description if description is not None else occupation.description,
                seeded.requirements,
                headcount,
                occupation_uri,
            ),
        )

    def draft(
        self, principal: Principal, job_description: str, *, occupations: int = 3, skills: int = 15
    ) -> RoleDraft:
        """Propose requirements from a job description: the skills of the best-matching ESCO
        occupations and the skills the text names. Nothing is stored."""
        principal.require(Permission.MANAGE_ROLES)
        if not 1 <= occupations <= 10 or not 1 <= skills <= 100:
            raise InvalidInput("Ask for 1–10 occupations and 1–100 skills per kind.")
        drafted = self._ref.matcher.draft_role_profile(job_description, occupations=occupations)
        proposals = []
        for found, essential in ((drafted.essential, True), (drafted.optional, False)):
            for s in found[:skills]:
                proposals.append(
                    DraftRequirement(
                        Requirement(
                            s.uri,
                            ESSENTIAL_LEVEL if essential else OPTIONAL_LEVEL,
                            1.0 if essential else OPTIONAL_WEIGHT,
                            essential,
                            s.label,
                        ),
                        round(s.score, 4),
                        s.named_in_text,
                        s.from_occupations,
                    )
                )
        return RoleDraft(tuple(drafted.occupations), tuple(proposals))

    def get(self, principal: Principal, role_id: str) -> StoredRole:
        """One role of the principal's organisation."""
        principal.require(Permission.VIEW_ROLES)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            found = scope.skills.get_role(role_id)
        if found is None:
            raise NotFound("No such role in your organisation.")
        return found

    def list(
        self, principal: Principal, offset: int = 0, limit: int = 50
    ) -> tuple[list[StoredRole], int]:
        """A page of roles (by name) and how many there are."""
        principal.require(Permission.VIEW_ROLES)
        offset, limit = max(0, offset), max(1, min(limit, MAX_LISTED))
        with self._uow() as uow:
            every = self._cache.all(
                principal.organisation_id, uow.tenant(principal.organisation_id).skills
            )
        return list(every[offset : offset + limit]), len(every)

    def update(self, principal: Principal, role_id: str, data: RoleInput) -> StoredRole:
        """Replace a role's name, description, headcount and requirements."""
        principal.require(Permission.MANAGE_ROLES)
        data = self._checked(data)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            current = scope.skills.get_role(role_id)
            if current is None:
                raise NotFound("No such role in your organisation.")
            self._unique_name(scope.skills, data.name, role_id)
            role = StoredRole(
                current.id,
                current.organisation_id,
                data.name,
                data.description,
                tuple(data.requirements),
                data.source_occupation or current.source_occupation,
                data.headcount,
                current.created_at,
                self._clock.now(),
            )
            scope.skills.replace_role(role)
            uow.commit()
        self._cache.forget(principal.organisation_id)
        return role

    def delete(self, principal: Principal, role_id: str) -> None:
        """Delete a role; people who held it are left without a current role."""
        principal.require(Permission.MANAGE_ROLES)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if not scope.skills.delete_role(role_id):
                raise NotFound("No such role in your organisation.")
            scope.skills.bump()
            uow.commit()
        self._cache.forget(principal.organisation_id)
