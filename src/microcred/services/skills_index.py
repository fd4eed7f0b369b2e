"""The skills index and the micro-credential catalogue of an organisation, built from the
database and cached per organisation.

The index holds every active user (an employee) and every applicant with at least one verified
credential, with the verified skills that count now. It is rebuilt when the database's
fingerprint changes (a credential issued, a status changed, an achievement edited, a person
placed, a declaration or an applicant's credential added) or when a credential in it expires or
becomes valid (`TalentIndex.next_change`); otherwise it is served from memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from microcred.domain import pathway as pw
from microcred.errors import InvalidInput, NotFound
from microcred.ports import Clock
from microcred.services.skills_evidence import achievement_skills, organisation_evidence
from microcred.services.skills_ports import AchievementFacts, TalentUnitOfWork
from microcred.services.skills_ports import TalentUnitOfWorkFactory as UowFactory
from microcred.talent import catalogue as cat
from microcred.talent.index import Person, PersonKind, TalentIndex
from microcred.talent.skills_profile import EvidenceStatus, SkillEvidence

#: effort assumed for a micro-credential that states none (shown as an estimate)
DEFAULT_EFFORT_HOURS = 8.0


@dataclass(frozen=True, slots=True)
class IndexStats:
    """What went into an index and what it cost to build."""

    credentials: int
    unmatched: int
    documents_read: int
    rows: int
    entries: int
    employees: int
    applicants: int
    build_ms: float


@dataclass(frozen=True, slots=True)
class OrganisationSkills:
    """Everything the analyses read for one organisation, at one moment."""

    index: TalentIndex
    catalogue: cat.Catalogue
    #: credential id → readable name (the achievement, or the presented credential)
    names: dict[str, str]
    #: skill URI → a label seen on a credential's alignment
    labels: dict[str, str]
    #: catalogue items whose effort is stated (the others use `DEFAULT_EFFORT_HOURS`)
    effort_stated: frozenset[str]
    #: catalogue problems that were worked around (e.g. a pathway naming a deleted item)
    warnings: tuple[str, ...]
    stats: IndexStats
    key: tuple[object, ...]


def _rule(req: pw.Requirement) -> cat.Rule:
    if isinstance(req, pw.Earn):
        return cat.Earned(req.achievement_id)
    parts = tuple(_rule(c) for c in req.children)
    return cat.AllOf(parts) if isinstance(req, pw.AllOf) else cat.NOf(req.n, parts)


def catalogue_from(
    achievements: Sequence[AchievementFacts], pathways: Sequence[pw.Pathway] = ()
) -> tuple[cat.Catalogue, frozenset[str], tuple[str, ...]]:
    """The catalogue: one item per achievement (granting its aligned skills at their levels, for
    its effort), with prerequisites and pathway rules from the organisation's pathways.

    A pathway's own achievement becomes an item of effort 0 that requires the pathway's rule
    (earning the parts earns the whole). Returns the catalogue, the items whose effort is stated,
    and warnings about pathways left out.
    """
    known = {a.id: a for a in achievements}
    rules: dict[str, list[cat.Rule]] = {}
    free: set[str] = set()
    warnings: list[str] = []
    for p in pathways:
        members = pw.achievements_in(p.requirement)
        missing = (members | {p.achievement_id} | set(p.prerequisites)) - known.keys()
        missing |= {x for xs in p.prerequisites.values() for x in xs} - known.keys()
        if missing:
            warnings.append(
                f"Pathway {p.name!r} names micro-credentials that no longer exist; "
                "its rules are left out of career paths."
            )
            continue
        for member, needs in p.prerequisites.items():
            rules.setdefault(member, []).extend(cat.Earned(x) for x in sorted(needs))
        rules.setdefault(p.achievement_id, []).append(_rule(p.requirement))
        free.add(p.achievement_id)

    def item(a: AchievementFacts, with_rules: bool) -> cat.CatalogueItem:
        grants = tuple(
            cat.SkillGrant(s.skill_uri, s.level) for s in achievement_skills(a.alignments)
        )
        mine = rules.get(a.id, []) if with_rules else []
        requires = None if not mine else mine[0] if len(mine) == 1 else cat.AllOf(tuple(mine))
        effort = 0.0 if with_rules and a.id in free else a.effort_hours
        return cat.CatalogueItem(
            a.id, a.name, grants, DEFAULT_EFFORT_HOURS if effort is None else effort, requires
        )

    stated = frozenset(a.id for a in achievements if a.effort_hours is not None or a.id in free)
    try:
        return cat.Catalogue(item(a, True) for a in achievements), stated, tuple(warnings)
    except InvalidInput as exc:
        warnings.append(f"The pathway rules are left out of career paths: {exc.message}")
        stated = frozenset(a.id for a in achievements if a.effort_hours is not None)
        return cat.Catalogue(item(a, False) for a in achievements), stated, tuple(warnings)


def build_organisation_skills(
    uow: TalentUnitOfWork, clock: Clock, key: tuple[object, ...]
) -> OrganisationSkills:
    """Read the organisation's people and evidence and build its index and catalogue."""
    started = time.perf_counter()
    t = uow.talent
    users = [u for u in t.users() if u.active]
    active = {u.id for u in users}
    placements = t.placements()
    by_email = {u.email: u.id for u in users}
    by_did = {did: uid for uid, p in placements.items() if uid in active for did in p.dids}
    achievements = t.achievement_facts()
    batch = organisation_evidence(
        t.credential_facts(), achievements, t.credential_documents, by_email, by_did
    )
    people = [
        Person(
            u.id,
            PersonKind.EMPLOYEE,
            placements[u.id].team if u.id in placements else None,
            placements[u.id].current_role_id if u.id in placements else None,
        )
        for u in users
    ]
    rows = batch.rows
    applicants: set[str] = set()
    for pc in t.verified_presented():
        applicants.add(pc.applicant_id)
        batch.names[pc.id] = pc.name or "presented credential"
        for s in pc.skills:
            if s.label:
                batch.labels.setdefault(s.skill_uri, s.label)
            rows.append(
                SkillEvidence(
                    pc.applicant_id,
                    s.skill_uri,
                    s.level,
                    pc.id,
                    pc.valid_from,
                    pc.valid_until,
                    EvidenceStatus.ACTIVE.value,
                    None,
                )
            )
    people += [Person(a, PersonKind.APPLICANT) for a in sorted(applicants)]
    declared = {uid: d for uid, d in t.all_declared().items() if uid in active}
    index = TalentIndex.build(rows, as_of=clock.now(), people=people, declared=declared)
    catalogue, stated, warnings = catalogue_from(achievements, uow.pathways())
    stats = IndexStats(
        credentials=batch.credentials,
        unmatched=batch.unmatched,
        documents_read=batch.documents_read,
        rows=len(rows),
        entries=index.entries,
        employees=len(users),
        applicants=len(applicants),
        build_ms=(time.perf_counter() - started) * 1000,
    )
    return OrganisationSkills(
        index, catalogue, batch.names, batch.labels, stated, warnings, stats, key
    )


class SkillsIndexCache:
    """Per-organisation cache of `OrganisationSkills`, checked against the database on each use
    (one cheap aggregate query) and rebuilt when anything it read has changed."""

    def __init__(self, uow: UowFactory, clock: Clock, max_organisations: int = 32) -> None:
        self._uow = uow
        self._clock = clock
        self._max = max_organisations
        self._cache: OrderedDict[str, OrganisationSkills] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        #: how many times an index was built (for tests and the operator)
        self.builds = 0

    def get(self, organisation_id: str) -> OrganisationSkills:
        """The organisation's skills, fresh as of now."""
        with self._lock:
            building = self._building.setdefault(organisation_id, threading.Lock())
        with building, self._uow(organisation_id) as uow:
            if not uow.organisation_exists():
                raise NotFound("Your organisation no longer exists.")
            key = (*uow.talent.fingerprint(), tuple(sorted(p.id for p in uow.pathways())))
            with self._lock:
                cached = self._cache.get(organisation_id)
            now = self._clock.now()
            if cached is not None and cached.key == key:
                change = cached.index.next_change
                if change is None or now < change:
                    with self._lock:
                        self._cache.move_to_end(organisation_id)
                    return cached
            built = build_organisation_skills(uow, self._clock, key)
        with self._lock:
            self.builds += 1
            self._cache[organisation_id] = built
            self._cache.move_to_end(organisation_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return built

    def forget(self, organisation_id: str) -> None:
        """Drop an organisation's cached index (the next use rebuilds it)."""
        with self._lock:
            self._cache.pop(organisation_id, None)
