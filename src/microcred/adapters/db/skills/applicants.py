"""External applicants and the credentials they present, of one organisation."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    delete,
    func,
    select,
)

from microcred.adapters.db.skills.scoped import (
    Scoped,
    _page,
)
from microcred.adapters.db.skills.tables import (
    ApplicantCredentialRow,
    ApplicantRow,
)
from microcred.ports.skills import (
    Applicant,
    CheckRecord,
    PresentedCredential,
    ProvenSkill,
)


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


class SqlApplicants(Scoped):
    """Applicants and their presented credentials."""

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
