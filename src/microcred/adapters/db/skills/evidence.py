"""What the skills index reads: credential facts, documents, micro-credentials, and the
fingerprint that tells it when any of them changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    String,
    case,
    func,
    or_,
    select,
    type_coerce,
)

from microcred.adapters.db import mapping as m
from microcred.adapters.db.skills.scoped import (
    _CHUNK,
    Scoped,
    _aware,
    _sqlite_moment,
)
from microcred.adapters.db.skills.tables import (
    TalentStateRow,
)
from microcred.adapters.db.tables import (
    AchievementRow,
    CredentialRow,
    StatusChangeRow,
    UserRow,
)
from microcred.ports.skills import (
    RECENT,
    AchievementFacts,
    CredentialFact,
    Fingerprint,
)


class SqlEvidence(Scoped):
    """Evidence and change tracking of one organisation."""

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
            # a copy bound to a wallet's DID is the same evidence as its original
            .where(CredentialRow.organisation_id == self._org, CredentialRow.bound_from.is_(None))
        )
        if emails is not None or dids is not None:
            # only the non-empty lists: an empty IN beside an OR makes the planner scan them all
            wanted = [
                column.in_(list(values))
                for column, values in (
                    (CredentialRow.recipient_email, emails),
                    (CredentialRow.recipient_did, dids),
                )
                if values
            ]
            if not wanted:
                return
            query = query.where(or_(*wanted))
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

    def achievement_facts(self, ids: Sequence[str] | None = None) -> Sequence[AchievementFacts]:
        query = select(AchievementRow).where(AchievementRow.organisation_id == self._org)
        if ids is None:
            rows = list(self._s.scalars(query.order_by(AchievementRow.id)))
        else:
            wanted = sorted(set(ids))
            rows = []
            for start in range(0, len(wanted), _CHUNK):
                part = wanted[start : start + _CHUNK]
                rows += self._s.scalars(query.where(AchievementRow.id.in_(part)))
            rows.sort(key=lambda r: r.id)
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

    def issued_per_month(self, limit: int) -> Mapping[str, int]:
        newest = (
            select(CredentialRow.issued_at.label("at"))
            .where(CredentialRow.organisation_id == self._org)
            .order_by(CredentialRow.issued_at.desc())
            .limit(max(0, limit))
            .subquery()
        )
        if self._s.get_bind().dialect.name == "sqlite":  # stored as UTC text, YYYY-MM-DD …
            month = func.substr(type_coerce(newest.c.at, String()), 1, 7)
        else:
            month = func.to_char(func.timezone("UTC", newest.c.at), "YYYY-MM")
        rows = self._s.execute(select(month, func.count()).group_by(month))
        return {str(m): int(n) for m, n in rows}

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
