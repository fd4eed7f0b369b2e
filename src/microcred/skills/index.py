"""An in-memory index of who holds which verified skill, at one moment, for fast search and gaps.

Build it from the database's evidence rows ``(person, skill, level, credential, valid_from,
valid_until, status[, achievement])``: only rows that count at ``as_of`` go in (active credentials
inside their validity window), reduced to each person's effective level per skill. The index keeps
two sparse layouts of the same entries: by person (to explain one person) and by skill (to score
everyone for a role with a few numpy operations per required skill). Rebuild it when
`TalentIndex.next_change` passes or evidence changes.
"""

from __future__ import annotations

import enum
import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from microcred.errors import InvalidInput
from microcred.skills.roles import RoleProfile
from microcred.skills.skills_profile import (
    MAX_LEVEL,
    MIN_LEVEL,
    DeclaredSkill,
    EffectiveSkill,
    EvidenceStatus,
    SkillEvidence,
    Standing,
    inactive_standing,
    utc,
)

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class PersonKind(enum.StrEnum):
    """Who a person is to the organisation."""

    EMPLOYEE = "employee"
    #: an external applicant whose presented credentials were verified before their rows were fed
    APPLICANT = "applicant"


_KIND_CODES = {PersonKind.EMPLOYEE: 0, PersonKind.APPLICANT: 1}


@dataclass(frozen=True, slots=True)
class Person:
    """A person the index knows: employee or verified applicant, with an optional team and role."""

    id: str
    kind: PersonKind = PersonKind.EMPLOYEE
    team: str | None = None
    #: the role the person holds now (its incumbents are the role's population in heatmaps)
    role_id: str | None = None


@dataclass(frozen=True, slots=True)
class RoleScores:
    """Everyone's score for one role, aligned with `TalentIndex.people`."""

    readiness: FloatArray
    met: npt.NDArray[np.int16]
    essential_met: npt.NDArray[np.int16]


def _timestamp(moment: datetime | None, missing: float) -> float:
    if moment is None:
        return missing
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _moment(ts: float) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if math.isfinite(ts) else None


def _codes(values: Sequence[str]) -> tuple[tuple[str, ...], IntArray]:
    """Sorted distinct values and, for each input position's value, its rank in them."""
    distinct = tuple(sorted(set(values)))
    where = {v: i for i, v in enumerate(distinct)}
    return distinct, np.fromiter((where[v] for v in values), np.int32, len(values))


class TalentIndex:
    """Verified effective skill levels of every person at ``as_of`` (see the module docstring)."""

    def __init__(
        self,
        *,
        as_of: datetime,
        people: tuple[Person, ...],
        skill_ids: tuple[str, ...],
        person: IntArray,
        skill: IntArray,
        level: npt.NDArray[np.int8],
        credential: IntArray,
        valid_from: FloatArray,
        valid_until: FloatArray,
        credential_ids: tuple[str, ...],
        earned: Mapping[int, frozenset[str]],
        declared: Mapping[int, Mapping[str, int]],
        excluded: Mapping[Standing, int],
        next_change: datetime | None,
    ) -> None:
        """Use `TalentIndex.build`; entries must be sorted by (person, skill), one per pair."""
        self.as_of = utc(as_of)
        self.people = people
        self.person_pos = {p.id: i for i, p in enumerate(people)}
        self.skill_ids = skill_ids
        self.skill_pos = {s: i for i, s in enumerate(skill_ids)}
        self.credential_ids = credential_ids
        self.excluded = dict(excluded)
        self.next_change = next_change
        self._earned = dict(earned)
        self._declared = {k: dict(v) for k, v in declared.items()}
        n, m = len(people), len(skill_ids)
        self.kind = np.fromiter((_KIND_CODES[p.kind] for p in people), np.int8, n)
        self.teams, self.team = _codes([p.team or "" for p in people])
        self.roles, self.role = _codes([p.role_id or "" for p in people])
        # by person (CSR)
        self.row_ptr = np.searchsorted(person, np.arange(n + 1)).astype(np.int64)
        self.row_skill, self.row_level = skill, level
        self.row_credential, self.row_from, self.row_until = credential, valid_from, valid_until
        # by skill (CSC), people ascending inside each column
        order = np.argsort(skill, kind="stable")
        self.col_ptr = np.searchsorted(skill[order], np.arange(m + 1)).astype(np.int64)
        self.col_person = person[order]
        self.col_level = level[order]
        # employees at or above each level, per skill: counts_ge[skill, level]
        emp = self.kind[person] == 0
        flat = np.bincount(
            skill[emp].astype(np.int64) * (MAX_LEVEL + 2) + level[emp],
            minlength=m * (MAX_LEVEL + 2),
        ).reshape(m, MAX_LEVEL + 2)
        self.counts_ge = np.cumsum(flat[:, ::-1], axis=1)[:, ::-1].astype(np.int32)

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        rows: Iterable[SkillEvidence | tuple[object, ...]],
        *,
        as_of: datetime,
        people: Iterable[Person] | None = None,
        declared: Mapping[str, Iterable[DeclaredSkill]] | None = None,
    ) -> TalentIndex:
        """Index the rows that count at ``as_of``.

        ``people`` lists everyone (people without evidence still count in totals); when omitted,
        everyone seen in ``rows`` is an employee. A row for a person not in ``people`` is refused.
        Declarations are kept apart, shown in explanations and never scored.
        """
        now = utc(as_of).timestamp()
        known: dict[str, Person] | None = None
        if people is not None:
            known = {}
            for p in people:
                if p.id in known:
                    raise InvalidInput(f"Person {p.id!r} is listed twice.")
                known[p.id] = p
        pids: list[str] = []
        skill_code: dict[str, int] = {}
        cred_code: dict[str, int] = {}
        # compact typed buffers: a million rows stay tens of megabytes while being read
        s_codes = array("q")
        levels = array("q")
        c_codes = array("q")
        froms = array("d")
        untils = array("d")
        earned_pairs: set[tuple[str, str]] = set()
        excluded: dict[Standing, int] = {s: 0 for s in Standing if s is not Standing.COUNTS}
        upcoming = math.inf
        inf = math.inf
        seen: set[str] = set()
        for raw in rows:
            pid, sid, lvl, cid, vf, vu, status = raw[:7]
            seen.add(pid)  # type: ignore[arg-type]
            if status != EvidenceStatus.ACTIVE:
                excluded[inactive_standing(str(status))] += 1
                continue
            f = _timestamp(vf, -inf)  # type: ignore[arg-type]
            u = _timestamp(vu, inf)  # type: ignore[arg-type]
            if f > now:
                excluded[Standing.NOT_YET_VALID] += 1
                upcoming = min(upcoming, f)
                continue
            if u <= now:
                excluded[Standing.EXPIRED] += 1
                continue
            upcoming = min(upcoming, u)
            pids.append(pid)  # type: ignore[arg-type]
            s_codes.append(skill_code.setdefault(sid, len(skill_code)))  # type: ignore[arg-type]
            c_codes.append(cred_code.setdefault(cid, len(cred_code)))  # type: ignore[arg-type]
            levels.append(lvl)  # type: ignore[arg-type]
            froms.append(f)
            untils.append(u)
            if len(raw) > 7 and raw[7] is not None:
                earned_pairs.add((pid, raw[7]))  # type: ignore[arg-type]
        if known is None:
            known = {pid: Person(pid) for pid in seen | set(declared or {})}
        else:
            strangers = (seen | set(declared or {})) - known.keys()
            if strangers:
                raise InvalidInput(
                    f"Evidence names {len(strangers)} people who are not listed, "
                    f"e.g. {min(strangers)!r}.",
                    hint="List every person (employee or verified applicant) in `people`.",
                )
        roster = tuple(sorted(known.values(), key=lambda p: p.id))
        pos = {p.id: i for i, p in enumerate(roster)}
        n_rows = len(pids)
        person = np.fromiter((pos[p] for p in pids), np.int32, n_rows)
        lv = np.frombuffer(levels, dtype=np.int64) if n_rows else np.zeros(0, np.int64)
        if n_rows and (lv.min() < MIN_LEVEL or lv.max() > MAX_LEVEL):
            raise InvalidInput(
                f"Skill levels must be whole numbers from {MIN_LEVEL} to {MAX_LEVEL}."
            )
        skills_sorted = tuple(sorted(skill_code))
        skill_remap = np.empty(len(skill_code), np.int32)
        skill_remap[[skill_code[s] for s in skills_sorted]] = np.arange(len(skills_sorted))
        skill = skill_remap[np.frombuffer(s_codes, dtype=np.int64)] if n_rows else person[:0]
        creds_sorted = tuple(sorted(cred_code))
        cred_rank = np.empty(len(cred_code), np.int32)
        cred_rank[[cred_code[c] for c in creds_sorted]] = np.arange(len(creds_sorted))
        credential = cred_rank[np.frombuffer(c_codes, dtype=np.int64)] if n_rows else person[:0]
        vf_arr = np.frombuffer(froms, dtype=np.float64) if n_rows else np.zeros(0)
        vu_arr = np.frombuffer(untils, dtype=np.float64) if n_rows else np.zeros(0)
        # best row per (person, skill): highest level, valid longest, smallest credential id
        order = np.lexsort((credential, -vu_arr, -lv, skill, person))
        p_o, s_o = person[order], skill[order]
        first = np.ones(n_rows, dtype=bool)
        first[1:] = (p_o[1:] != p_o[:-1]) | (s_o[1:] != s_o[:-1])
        keep = order[first]
        earned: dict[int, set[str]] = {}
        for pid, ach in earned_pairs:
            earned.setdefault(pos[pid], set()).add(ach)
        decl: dict[int, dict[str, int]] = {}
        for pid, items in (declared or {}).items():
            levels_of = decl.setdefault(pos[pid], {})
            for d in items:
                levels_of[d.skill_id] = max(levels_of.get(d.skill_id, 0), d.level)
        return cls(
            as_of=as_of,
            people=roster,
            skill_ids=skills_sorted,
            person=person[keep],
            skill=skill[keep],
            level=lv[keep].astype(np.int8),
            credential=credential[keep],
            valid_from=vf_arr[keep],
            valid_until=vu_arr[keep],
            credential_ids=creds_sorted,
            earned={k: frozenset(v) for k, v in earned.items()},
            declared=decl,
            excluded=excluded,
            next_change=_moment(upcoming),
        )

    # ------------------------------------------------------------------ one person

    @property
    def size(self) -> int:
        """How many people the index knows."""
        return len(self.people)

    @property
    def entries(self) -> int:
        """How many (person, skill) effective levels the index holds."""
        return int(self.row_skill.size)

    def position(self, person_id: str) -> int:
        """The row of ``person_id``, or `InvalidInput` when unknown."""
        try:
            return self.person_pos[person_id]
        except KeyError:
            raise InvalidInput(f"No person {person_id!r} in the skills index.") from None

    def person_skills(self, person_id: str) -> dict[str, EffectiveSkill]:
        """A person's effective verified skills, with the credential that shows each."""
        i = self.position(person_id)
        lo, hi = int(self.row_ptr[i]), int(self.row_ptr[i + 1])
        return {
            self.skill_ids[int(self.row_skill[k])]: EffectiveSkill(
                self.skill_ids[int(self.row_skill[k])],
                int(self.row_level[k]),
                self.credential_ids[int(self.row_credential[k])],
                _moment(float(self.row_from[k])),
                _moment(float(self.row_until[k])),
            )
            for k in range(lo, hi)
        }

    def person_levels(self, person_id: str) -> dict[str, int]:
        """A person's effective verified level per skill."""
        i = self.position(person_id)
        lo, hi = int(self.row_ptr[i]), int(self.row_ptr[i + 1])
        return {
            self.skill_ids[s]: int(lv)
            for s, lv in zip(
                self.row_skill[lo:hi].tolist(), self.row_level[lo:hi].tolist(), strict=True
            )
        }

    def earned(self, person_id: str) -> frozenset[str]:
        """Achievements the person holds a counting credential for."""
        return self._earned.get(self.position(person_id), frozenset())

    def declared_levels(self, person_id: str) -> dict[str, int]:
        """A person's self-declared (unverified) levels."""
        return dict(self._declared.get(self.position(person_id), {}))

    # ------------------------------------------------------------------ everyone

    def column(self, skill_id: str) -> tuple[IntArray, npt.NDArray[np.int8]]:
        """People (positions, ascending) holding ``skill_id`` and their levels."""
        j = self.skill_pos.get(skill_id)
        if j is None:
            return self.col_person[:0], self.col_level[:0]
        lo, hi = int(self.col_ptr[j]), int(self.col_ptr[j + 1])
        return self.col_person[lo:hi], self.col_level[lo:hi]

    def holders(self, skill_id: str, level: int = MIN_LEVEL) -> int:
        """Employees holding ``skill_id`` verified at ``level`` or above."""
        j = self.skill_pos.get(skill_id)
        return 0 if j is None else int(self.counts_ge[j, level])

    def mask(
        self,
        *,
        kinds: Iterable[PersonKind] | None = None,
        teams: Iterable[str] | None = None,
        roles: Iterable[str] | None = None,
        people: Iterable[str] | None = None,
    ) -> BoolArray:
        """Who passes the given filters (each ``None`` means no filter)."""
        keep = np.ones(self.size, dtype=bool)
        if kinds is not None:
            keep &= np.isin(self.kind, [_KIND_CODES[PersonKind(k)] for k in kinds])
        for wanted, names, codes in (
            (teams, self.teams, self.team),
            (roles, self.roles, self.role),
        ):
            if wanted is not None:
                where = {v: i for i, v in enumerate(names)}
                keep &= np.isin(codes, [where[w] for w in wanted if w in where])
        if people is not None:
            sel = np.zeros(self.size, dtype=bool)
            sel[[self.person_pos[p] for p in people if p in self.person_pos]] = True
            keep &= sel
        return keep

    def role_scores(self, role: RoleProfile) -> RoleScores:
        """Readiness (0–1), requirements met and essentials met for every person, vectorised."""
        if not role.requirements:
            raise InvalidInput(f"Role {role.name!r} has no required skills yet.")
        readiness = np.zeros(self.size, dtype=np.float64)
        met = np.zeros(self.size, dtype=np.int16)
        essential_met = np.zeros(self.size, dtype=np.int16)
        for req in role.requirements:
            people, levels = self.column(req.skill_id)
            if not people.size:
                continue
            readiness[people] += np.minimum(levels, req.level) * (req.weight / req.level)
            ok = levels >= req.level
            met[people] += ok
            if req.essential:
                essential_met[people] += ok
        readiness /= role.total_weight
        return RoleScores(readiness, met, essential_met)
