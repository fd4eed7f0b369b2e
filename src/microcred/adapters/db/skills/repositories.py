"""Skills-intelligence repositories over a SQLAlchemy session. Every query filters by the
organisation the repository is bound to; rows of another organisation are never read or changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    select,
    update,
)

from microcred.adapters.db.skills.applicants import SqlApplicants
from microcred.adapters.db.skills.evidence import SqlEvidence
from microcred.adapters.db.skills.scoped import (
    _CHUNK,
    _page,
)
from microcred.adapters.db.skills.tables import (
    DeclaredSkillRow,
    RoleProfileRow,
    RoleRequirementRow,
    UserDidRow,
    UserTeamRow,
)
from microcred.adapters.db.tables import (
    UserRow,
)
from microcred.ports.skills import (
    Placement,
    StoredRole,
    UserBrief,
)
from microcred.skills.roles import Requirement
from microcred.skills.skills_profile import DeclaredSkill


class SqlSkills(SqlEvidence, SqlApplicants):
    """Roles, placements, declarations, applicants and the evidence of one organisation."""

    # ------------------------------------------------------------------ roles

    def _roles(self, rows: Sequence[RoleProfileRow]) -> list[StoredRole]:
        ids = [r.id for r in rows]
        reqs: dict[str, list[Requirement]] = {i: [] for i in ids}
        for start in range(0, len(ids), _CHUNK):
            # plain columns, not mapped objects: 200 roles hold some 10,000 requirements
            for role_id, skill, level, weight, essential, label in self._s.execute(
                select(
                    RoleRequirementRow.role_id,
                    RoleRequirementRow.skill_uri,
                    RoleRequirementRow.level,
                    RoleRequirementRow.weight,
                    RoleRequirementRow.essential,
                    RoleRequirementRow.label,
                ).where(
                    RoleRequirementRow.organisation_id == self._org,
                    RoleRequirementRow.role_id.in_(ids[start : start + _CHUNK]),
                )
            ):
                reqs[role_id].append(Requirement(skill, level, weight, essential, label))
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

    def roles_version(self) -> tuple[int, datetime | None]:
        count, newest = self._s.execute(
            select(func.count(), func.max(RoleProfileRow.updated_at)).where(
                RoleProfileRow.organisation_id == self._org
            )
        ).one()
        return int(count or 0), newest

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

    def _people_query(self, columns: Sequence[Any], team: str | None) -> Any:
        query = select(*columns).select_from(UserRow).where(UserRow.organisation_id == self._org)
        if team is None:
            return query.outerjoin(
                UserTeamRow,
                (UserTeamRow.user_id == UserRow.id) & (UserTeamRow.organisation_id == self._org),
            )
        return query.join(UserTeamRow, UserTeamRow.user_id == UserRow.id).where(
            UserTeamRow.organisation_id == self._org, UserTeamRow.team == team
        )

    def list_people(
        self, *, offset: int = 0, limit: int = 50, team: str | None = None
    ) -> Sequence[tuple[UserBrief, Placement]]:
        offset, limit = _page(offset, limit)
        columns = (
            UserRow.id,
            UserRow.email,
            UserRow.name,
            UserRow.role,
            UserRow.active,
            UserTeamRow.team,
            UserTeamRow.current_role_id,
        )
        # the same order either way (user_teams.user_id is users.id); this one walks the index
        order = UserRow.id if team is None else UserTeamRow.user_id
        rows = self._s.execute(
            self._people_query(columns, team).order_by(order).offset(offset).limit(limit)
        ).all()
        dids: dict[str, list[str]] = {}
        ids = [r[0] for r in rows]
        for start in range(0, len(ids), _CHUNK):
            for uid, did in self._s.execute(
                select(UserDidRow.user_id, UserDidRow.did)
                .where(
                    UserDidRow.organisation_id == self._org,
                    UserDidRow.user_id.in_(ids[start : start + _CHUNK]),
                )
                .order_by(UserDidRow.did)
            ):
                dids.setdefault(uid, []).append(did)
        return [
            (
                UserBrief(uid, email, name, role, active),
                Placement(uid, team_name, role_id, tuple(dids.get(uid, ()))),
            )
            for uid, email, name, role, active, team_name, role_id in rows
        ]

    def count_people(self, *, team: str | None = None) -> int:
        if team is None:  # every user: no need for their placements
            query = select(func.count()).where(UserRow.organisation_id == self._org)
        else:
            query = self._people_query([func.count()], team)
        return int(self._s.scalar(query) or 0)

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
