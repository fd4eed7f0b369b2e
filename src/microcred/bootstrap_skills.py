"""The composition root of skills intelligence: wires its services onto a built `Container`
(the same engine, clock, public documents and URLs), so the core container stays unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microcred.adapters.db.talent_repositories import SqlTalentUnitOfWorkFactory, snapshot_engine
from microcred.adapters.db.uow import SqlUnitOfWorkFactory
from microcred.bootstrap import Container
from microcred.credentials.verify import ExtraCheck, Verifier
from microcred.services.skills_analysis import SkillsAnalysis
from microcred.services.skills_applicants import ApplicantService, VerifierFactory
from microcred.services.skills_index import SkillsIndexCache
from microcred.services.skills_people import PeopleService
from microcred.services.skills_roles import RoleService
from microcred.services.skills_taxonomy import Reference, SkillsReference
from microcred.services.verification import LocalFirstFetcher
from microcred.skills.skill_matching import default_matcher


@dataclass(slots=True)
class Skills:
    """Every skills-intelligence service, wired once per container."""

    roles: RoleService
    people: PeopleService
    analysis: SkillsAnalysis
    applicants: ApplicantService
    reference: SkillsReference
    cache: SkillsIndexCache


def _verifier_factory(c: Container) -> VerifierFactory:
    def make(extra: Sequence[ExtraCheck]) -> Verifier:
        fetch = LocalFirstFetcher(c.public, c.urls, c.verification.budget())
        return Verifier(fetch=fetch, clock=c.clock.now, extra_checks=tuple(extra))

    return make


def build_skills(c: Container) -> Skills:
    """Skills intelligence on ``c``'s database and clock."""
    uow = SqlTalentUnitOfWorkFactory(c.uow)
    snapshots = SqlTalentUnitOfWorkFactory(SqlUnitOfWorkFactory(snapshot_engine(c.engine), c.clock))
    cache = SkillsIndexCache(snapshots, c.clock)
    reference = Reference(default_matcher)
    return Skills(
        roles=RoleService(uow, c.clock, reference),
        people=PeopleService(uow, c.clock),
        analysis=SkillsAnalysis(uow, cache),
        applicants=ApplicantService(uow, c.clock, _verifier_factory(c)),
        reference=SkillsReference(reference, c.uow),
        cache=cache,
    )
