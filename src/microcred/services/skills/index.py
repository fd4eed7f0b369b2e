"""The skills index and the micro-credential catalogue of an organisation, built from the
database and cached per organisation.

The index holds every active user (an employee) and every applicant with at least one verified
credential, with the verified skills that count now. It is rebuilt when the database's
fingerprint changes (a credential issued, a status changed, an achievement edited, a person
placed, a declaration or an applicant's credential added) or when a credential in it expires or
becomes valid (`TalentIndex.next_change`); otherwise it is served from memory.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from microcred.domain import pathway as pw
from microcred.errors import InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.skills import RECENT, AchievementFacts, CredentialFact, Fingerprint
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.skills.evidence import (
    EvidenceBatch,
    EvidenceRow,
    achievement_skills,
    organisation_evidence,
)
from microcred.services.skills.imported import imported_evidence
from microcred.skills import catalogue as cat
from microcred.skills.index import Person, PersonKind, TalentIndex
from microcred.skills.skills_profile import DeclaredSkill, EvidenceStatus

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
    #: results drawn from this moment's figures, kept as long as it is the newest (see
    #: `SkillsAnalysis.roles_heatmap`)
    derived: dict[tuple[object, ...], object] = field(default_factory=dict, compare=False)


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


@dataclass(slots=True)
class _Read:
    """Everything a build read from the database, kept so the next build after a new credential
    or a status change reads only what changed."""

    fingerprint: Fingerprint
    pathways: tuple[str, ...]
    achievements: Sequence[AchievementFacts]
    catalogue: cat.Catalogue
    effort_stated: frozenset[str]
    warnings: tuple[str, ...]
    employees: list[Person]
    by_email: dict[str, str]
    by_did: dict[str, str]
    declared: dict[str, Sequence[DeclaredSkill]]
    #: evidence of the organisation's credentials, by credential id
    rows: dict[str, list[EvidenceRow]] = field(default_factory=dict)
    #: every credential read, counted or not
    seen: set[str] = field(default_factory=set)
    applicant_rows: list[EvidenceRow] = field(default_factory=list)
    #: evidence of the imports that count (services/skills/imported.py)
    imported_rows: list[EvidenceRow] = field(default_factory=list)
    applicants: list[Person] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    unmatched: int = 0
    documents_read: int = 0

    def add(self, batch: EvidenceBatch, replaced: Sequence[str] = ()) -> None:
        """Take in the evidence of credentials read (replacing what ``replaced`` had)."""
        for cid in replaced:
            self.rows.pop(cid, None)
        for row in batch.rows:
            self.rows.setdefault(row[3], []).append(row)
        self.names.update(batch.names)
        for skill, label in batch.labels.items():
            self.labels.setdefault(skill, label)
        self.documents_read += batch.documents_read


def _evidence(scope: TenantScope, r: _Read, facts: Iterable[CredentialFact]) -> EvidenceBatch:
    t = scope.skills
    return organisation_evidence(
        facts, r.achievements, t.credential_documents, r.by_email, r.by_did
    )


def read_everything(scope: TenantScope, fingerprint: Fingerprint) -> _Read:
    """Read the organisation's people, micro-credentials, credentials and applicants."""
    t = scope.skills
    users = [u for u in t.users() if u.active]
    active = {u.id for u in users}
    placements = t.placements()
    pathways = scope.pathways.list()
    achievements = t.achievement_facts()
    catalogue, stated, warnings = catalogue_from(achievements, pathways)
    r = _Read(
        fingerprint=fingerprint,
        pathways=tuple(sorted(p.id for p in pathways)),
        achievements=achievements,
        catalogue=catalogue,
        effort_stated=stated,
        warnings=warnings,
        employees=[
            Person(
                u.id,
                PersonKind.EMPLOYEE,
                placements[u.id].team if u.id in placements else None,
                placements[u.id].current_role_id if u.id in placements else None,
            )
            for u in users
        ],
        by_email={u.email: u.id for u in users},
        by_did={did: uid for uid, p in placements.items() if uid in active for did in p.dids},
        declared={uid: d for uid, d in t.all_declared().items() if uid in active},
    )
    facts = list(t.credential_facts())
    r.seen.update(f.id for f in facts)
    batch = _evidence(scope, r, facts)
    r.unmatched = batch.unmatched
    r.add(batch)
    applicants: set[str] = set()
    for pc in t.verified_presented():
        applicants.add(pc.applicant_id)
        r.names[pc.id] = pc.name or "presented credential"
        for sk in pc.skills:
            if sk.label:
                r.labels.setdefault(sk.skill_uri, sk.label)
            r.applicant_rows.append(
                (
                    pc.applicant_id,
                    sk.skill_uri,
                    sk.level,
                    pc.id,
                    pc.valid_from,
                    pc.valid_until,
                    EvidenceStatus.ACTIVE.value,
                    None,
                )
            )
    r.applicants = [Person(a, PersonKind.APPLICANT) for a in sorted(applicants)]
    imported = imported_evidence(scope.imported.verified(), active, r.seen)
    r.imported_rows = imported.rows
    r.names.update(imported.names)
    for skill, label in imported.labels.items():
        r.labels.setdefault(skill, label)
    return r


def read_changes(
    scope: TenantScope, r: _Read, fingerprint: Fingerprint, pathways: tuple[str, ...]
) -> bool:
    """Bring ``r`` up to date when only credentials were issued or changed status (reading just
    those); False when something else changed and everything must be read again."""
    old = r.fingerprint
    if pathways != r.pathways or not fingerprint.only_credentials_differ(old):
        return False
    t = scope.skills
    if (fingerprint.last_issued, fingerprint.recent_issued) != (old.last_issued, old.recent_issued):
        since = None if old.last_issued is None else old.last_issued - RECENT
        fresh = [f for f in t.credential_facts(issued_since=since) if f.id not in r.seen]
        r.seen.update(f.id for f in fresh)
        batch = _evidence(scope, r, fresh)
        r.unmatched += batch.unmatched
        r.add(batch)
    if (fingerprint.status_changes, fingerprint.last_status_change) != (
        old.status_changes,
        old.last_status_change,
    ):
        since = None if old.last_status_change is None else old.last_status_change - RECENT
        changed = list(t.changed_credentials(since))
        r.seen.update(changed)
        batch = _evidence(scope, r, t.credential_facts(ids=changed))
        batch.documents_read = 0
        r.add(batch, replaced=changed)
    r.fingerprint = fingerprint
    return True


def assemble(r: _Read, clock: Clock, started: float) -> OrganisationSkills:
    """The index and catalogue from what was read."""
    rows = [row for group in r.rows.values() for row in group]
    rows += r.applicant_rows
    rows += r.imported_rows
    index = TalentIndex.build(
        rows, as_of=clock.now(), people=[*r.employees, *r.applicants], declared=r.declared
    )
    stats = IndexStats(
        credentials=len(r.seen),
        unmatched=r.unmatched,
        documents_read=r.documents_read,
        rows=len(rows),
        entries=index.entries,
        employees=len(r.employees),
        applicants=len(r.applicants),
        build_ms=(time.perf_counter() - started) * 1000,
    )
    return OrganisationSkills(
        index,
        r.catalogue,
        dict(r.names),
        dict(r.labels),
        r.effort_stated,
        r.warnings,
        stats,
        (*r.fingerprint, r.pathways),
    )


#: evidence rows from which a new index is moved out of the garbage collector's way
SETTLE_ROWS = 50_000


def settle_heap() -> None:
    """Collect what is garbage now, then freeze every live object (the new index among them)
    out of the cyclic collector's full passes. An index of 100,000 people is millions of
    objects; otherwise each full collection walks them all (0.3–0.5 s, every few requests).
    Frozen objects are still freed by reference counting when their index is dropped; the
    previous freeze is undone first, so cyclic garbage waits at most until the next build."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class SkillsIndexCache:
    """Per-organisation cache of `OrganisationSkills`, checked against the database on each use
    (a few index-only queries) and brought up to date when anything it read has changed: new
    credentials and status changes are read alone, anything else means reading everything again,
    and the passing of an expiry or start date only re-indexes what is in memory."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, max_organisations: int = 32) -> None:
        self._uow = uow
        self._clock = clock
        self._max = max_organisations
        self._cache: OrderedDict[str, tuple[_Read, OrganisationSkills]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        #: indexes built (each read, refresh or re-index) and full reads of the database
        self.builds = 0
        self.full_reads = 0

    def get(self, organisation_id: str) -> OrganisationSkills:
        """The organisation's skills, fresh as of now."""
        with self._lock:
            building = self._building.setdefault(organisation_id, threading.Lock())
        with building, self._uow() as uow:
            if uow.organisations.get(organisation_id) is None:
                raise NotFound("Your organisation no longer exists.")
            scope = uow.tenant(organisation_id)
            started = time.perf_counter()
            fingerprint = scope.skills.fingerprint()
            pathways = tuple(sorted(p.id for p in scope.pathways.list()))
            with self._lock:
                cached = self._cache.get(organisation_id)
            if cached is not None:
                read, built = cached
                if read.fingerprint == fingerprint and read.pathways == pathways:
                    change = built.index.next_change
                    if change is None or self._clock.now() < change:
                        with self._lock:
                            self._cache.move_to_end(organisation_id)
                        return built
                elif not read_changes(scope, read, fingerprint, pathways):
                    cached = None
            if cached is None:
                read = read_everything(scope, fingerprint)
                self.full_reads += 1
            built = assemble(read, self._clock, started)
        with self._lock:
            self.builds += 1
            self._cache[organisation_id] = (read, built)
            self._cache.move_to_end(organisation_id)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        if built.stats.rows >= SETTLE_ROWS:
            settle_heap()
        return built

    def forget(self, organisation_id: str) -> None:
        """Drop an organisation's cached index (the next use reads everything again)."""
        with self._lock:
            self._cache.pop(organisation_id, None)
