"""Skills-intelligence repositories over a SQLAlchemy session. Every query filters by the
organisation the repository is bound to; rows of another organisation are never read or changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    String,
    case,
    delete,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from microcred.adapters.db import mapping as m
from microcred.adapters.db.tables import (
    AchievementRow,
    CredentialRow,
    StatusChangeRow,
    UserRow,
)
from microcred.adapters.db.tables_talent import (
    ApplicantCredentialRow,
    ApplicantRow,
    DeclaredSkillRow,
    RoleProfileRow,
    RoleRequirementRow,
    TalentStateRow,
    UserDidRow,
    UserTeamRow,
)
from microcred.ports.skills import (
    RECENT,
    AchievementFacts,
    Applicant,
    CheckRecord,
    CredentialFact,
    Fingerprint,
    Placement,
    PresentedCredential,
    ProvenSkill,
    StoredRole,
    UserBrief,
)
from microcred.talent.roles import Requirement
from microcred.talent.skills_profile import DeclaredSkill

MAX_PAGE = 200
_CHUNK = 500


def _page(offset: int, limit: int) -> tuple[int, int]:
    return max(0, offset), max(1, min(limit, MAX_PAGE))


def _sqlite_moment(value: str) -> datetime:
    """SQLite's stored UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``) as an aware datetime."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _requirement(row: RoleRequirementRow) -> Requirement:
    return Requirement(row.skill_uri, row.level, row.weight, row.essential, row.label)


def _presented(row: ApplicantCredentialRow) -> PresentedCredential:
    return PresentedCredential(
        id=row.id,
        organisation_id=row.organisation_id,
        applicant_id=row.applicant_id,
        presented=row.presented,
        tlog_proof=row.tlog_proof,
        tlog_policy=row.tlog_policy,
        credential_uri=row.credential_uri,
        issuer=row.issuer,
        name=row.name,
        verified=row.verified,
        checks=tuple(CheckRecord(c["check"], c["status"], c["message"]) for c in row.checks),
        skills=tuple(ProvenSkill.from_json(s) for s in row.skills),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        presented_at=row.presented_at,
        verified_at=row.verified_at,
    )


def _fill_presented(row: ApplicantCredentialRow, pc: PresentedCredential) -> None:
    row.presented, row.tlog_proof, row.tlog_policy = pc.presented, pc.tlog_proof, pc.tlog_policy
    row.credential_uri, row.issuer, row.name = pc.credential_uri, pc.issuer, pc.name
    row.verified = pc.verified
    row.checks = [{"check": c.check, "status": c.status, "message": c.message} for c in pc.checks]
    row.skills = [s.to_json() for s in pc.skills]
    row.valid_from, row.valid_until = pc.valid_from, pc.valid_until
    row.presented_at, row.verified_at = pc.presented_at, pc.verified_at


class SqlSkills:
    """Roles, placements, declarations, applicants and the evidence of one organisation."""

    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id

    # ------------------------------------------------------------------ roles

    def _roles(self, rows: Sequence[RoleProfileRow]) -> list[StoredRole]:
        ids = [r.id for r in rows]
        reqs: dict[str, list[Requirement]] = {i: [] for i in ids}
        for start in range(0, len(ids), _CHUNK):
            for q in self._s.scalars(
                select(RoleRequirementRow).where(
                    RoleRequirementRow.organisation_id == self._org,
                    RoleRequirementRow.role_id.in_(ids[start : start + _CHUNK]),
                )
            ):
                reqs[q.role_id].append(_requirement(q))
        return [
            StoredRole(
                r.id,
                r.organisation_id,
                r.name,
                r.description,
                tuple(sorted(reqs[r.id], key=lambda q: q.skill_id)),
                r.source_occupation,
                r.headcount,
                r.created_at,
                r.updated_at,
            )
            for r in rows
        ]

    def _role_row(self, role_id: str) -> RoleProfileRow | None:
        return self._s.scalar(
            select(RoleProfileRow).where(
                RoleProfileRow.id == role_id, RoleProfileRow.organisation_id == self._org
            )
        )

    def _add_requirements(self, role: StoredRole) -> None:
        for q in role.requirements:
            self._s.add(
                RoleRequirementRow(
                    organisation_id=self._org,
                    role_id=role.id,
                    skill_uri=q.skill_id,
                    label=q.label,
                    level=q.level,
                    weight=q.weight,
                    essential=q.essential,
                )
            )

    def add_role(self, role: StoredRole) -> None:
        if role.organisation_id != self._org:
            raise ValueError("role belongs to another organisation")
        self._s.add(
            RoleProfileRow(
                id=role.id,
                organisation_id=self._org,
                name=role.name,
                description=role.description,
                source_occupation=role.source_occupation,
                headcount=role.headcount,
                created_at=role.created_at,
                updated_at=role.updated_at,
            )
        )
        self._s.flush()
        self._add_requirements(role)
        self._s.flush()

    def get_role(self, role_id: str) -> StoredRole | None:
        row = self._role_row(role_id)
        return self._roles([row])[0] if row else None

    def role_by_name(self, name: str) -> StoredRole | None:
        row = self._s.scalar(
            select(RoleProfileRow).where(
                RoleProfileRow.name == name, RoleProfileRow.organisation_id == self._org
            )
        )
        return self._roles([row])[0] if row else None

    def list_roles(self, *, offset: int = 0, limit: int = 50) -> Sequence[StoredRole]:
        offset, limit = _page(offset, limit)
        rows = self._s.scalars(
            select(RoleProfileRow)
            .where(RoleProfileRow.organisation_id == self._org)
            .order_by(RoleProfileRow.name, RoleProfileRow.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return self._roles(rows)

    def all_roles(self) -> Sequence[StoredRole]:
        rows = self._s.scalars(
            select(RoleProfileRow)
            .where(RoleProfileRow.organisation_id == self._org)
            .order_by(RoleProfileRow.name, RoleProfileRow.id)
        ).all()
        return self._roles(rows)

    def count_roles(self) -> int:
        return int(
            self._s.scalar(
                select(func.count())
                .select_from(RoleProfileRow)
                .where(RoleProfileRow.organisation_id == self._org)
            )
            or 0
        )

    def replace_role(self, role: StoredRole) -> None:
        row = self._role_row(role.id)
        if row is None:
            raise ValueError("role not found")
        row.name, row.description = role.name, role.description
        row.source_occupation, row.headcount = role.source_occupation, role.headcount
        row.updated_at = role.updated_at
        self._s.execute(
            delete(RoleRequirementRow).where(
                RoleRequirementRow.role_id == role.id,
                RoleRequirementRow.organisation_id == self._org,
            )
        )
        self._s.flush()
        self._add_requirements(role)
        self._s.flush()

    def delete_role(self, role_id: str) -> bool:
        row = self._role_row(role_id)
        if row is None:
            return False
        self._s.execute(
            update(UserTeamRow)
            .where(UserTeamRow.organisation_id == self._org, UserTeamRow.current_role_id == role_id)
            .values(current_role_id=None)
        )
        self._s.execute(
            delete(RoleRequirementRow).where(
                RoleRequirementRow.role_id == role_id,
                RoleRequirementRow.organisation_id == self._org,
            )
        )
        self._s.delete(row)
        self._s.flush()
        return True

    # ------------------------------------------------------------------ people

    def user(self, user_id: str) -> UserBrief | None:
        row = self._s.execute(
            select(UserRow.id, UserRow.email, UserRow.name, UserRow.role, UserRow.active).where(
                UserRow.id == user_id, UserRow.organisation_id == self._org
            )
        ).first()
        return UserBrief(*row) if row else None

    def users(self) -> Sequence[UserBrief]:
        rows = self._s.execute(
            select(UserRow.id, UserRow.email, UserRow.name, UserRow.role, UserRow.active)
            .where(UserRow.organisation_id == self._org)
            .order_by(UserRow.id)
        )
        return [UserBrief(*r) for r in rows]

    def _dids(self, user_id: str | None = None) -> dict[str, list[str]]:
        query = select(UserDidRow.user_id, UserDidRow.did).where(
            UserDidRow.organisation_id == self._org
        )
        if user_id is not None:
            query = query.where(UserDidRow.user_id == user_id)
        out: dict[str, list[str]] = {}
        for uid, did in self._s.execute(query.order_by(UserDidRow.did)):
            out.setdefault(uid, []).append(did)
        return out

    def placement(self, user_id: str) -> Placement:
        row = self._s.scalar(
            select(UserTeamRow).where(
                UserTeamRow.user_id == user_id, UserTeamRow.organisation_id == self._org
            )
        )
        dids = tuple(self._dids(user_id).get(user_id, ()))
        if row is None:
            return Placement(user_id, dids=dids)
        return Placement(user_id, row.team, row.current_role_id, dids)

    def placements(self) -> Mapping[str, Placement]:
        dids = self._dids()
        out = {uid: Placement(uid, dids=tuple(d)) for uid, d in dids.items()}
        rows = self._s.execute(
            select(UserTeamRow.user_id, UserTeamRow.team, UserTeamRow.current_role_id).where(
                UserTeamRow.organisation_id == self._org
            )
        )
        for uid, team, role_id in rows:
            out[uid] = Placement(uid, team, role_id, tuple(dids.get(uid, ())))
        return out

    def save_placement(self, placement: Placement, now: datetime) -> None:
        row = self._s.scalar(
            select(UserTeamRow).where(
                UserTeamRow.user_id == placement.user_id,
                UserTeamRow.organisation_id == self._org,
            )
        )
        if row is None:
            row = UserTeamRow(user_id=placement.user_id, organisation_id=self._org)
            self._s.add(row)
        row.team, row.current_role_id, row.updated_at = (
            placement.team,
            placement.current_role_id,
            now,
        )
        self._s.execute(
            delete(UserDidRow).where(
                UserDidRow.user_id == placement.user_id, UserDidRow.organisation_id == self._org
            )
        )
        self._s.flush()
        for did in placement.dids:
            self._s.add(UserDidRow(organisation_id=self._org, user_id=placement.user_id, did=did))
        self._s.flush()

    def declared(self, user_id: str) -> Sequence[DeclaredSkill]:
        return self.all_declared(user_id).get(user_id, [])

    def all_declared(self, user_id: str | None = None) -> Mapping[str, Sequence[DeclaredSkill]]:
        query = select(
            DeclaredSkillRow.user_id,
            DeclaredSkillRow.skill_uri,
            DeclaredSkillRow.level,
            DeclaredSkillRow.declared_at,
        ).where(DeclaredSkillRow.organisation_id == self._org)
        if user_id is not None:
            query = query.where(DeclaredSkillRow.user_id == user_id)
        out: dict[str, list[DeclaredSkill]] = {}
        for uid, skill, level, at in self._s.execute(query.order_by(DeclaredSkillRow.skill_uri)):
            out.setdefault(uid, []).append(DeclaredSkill(skill, level, at))
        return out

    def replace_declared(self, user_id: str, skills: Sequence[tuple[str, DeclaredSkill]]) -> None:
        self._s.execute(
            delete(DeclaredSkillRow).where(
                DeclaredSkillRow.user_id == user_id, DeclaredSkillRow.organisation_id == self._org
            )
        )
        self._s.flush()
        for _, d in skills:
            assert d.declared_at is not None
            self._s.add(
                DeclaredSkillRow(
                    organisation_id=self._org,
                    user_id=user_id,
                    skill_uri=d.skill_id,
                    level=d.level,
                    declared_at=d.declared_at,
                )
            )
        self._s.flush()

    # ------------------------------------------------------------------ applicants

    def _applicant(self, row: ApplicantRow) -> Applicant:
        return Applicant(
            row.id, row.organisation_id, row.name, row.email, tuple(row.dids), row.created_at
        )

    def _applicant_row(self, applicant_id: str) -> ApplicantRow | None:
        return self._s.scalar(
            select(ApplicantRow).where(
                ApplicantRow.id == applicant_id, ApplicantRow.organisation_id == self._org
            )
        )

    def add_applicant(self, applicant: Applicant) -> None:
        if applicant.organisation_id != self._org:
            raise ValueError("applicant belongs to another organisation")
        self._s.add(
            ApplicantRow(
                id=applicant.id,
                organisation_id=self._org,
                name=applicant.name,
                email=applicant.email,
                dids=list(applicant.dids),
                created_at=applicant.created_at,
            )
        )
        self._s.flush()

    def get_applicant(self, applicant_id: str) -> Applicant | None:
        row = self._applicant_row(applicant_id)
        return self._applicant(row) if row else None

    def applicant_by_email(self, email: str) -> Applicant | None:
        row = self._s.scalar(
            select(ApplicantRow).where(
                ApplicantRow.email == email, ApplicantRow.organisation_id == self._org
            )
        )
        return self._applicant(row) if row else None

    def list_applicants(self, *, offset: int = 0, limit: int = 50) -> Sequence[Applicant]:
        offset, limit = _page(offset, limit)
        rows = self._s.scalars(
            select(ApplicantRow)
            .where(ApplicantRow.organisation_id == self._org)
            .order_by(ApplicantRow.created_at, ApplicantRow.id)
            .offset(offset)
            .limit(limit)
        )
        return [self._applicant(r) for r in rows]

    def count_applicants(self) -> int:
        return int(
            self._s.scalar(
                select(func.count())
                .select_from(ApplicantRow)
                .where(ApplicantRow.organisation_id == self._org)
            )
            or 0
        )

    def delete_applicant(self, applicant_id: str) -> bool:
        row = self._applicant_row(applicant_id)
        if row is None:
            return False
        self._s.execute(
            delete(ApplicantCredentialRow).where(
                ApplicantCredentialRow.applicant_id == applicant_id,
                ApplicantCredentialRow.organisation_id == self._org,
            )
        )
        self._s.delete(row)
        self._s.flush()
        return True

    def add_presented(self, credential: PresentedCredential) -> None:
        if credential.organisation_id != self._org:
            raise ValueError("credential belongs to another organisation")
        row = ApplicantCredentialRow(
            id=credential.id, organisation_id=self._org, applicant_id=credential.applicant_id
        )
        _fill_presented(row, credential)
        self._s.add(row)
        self._s.flush()

    def _presented_row(
        self, applicant_id: str, credential_id: str
    ) -> ApplicantCredentialRow | None:
        return self._s.scalar(
            select(ApplicantCredentialRow).where(
                ApplicantCredentialRow.id == credential_id,
                ApplicantCredentialRow.applicant_id == applicant_id,
                ApplicantCredentialRow.organisation_id == self._org,
            )
        )

    def update_presented(self, credential: PresentedCredential) -> None:
        row = self._presented_row(credential.applicant_id, credential.id)
        if row is None:
            raise ValueError("presented credential not found")
        _fill_presented(row, credential)
        self._s.flush()

    def get_presented(self, applicant_id: str, credential_id: str) -> PresentedCredential | None:
        row = self._presented_row(applicant_id, credential_id)
        return _presented(row) if row else None

    def presented_of(self, applicant_id: str) -> Sequence[PresentedCredential]:
        rows = self._s.scalars(
            select(ApplicantCredentialRow)
            .where(
                ApplicantCredentialRow.applicant_id == applicant_id,
                ApplicantCredentialRow.organisation_id == self._org,
            )
            .order_by(ApplicantCredentialRow.presented_at, ApplicantCredentialRow.id)
        )
        return [_presented(r) for r in rows]

    def verified_presented(self) -> Sequence[PresentedCredential]:
        rows = self._s.scalars(
            select(ApplicantCredentialRow)
            .where(
                ApplicantCredentialRow.organisation_id == self._org,
                ApplicantCredentialRow.verified.is_(True),
            )
            .order_by(ApplicantCredentialRow.id)
        )
        return [_presented(r) for r in rows]

    # ------------------------------------------------------------------ evidence

    def _moment(self, column: Any) -> tuple[Any, Callable[[Any], datetime]]:
        """A timestamp column read without per-row type processing (the facts query reads
        100,000s of them): SQLite's stored text parsed in C, PostgreSQL's timestamptz as is."""
        if self._s.get_bind().dialect.name == "sqlite":
            return type_coerce(column, String()), _sqlite_moment
        return type_coerce(column, DateTime(timezone=True)), _aware

    def credential_facts(
        self,
        *,
        emails: Sequence[str] | None = None,
        dids: Sequence[str] | None = None,
        issued_since: datetime | None = None,
        ids: Sequence[str] | None = None,
    ) -> Iterator[CredentialFact]:
        issued, read_issued = self._moment(CredentialRow.issued_at)
        until, read_until = self._moment(CredentialRow.valid_until)
        edited = AchievementRow.updated_at
        stale = case(
            (or_(edited.is_(None), CredentialRow.issued_at <= edited), CredentialRow.document),
            else_=None,
        )
        query = (
            select(
                CredentialRow.id,
                CredentialRow.achievement_id,
                CredentialRow.recipient_email,
                CredentialRow.recipient_did,
                CredentialRow.status,
                issued,
                until,
                stale,
            )
            .outerjoin(
                AchievementRow,
                (AchievementRow.id == CredentialRow.achievement_id)
                & (AchievementRow.organisation_id == self._org),
            )
            .where(CredentialRow.organisation_id == self._org)
        )
        if emails is not None or dids is not None:
            query = query.where(
                or_(
                    CredentialRow.recipient_email.in_(list(emails or [])),
                    CredentialRow.recipient_did.in_(list(dids or [])),
                )
            )
        if issued_since is not None:
            query = query.where(CredentialRow.issued_at >= issued_since)
        if ids is not None:
            found: list[Any] = []
            for start in range(0, len(ids), _CHUNK):
                part = query.where(CredentialRow.id.in_(list(ids[start : start + _CHUNK])))
                found += self._s.connection().execute(part).all()
        else:
            found = list(self._s.connection().execute(query).all())
        for cid, aid, email, did, status, at, end, document in found:
            yield CredentialFact(
                cid,
                aid,
                email,
                did,
                status,
                read_issued(at),
                None if end is None else read_until(end),
                document,
            )

    def changed_credentials(self, since: datetime | None) -> Sequence[str]:
        query = select(StatusChangeRow.credential_id).where(
            StatusChangeRow.organisation_id == self._org
        )
        if since is not None:
            query = query.where(StatusChangeRow.at >= since)
        return sorted(set(self._s.scalars(query)))

    def credential_documents(self, credential_ids: Sequence[str]) -> Mapping[str, str]:
        out: dict[str, str] = {}
        ids = list(credential_ids)
        for start in range(0, len(ids), _CHUNK):
            rows = self._s.execute(
                select(CredentialRow.id, CredentialRow.document).where(
                    CredentialRow.organisation_id == self._org,
                    CredentialRow.id.in_(ids[start : start + _CHUNK]),
                )
            )
            for cid, document in rows:
                out[cid] = document
        return out

    def achievement_facts(self) -> Sequence[AchievementFacts]:
        rows = self._s.scalars(
            select(AchievementRow)
            .where(AchievementRow.organisation_id == self._org)
            .order_by(AchievementRow.id)
        )
        out = []
        for row in rows:
            achievement = m.achievement_from_row(row)
            out.append(
                AchievementFacts(
                    achievement.id,
                    achievement.name,
                    achievement.effort_hours,
                    row.updated_at,
                    tuple(achievement.alignments),
                )
            )
        return out

    # ------------------------------------------------------------------ change tracking

    def bump(self) -> None:
        row = self._s.get(TalentStateRow, self._org)
        if row is None:
            self._s.add(TalentStateRow(organisation_id=self._org, version=1))
        else:
            row.version = (row.version or 0) + 1
        self._s.flush()

    def fingerprint(self) -> Fingerprint:
        """Index seeks only (no full counts): the newest credential, how many were issued in the
        hour before it (a late commit with an earlier timestamp still changes that count), the
        status changes, the number of users, the newest achievement edit and the talent counter.
        A user deactivated or renamed without any other change is seen at the next change."""
        org = self._org

        def one(column: Any, table: Any, where: Any) -> Any:
            return select(column).select_from(table).where(where).scalar_subquery()

        row = self._s.execute(
            select(
                one(
                    func.max(CredentialRow.issued_at),
                    CredentialRow,
                    CredentialRow.organisation_id == org,
                ),
                one(func.count(), StatusChangeRow, StatusChangeRow.organisation_id == org),
                one(
                    func.max(StatusChangeRow.at),
                    StatusChangeRow,
                    StatusChangeRow.organisation_id == org,
                ),
                one(func.count(), UserRow, UserRow.organisation_id == org),
                one(func.count(), AchievementRow, AchievementRow.organisation_id == org),
                one(
                    func.max(AchievementRow.updated_at),
                    AchievementRow,
                    AchievementRow.organisation_id == org,
                ),
                one(TalentStateRow.version, TalentStateRow, TalentStateRow.organisation_id == org),
            )
        ).one()
        last, changes, last_change, users, achievements, last_edit, version = row
        recent = 0
        if last is not None:
            recent = int(
                self._s.scalar(
                    select(func.count()).where(
                        CredentialRow.organisation_id == org,
                        CredentialRow.issued_at >= last - RECENT,
                    )
                )
                or 0
            )
        return Fingerprint(
            last,
            recent,
            changes or 0,
            last_change,
            users or 0,
            achievements or 0,
            last_edit,
            version or 0,
        )
