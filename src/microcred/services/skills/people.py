"""People: where they sit (team, current role, DIDs), their verified skills with the credential
behind each (and why a credential does not count, when it does not), and the skills they declare
themselves, kept apart and always unverified."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from microcred.domain.achievement import check_url
from microcred.domain.credential import Recipient
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, NotFound, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.skills import (
    AchievementFacts,
    CredentialFact,
    Placement,
    SkillsRepository,
    UserBrief,
)
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.skills.evidence import EvidenceBatch, organisation_evidence
from microcred.services.skills.imported import imported_evidence
from microcred.skills.skills_profile import DeclaredSkill, SkillEvidence, SkillsProfile, Standing

MAX_DECLARED = 200
MAX_DIDS = 20
MAX_TEAM = 100


@dataclass(frozen=True, slots=True)
class PersonView:
    """A user and where they sit."""

    user: UserBrief
    placement: Placement


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """One skill one credential certifies, and whether it counts now (and if not, why)."""

    credential_id: str
    credential_name: str
    skill_uri: str
    label: str | None
    level: int
    valid_from: datetime | None
    valid_until: datetime | None
    standing: Standing


@dataclass(frozen=True, slots=True)
class PersonSkills:
    """A person's verified skills (the best counting credential per skill), every credential
    behind them with its standing, and their own declarations, apart."""

    user_id: str
    as_of: datetime
    verified: tuple[EvidenceView, ...]
    evidence: tuple[EvidenceView, ...]
    declared: tuple[DeclaredSkill, ...]


def resolve(principal: Principal, user_id: str) -> str:
    """``me`` means the caller."""
    return principal.user_id if user_id == "me" else user_id


def _user(scope: TenantScope, user_id: str) -> UserBrief:
    found = scope.skills.user(user_id)
    if found is None:
        raise NotFound("No such person in your organisation.")
    return found


def _evidence(
    t: SkillsRepository,
    facts: Sequence[CredentialFact],
    achievements: Sequence[AchievementFacts],
    email: str,
    placement: Placement,
    user_id: str,
) -> EvidenceBatch:
    """One person's evidence rows from their credentials."""
    return organisation_evidence(
        facts,
        achievements,
        t.credential_documents,
        {email: user_id},
        dict.fromkeys(placement.dids, user_id),
    )


class PeopleService:
    """People of an organisation, as skills intelligence sees them."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def list_people(
        self, principal: Principal, offset: int = 0, limit: int = 50, team: str | None = None
    ) -> tuple[list[PersonView], int]:
        """People (by id) with their team and role; optionally one team's only."""
        principal.require(Permission.VIEW_PEOPLE_SKILLS)
        if offset < 0 or not 1 <= limit <= 200:
            raise InvalidInput("Pages start at offset 0 and hold 1–200 people.")
        with self._uow() as uow:
            t = uow.tenant(principal.organisation_id).skills
            page = t.list_people(offset=offset, limit=limit, team=team)
            total = t.count_people(team=team)
        return [PersonView(u, placement) for u, placement in page], total

    def get(self, principal: Principal, user_id: str) -> PersonView:
        """One person and where they sit."""
        user_id = resolve(principal, user_id)
        principal.require_self_or(user_id, Permission.VIEW_PEOPLE_SKILLS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            return PersonView(_user(scope, user_id), scope.skills.placement(user_id))

    def place(
        self,
        principal: Principal,
        user_id: str,
        *,
        team: str | None,
        current_role_id: str | None,
        dids: Sequence[str] = (),
    ) -> PersonView:
        """Set a person's team, current role and the DIDs their credentials may be issued to."""
        principal.require(Permission.PLACE_PEOPLE)
        user_id = resolve(principal, user_id)
        if team is not None:
            team = team.strip()
            if not team or len(team) > MAX_TEAM:
                raise InvalidInput(f"A team name has 1–{MAX_TEAM} characters.")
        if len(dids) > MAX_DIDS:
            raise InvalidInput(f"At most {MAX_DIDS} DIDs per person.")
        for did in dids:
            Recipient(did=did)  # refuses what is not a DID
        if len(set(dids)) != len(dids):
            raise InvalidInput("A DID is listed twice.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = _user(scope, user_id)
            if current_role_id is not None and scope.skills.get_role(current_role_id) is None:
                raise NotFound("No such role in your organisation.")
            placement = Placement(user_id, team, current_role_id, tuple(sorted(dids)))
            scope.skills.save_placement(placement, self._clock.now())
            scope.skills.bump()
            uow.commit()
        return PersonView(user, placement)

    def skills(self, principal: Principal, user_id: str) -> PersonSkills:
        """A person's verified skills, the credentials behind them, and their declarations."""
        user_id = resolve(principal, user_id)
        principal.require_self_or(user_id, Permission.VIEW_PEOPLE_SKILLS)
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            user = _user(scope, user_id)
            placement = scope.skills.placement(user_id)
            t = scope.skills
            facts = list(t.credential_facts(emails=[user.email], dids=list(placement.dids)))
            # only the micro-credentials this person's credentials are of (an organisation
            # has thousands); all of them only when a skill still needs a label from another
            achievements = t.achievement_facts(ids=[f.achievement_id for f in facts])
            batch = _evidence(t, facts, achievements, user.email, placement, user_id)
            if any(row[1] not in batch.labels for row in batch.rows):
                batch = _evidence(t, facts, t.achievement_facts(), user.email, placement, user_id)
            declared = tuple(t.declared(user_id))
            imported = imported_evidence(
                scope.imported.of_user(user_id), {user_id}, {f.id for f in facts}
            )
        batch.rows.extend(imported.rows)
        batch.names.update(imported.names)
        for skill, label in imported.labels.items():
            batch.labels.setdefault(skill, label)
        profile = SkillsProfile(user_id, tuple(SkillEvidence(*r) for r in batch.rows), declared)
        evidence = tuple(
            EvidenceView(
                row.credential_id,
                batch.names.get(row.credential_id, row.credential_id),
                row.skill_id,
                batch.labels.get(row.skill_id),
                row.level,
                row.valid_from,
                row.valid_until,
                standing,
            )
            for row, standing in sorted(
                profile.standings(now), key=lambda x: (x[0].skill_id, -x[0].level)
            )
        )
        best = profile.effective(now) if user.active else {}
        verified = tuple(
            next(
                e
                for e in evidence
                if e.credential_id == skill.credential_id and e.skill_uri == skill.skill_id
            )
            for skill in best.values()
        )
        return PersonSkills(user_id, now, verified, evidence, declared)

    def declared(self, principal: Principal, user_id: str) -> list[DeclaredSkill]:
        """The skills a person declares (unverified)."""
        user_id = resolve(principal, user_id)
        principal.require_self_or(user_id, Permission.VIEW_PEOPLE_SKILLS)
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            _user(scope, user_id)
            return list(scope.skills.declared(user_id))

    def declare(
        self, principal: Principal, user_id: str, skills: Sequence[tuple[str, int]]
    ) -> list[DeclaredSkill]:
        """Replace the skills a person declares about themselves. Only the person may."""
        user_id = resolve(principal, user_id)
        principal.require(Permission.DECLARE_OWN_SKILLS)
        if user_id != principal.user_id:
            raise PermissionDenied(
                "Only the person themselves declares their skills.",
                hint="Use /api/v1/people/me/declared-skills.",
            )
        if len(skills) > MAX_DECLARED:
            raise InvalidInput(f"At most {MAX_DECLARED} declared skills.")
        now = self._clock.now()
        pairs = []
        for uri, level in skills:
            check_url(uri, "skill URI")
            if len(uri) > 2048:
                raise InvalidInput("A skill URI is longer than 2,048 characters.")
            pairs.append((uri, DeclaredSkill(uri, level, now)))
        if len({u for u, _ in pairs}) != len(pairs):
            raise InvalidInput("A skill is declared twice.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            _user(scope, user_id)
            scope.skills.replace_declared(user_id, pairs)
            scope.skills.bump()
            uow.commit()
        return [d for _, d in sorted(pairs, key=lambda p: p[0])]
