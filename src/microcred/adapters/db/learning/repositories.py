"""Repositories for rubrics, graded work, pathways, enrolments and submissions (tenant-scoped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from microcred.adapters.db.learning.tables import (
    CodeAssignmentRow,
    EnrolmentRow,
    GradedAnswerRow,
    PathwayRow,
    RubricRow,
    SubmissionRow,
)
from microcred.domain.learning import Enrolment, Submission, SubmissionPart, SubmissionStatus
from microcred.domain.pathway import Pathway, PathwayKind, rule_from_json, rule_to_json
from microcred.domain.review_json import (
    decision_from_json,
    decision_to_json,
    review_from_json,
    review_to_json,
)
from microcred.ports.review import CodeAssignmentRecord, RubricRecord


class _Scoped:
    def __init__(self, session: Session, organisation_id: str) -> None:
        self._s = session
        self._org = organisation_id


class SqlRubrics(_Scoped):
    """Rubrics, code assignments and their human-graded work."""

    def code_assignment(self, achievement_id: str) -> CodeAssignmentRecord | None:
        row = self._s.scalar(
            select(CodeAssignmentRow).where(
                CodeAssignmentRow.organisation_id == self._org,
                CodeAssignmentRow.achievement_id == achievement_id,
            )
        )
        if row is None:
            return None
        return CodeAssignmentRecord(
            row.id,
            row.achievement_id,
            row.tests_blob,
            row.tests_filename,
            [dict(c) for c in row.criteria],  # type: ignore[call-overload]
            row.pass_fraction,
            row.language,
            row.auto_decide,
            row.updated_at,
            row.audit_share,
            (row.audit_both_pass, row.audit_both_fail, row.audit_false_pass, row.audit_false_fail),
        )

    def save_code_assignment(self, record: CodeAssignmentRecord) -> None:
        row = self._s.scalar(
            select(CodeAssignmentRow).where(
                CodeAssignmentRow.organisation_id == self._org,
                CodeAssignmentRow.achievement_id == record.achievement_id,
            )
        )
        values = {
            "tests_blob": record.tests_blob,
            "tests_filename": record.tests_filename,
            "criteria": record.criteria,
            "pass_fraction": record.pass_fraction,
            "language": record.language,
            "auto_decide": record.auto_decide,
            "updated_at": record.updated_at,
            "audit_share": record.audit_share,
        }
        if row is None or row.tests_blob != record.tests_blob:  # new tests: audits start over
            values.update(
                audit_both_pass=0, audit_both_fail=0, audit_false_pass=0, audit_false_fail=0
            )
        if row is None:
            self._s.add(
                CodeAssignmentRow(
                    id=record.id,
                    organisation_id=self._org,
                    achievement_id=record.achievement_id,
                    **values,
                )
            )
        else:
            for key, value in values.items():
                setattr(row, key, value)
        self._s.flush()

    def record_code_audit(
        self, achievement_id: str, tests_blob: str, tests_passed: bool, person_passed: bool
    ) -> None:
        column = {
            (True, True): CodeAssignmentRow.audit_both_pass,
            (False, False): CodeAssignmentRow.audit_both_fail,
            (True, False): CodeAssignmentRow.audit_false_pass,
            (False, True): CodeAssignmentRow.audit_false_fail,
        }[(tests_passed, person_passed)]
        self._s.execute(  # an increment in SQL: concurrent reviewers lose no audit
            update(CodeAssignmentRow)
            .where(
                CodeAssignmentRow.organisation_id == self._org,
                CodeAssignmentRow.achievement_id == achievement_id,
                CodeAssignmentRow.tests_blob == tests_blob,  # tests replaced since: not counted
            )
            .values({column.key: column + 1})
        )

    def assessed_achievements(self) -> tuple[set[str], set[str]]:
        rubrics = self._s.scalars(
            select(RubricRow.achievement_id).where(RubricRow.organisation_id == self._org)
        )
        code = self._s.scalars(
            select(CodeAssignmentRow.achievement_id).where(
                CodeAssignmentRow.organisation_id == self._org
            )
        )
        return set(rubrics), set(code)

    def for_achievement(self, achievement_id: str) -> RubricRecord | None:
        row = self._s.scalar(
            select(RubricRow).where(
                RubricRow.organisation_id == self._org, RubricRow.achievement_id == achievement_id
            )
        )
        return (
            RubricRecord(
                row.id,
                row.achievement_id,
                row.version,
                dict(row.data),
                row.threshold,
                row.updated_at,
            )
            if row
            else None
        )

    def save(self, record: RubricRecord) -> None:
        row = self._s.get(RubricRow, record.id)
        if row is None:
            self._s.add(
                RubricRow(
                    id=record.id,
                    organisation_id=self._org,
                    achievement_id=record.achievement_id,
                    version=record.version,
                    data=record.data,
                    threshold=record.threshold,
                    updated_at=record.updated_at,
                )
            )
        elif row.organisation_id == self._org:
            row.version, row.data, row.threshold, row.updated_at = (
                record.version,
                record.data,
                record.threshold,
                record.updated_at,
            )
        self._s.flush()

    def add_graded(
        self,
        graded_id: str,
        rubric_id: str,
        text: str,
        points: dict[str, float],
        source: str,
        submission_id: str | None,
        now: datetime,
    ) -> None:
        self._s.add(
            GradedAnswerRow(
                id=graded_id,
                organisation_id=self._org,
                rubric_id=rubric_id,
                text=text,
                points=points,
                source=source,
                submission_id=submission_id,
                created_at=now,
            )
        )
        self._s.flush()

    def graded(self, rubric_id: str) -> list[tuple[str, dict[str, float]]]:
        rows = self._s.execute(
            select(GradedAnswerRow.text, GradedAnswerRow.points)
            .where(
                GradedAnswerRow.organisation_id == self._org, GradedAnswerRow.rubric_id == rubric_id
            )
            .order_by(GradedAnswerRow.created_at, GradedAnswerRow.id)
        ).all()
        return [(r[0], {k: float(str(v)) for k, v in dict(r[1]).items()}) for r in rows]

    def count_graded(self, rubric_id: str) -> int:
        return int(
            self._s.scalar(
                select(func.count())
                .select_from(GradedAnswerRow)
                .where(
                    GradedAnswerRow.organisation_id == self._org,
                    GradedAnswerRow.rubric_id == rubric_id,
                )
            )
            or 0
        )


class SqlPathways(_Scoped):
    """Courses and pathways."""

    @staticmethod
    def _from(row: PathwayRow) -> Pathway:
        return Pathway(
            row.id,
            row.organisation_id,
            row.name,
            row.description,
            PathwayKind(row.kind),
            row.achievement_id,
            rule_from_json(row.requirement),
            {k: list(v) for k, v in dict(row.prerequisites).items()},  # type: ignore[call-overload]
            row.created_at,
        )

    def add(self, pathway: Pathway) -> None:
        self._s.add(
            PathwayRow(
                id=pathway.id,
                organisation_id=self._org,
                name=pathway.name,
                description=pathway.description,
                kind=pathway.kind.value,
                achievement_id=pathway.achievement_id,
                requirement=rule_to_json(pathway.requirement),
                prerequisites=pathway.prerequisites,
                created_at=pathway.created_at,
            )
        )
        self._s.flush()

    def get(self, pathway_id: str) -> Pathway | None:
        row = self._s.scalar(
            select(PathwayRow).where(
                PathwayRow.id == pathway_id, PathwayRow.organisation_id == self._org
            )
        )
        return self._from(row) if row else None

    def list(self) -> Sequence[Pathway]:
        rows = self._s.scalars(
            select(PathwayRow)
            .where(PathwayRow.organisation_id == self._org)
            .order_by(PathwayRow.created_at)
        )
        return [self._from(r) for r in rows]


class SqlEnrolments(_Scoped):
    """Enrolments."""

    def add(self, enrolment: Enrolment) -> None:
        self._s.add(
            EnrolmentRow(
                id=enrolment.id,
                organisation_id=self._org,
                user_id=enrolment.user_id,
                pathway_id=enrolment.pathway_id,
                achievement_id=enrolment.achievement_id,
                created_at=enrolment.created_at,
            )
        )
        self._s.flush()

    def for_user(self, user_id: str) -> Sequence[Enrolment]:
        rows = self._s.scalars(
            select(EnrolmentRow)
            .where(EnrolmentRow.organisation_id == self._org, EnrolmentRow.user_id == user_id)
            .order_by(EnrolmentRow.created_at)
        )
        return [
            Enrolment(
                r.id, r.organisation_id, r.user_id, r.pathway_id, r.achievement_id, r.created_at
            )
            for r in rows
        ]


def _review_json(submission: Submission) -> dict[str, Any] | None:
    return None if submission.review is None else review_to_json(submission.review)


def _decision_json(submission: Submission) -> dict[str, Any] | None:
    return None if submission.decision is None else decision_to_json(submission.decision)


def _submission(row: SubmissionRow) -> Submission:
    return Submission(
        id=row.id,
        organisation_id=row.organisation_id,
        user_id=row.user_id,
        achievement_id=row.achievement_id,
        version=row.version,
        status=SubmissionStatus(row.status),
        parts=[SubmissionPart.from_json(dict(p)) for p in row.parts],  # type: ignore[call-overload]
        created_at=row.created_at,
        review=None if row.review is None else review_from_json(row.review),
        decision=None if row.decision is None else decision_from_json(row.decision),
        credential_id=row.credential_id,
        decided_at=row.decided_at,
        feedback=row.feedback,
    )


class SqlSubmissions(_Scoped):
    """Submissions (every version kept)."""

    def add(self, submission: Submission) -> None:
        self._s.add(
            SubmissionRow(
                id=submission.id,
                organisation_id=self._org,
                user_id=submission.user_id,
                achievement_id=submission.achievement_id,
                version=submission.version,
                status=submission.status.value,
                parts=[p.to_json() for p in submission.parts],
                review=_review_json(submission),
                decision=_decision_json(submission),
                feedback=submission.feedback,
                credential_id=submission.credential_id,
                created_at=submission.created_at,
                decided_at=submission.decided_at,
            )
        )
        self._s.flush()

    def get(self, submission_id: str, *, for_update: bool = False) -> Submission | None:
        query = select(SubmissionRow).where(
            SubmissionRow.id == submission_id, SubmissionRow.organisation_id == self._org
        )
        if for_update:  # PostgreSQL locks the row; SQLite's write transaction already excludes
            query = query.with_for_update()
        row = self._s.scalar(query)
        return _submission(row) if row else None

    def latest_version(self, user_id: str, achievement_id: str) -> int:
        top = self._s.scalar(
            select(func.max(SubmissionRow.version)).where(
                SubmissionRow.organisation_id == self._org,
                SubmissionRow.user_id == user_id,
                SubmissionRow.achievement_id == achievement_id,
            )
        )
        return int(top or 0)

    def for_user(self, user_id: str) -> Sequence[Submission]:
        rows = self._s.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.organisation_id == self._org, SubmissionRow.user_id == user_id)
            .order_by(SubmissionRow.created_at, SubmissionRow.version)
        )
        return [_submission(r) for r in rows]

    def with_status(
        self, status: SubmissionStatus, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Submission]:
        rows = self._s.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.organisation_id == self._org, SubmissionRow.status == status.value)
            .order_by(SubmissionRow.created_at)
            .offset(max(offset, 0))
            .limit(min(max(limit, 1), 200))
        )
        return [_submission(r) for r in rows]

    def update(self, submission: Submission) -> None:
        values: dict[str, Any] = {
            "status": submission.status.value,
            "review": _review_json(submission),
            "decision": _decision_json(submission),
            "feedback": submission.feedback,
            "credential_id": submission.credential_id,
            "decided_at": submission.decided_at,
        }
        self._s.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission.id, SubmissionRow.organisation_id == self._org)
            .values(**values)
        )

    def supersede_open(self, user_id: str, achievement_id: str) -> int:
        result = self._s.execute(
            update(SubmissionRow)
            .where(
                SubmissionRow.organisation_id == self._org,
                SubmissionRow.user_id == user_id,
                SubmissionRow.achievement_id == achievement_id,
                SubmissionRow.status.in_(
                    [SubmissionStatus.SUBMITTED.value, SubmissionStatus.IN_HUMAN_REVIEW.value]
                ),
            )
            .values(status=SubmissionStatus.SUPERSEDED.value)
        )
        return int(getattr(result, "rowcount", 0) or 0)
