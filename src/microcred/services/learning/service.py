"""Courses and pathways, self-paced enrolment, evidence submission and progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.domain.credential import CredentialStatus
from microcred.domain.identity import Permission, Principal
from microcred.domain.learning import (
    Enrolment,
    PartKind,
    Submission,
    SubmissionPart,
    SubmissionStatus,
    check_parts,
)
from microcred.domain.pathway import (
    Earned,
    Pathway,
    PathwayKind,
    achievements_in,
    evaluate,
    rule_from_json,
)
from microcred.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, PermissionDenied
from microcred.ports.clock import Clock
from microcred.ports.learning import BlobStore
from microcred.ports.unit_of_work import TenantScope, UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.learning.evidence import (
    ArchiveCheck,
    Upload,
    check_link,
    check_upload,
    safe_filename,
    text_part,
)

REVIEW_JOB = "review.submission"
MAX_TOTAL_UPLOAD = 25_000_000


@dataclass(frozen=True, slots=True)
class PathwayProgress:
    """A learner's progress on one pathway."""

    pathway_id: str
    name: str
    percent: int
    done: int
    needed: int
    missing: tuple[str, ...]
    completed: bool
    unlocked: tuple[str, ...]


def earned_by(scope: TenantScope, email: str) -> dict[str, Earned]:
    """The micro-credentials a learner holds (active credentials issued to their e-mail)."""
    earned: dict[str, Earned] = {}
    for credential in scope.credentials.list(
        recipient_email=email, status=CredentialStatus.ACTIVE, limit=200
    ):
        earned[credential.achievement_id] = Earned(credential.achievement_id, None)
    return earned


class LearningService:
    """What learners and instructors do around micro-credentials."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        blobs: BlobStore,
        archive_check: ArchiveCheck,
        *,
        max_upload_bytes: int = 10_000_000,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._archive_check = archive_check
        self._max_upload = max_upload_bytes

    # --- pathways --------------------------------------------------------------------------
    def create_pathway(
        self,
        principal: Principal,
        *,
        name: str,
        description: str,
        kind: str,
        achievement_id: str,
        requirement: Mapping[str, Any],
        prerequisites: Mapping[str, Sequence[str]] | None = None,
    ) -> Pathway:
        """A course or pathway; earning its requirement issues ``achievement_id``."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        if not name.strip() or len(name) > 300:
            raise InvalidInput("A pathway needs a name of at most 300 characters.")
        try:
            pathway_kind = PathwayKind(kind)
        except ValueError:
            raise InvalidInput("kind is 'course' or 'pathway'.") from None
        prereqs = {str(k): [str(x) for x in v] for k, v in (prerequisites or {}).items()}
        pathway = Pathway(
            new_id(),
            principal.organisation_id,
            name.strip(),
            description[:20_000],
            pathway_kind,
            achievement_id,
            rule_from_json(requirement),
            prereqs,
            self._clock.now(),
        )
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            for aid in {achievement_id, *achievements_in(pathway.requirement)}:
                if scope.achievements.get(aid) is None:
                    raise NotFound(f"No achievement {aid!r} in your organisation.")
            scope.pathways.add(pathway)
            uow.commit()
        return pathway

    def pathways(self, principal: Principal) -> list[Pathway]:
        """The organisation's courses and pathways."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            return list(uow.tenant(principal.organisation_id).pathways.list())

    # --- enrolment -------------------------------------------------------------------------
    def enrol(
        self,
        principal: Principal,
        *,
        pathway_id: str | None = None,
        achievement_id: str | None = None,
    ) -> Enrolment:
        """Enrol the caller in a pathway or a single micro-credential (self-paced)."""
        if (pathway_id is None) == (achievement_id is None):
            raise InvalidInput("Enrol in either a pathway or a micro-credential.")
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if pathway_id and scope.pathways.get(pathway_id) is None:
                raise NotFound("No such pathway in your organisation.")
            if achievement_id and scope.achievements.get(achievement_id) is None:
                raise NotFound("No such micro-credential in your organisation.")
            if any(
                e.pathway_id == pathway_id and e.achievement_id == achievement_id
                for e in scope.enrolments.for_user(principal.user_id)
            ):
                raise Conflict("You are already enrolled.")
            enrolment = Enrolment(
                new_id(),
                principal.organisation_id,
                principal.user_id,
                pathway_id,
                achievement_id,
                self._clock.now(),
            )
            scope.enrolments.add(enrolment)
            uow.commit()
        return enrolment

    def my_enrolments(self, principal: Principal) -> list[Enrolment]:
        """The caller's enrolments: in pathways and in single micro-credentials."""
        with self._uow() as uow:
            return list(
                uow.tenant(principal.organisation_id).enrolments.for_user(principal.user_id)
            )

    def progress(self, principal: Principal) -> list[PathwayProgress]:
        """The caller's progress on every pathway they are enrolled in."""
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            earned = earned_by(scope, principal.email)
            out = []
            for enrolment in scope.enrolments.for_user(principal.user_id):
                if enrolment.pathway_id is None:
                    continue
                pathway = scope.pathways.get(enrolment.pathway_id)
                if pathway is None:
                    continue
                p = evaluate(pathway.requirement, earned)
                unlocked = tuple(
                    sorted(
                        a
                        for a in achievements_in(pathway.requirement)
                        if a not in earned and pathway.unlocked(a, earned)
                    )
                )
                out.append(
                    PathwayProgress(
                        pathway.id,
                        pathway.name,
                        p.percent,
                        p.done,
                        p.needed,
                        p.missing,
                        pathway.achievement_id in earned,
                        unlocked,
                    )
                )
        return out

    # --- submissions -----------------------------------------------------------------------
    def submit(
        self,
        principal: Principal,
        achievement_id: str,
        *,
        texts: Sequence[str] = (),
        links: Sequence[str] = (),
        files: Sequence[Upload] = (),
        code: Sequence[Upload] = (),
    ) -> Submission:
        """Store a new version of the caller's evidence and queue it for review."""
        if sum(len(f.data) for f in (*files, *code)) > MAX_TOTAL_UPLOAD:
            raise PayloadTooLarge("A submission's files total at most 25 MB.")
        parts = [text_part(t) for t in texts]
        parts += [SubmissionPart(PartKind.LINK, url=check_link(u)) for u in links]
        checked: list[tuple[PartKind, Upload, str]] = []
        for kind, uploads in ((PartKind.FILE, files), (PartKind.CODE, code)):
            for upload in uploads:
                content_type = check_upload(
                    upload, kind, max_bytes=self._max_upload, archive_check=self._archive_check
                )
                checked.append((kind, upload, content_type))
        check_parts([*parts, *(SubmissionPart(k) for k, _, _ in checked)])
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.achievements.get(achievement_id) is None:
                raise NotFound("No such micro-credential in your organisation.")
            self._check_unlocked(scope, principal, achievement_id)
            # files are stored first (content-addressed, idempotent); the row commits after
            for kind, upload, content_type in checked:
                digest = self._blobs.put(upload.data)
                parts.append(
                    SubmissionPart(
                        kind,
                        blob=digest,
                        filename=safe_filename(upload.filename),
                        content_type=content_type,
                        size=len(upload.data),
                    )
                )
            scope.submissions.supersede_open(principal.user_id, achievement_id)
            version = scope.submissions.latest_version(principal.user_id, achievement_id) + 1
            submission = Submission(
                new_id(),
                principal.organisation_id,
                principal.user_id,
                achievement_id,
                version,
                SubmissionStatus.SUBMITTED,
                parts,
                self._clock.now(),
            )
            scope.submissions.add(submission)
            uow.jobs.enqueue(
                REVIEW_JOB, {"organisation": principal.organisation_id, "submission": submission.id}
            )
            uow.commit()
        return submission

    @staticmethod
    def _check_unlocked(scope: TenantScope, principal: Principal, achievement_id: str) -> None:
        earned = None
        for enrolment in scope.enrolments.for_user(principal.user_id):
            pathway = scope.pathways.get(enrolment.pathway_id) if enrolment.pathway_id else None
            if pathway is None:
                continue
            earned = earned if earned is not None else earned_by(scope, principal.email)
            if not pathway.unlocked(achievement_id, earned):
                missing = [
                    p for p in pathway.prerequisites.get(achievement_id, []) if p not in earned
                ]
                raise Conflict(
                    f"Earn {', '.join(missing)} first: it is a prerequisite in {pathway.name}."
                )

    def submission(self, principal: Principal, submission_id: str) -> Submission:
        """A submission: its owner, or reviewers of the organisation, may see it."""
        with self._uow() as uow:
            found = uow.tenant(principal.organisation_id).submissions.get(submission_id)
        if found is None:
            raise NotFound("No such submission.")
        if (
            found.user_id != principal.user_id
            and Permission.REVIEW_SUBMISSIONS not in principal.permissions
        ):
            raise NotFound("No such submission.")
        return found

    def my_submissions(self, principal: Principal) -> list[Submission]:
        """Every version the caller submitted."""
        with self._uow() as uow:
            return list(
                uow.tenant(principal.organisation_id).submissions.for_user(principal.user_id)
            )

    def evidence_file(
        self, principal: Principal, submission_id: str, digest: str
    ) -> tuple[SubmissionPart, bytes]:
        """A stored file of a submission the caller may see."""
        found = self.submission(principal, submission_id)
        part = next((p for p in found.parts if p.blob == digest), None)
        if part is None:
            raise NotFound("No such file in this submission.")
        if (
            found.user_id != principal.user_id
            and Permission.REVIEW_SUBMISSIONS not in principal.permissions
        ):
            raise PermissionDenied("You may not see this file.")
        return part, self._blobs.get(digest)
