"""Courses and pathways, enrolments, submissions and the files they carry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from microcred.domain.learning import Enrolment, Submission, SubmissionStatus
from microcred.domain.pathway import Pathway


class PathwayRepository(Protocol):
    """Courses and pathways."""

    def add(self, pathway: Pathway) -> None: ...
    def get(self, pathway_id: str) -> Pathway | None: ...
    def list(self) -> Sequence[Pathway]: ...


class EnrolmentRepository(Protocol):
    """Enrolments."""

    def add(self, enrolment: Enrolment) -> None: ...
    def for_user(self, user_id: str) -> Sequence[Enrolment]: ...


class SubmissionRepository(Protocol):
    """Submissions."""

    def add(self, submission: Submission) -> None: ...
    def get(self, submission_id: str, *, for_update: bool = False) -> Submission | None:
        """One submission; ``for_update`` locks its row until the transaction ends (so a
        decision written after a check of its status cannot race another one)."""
        ...

    def latest_version(self, user_id: str, achievement_id: str) -> int: ...
    def for_user(self, user_id: str) -> Sequence[Submission]: ...
    def with_status(
        self, status: SubmissionStatus, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Submission]: ...
    def update(self, submission: Submission) -> None: ...
    def supersede_open(self, user_id: str, achievement_id: str) -> int: ...


class BlobStore(Protocol):
    """Content-addressed file storage."""

    def put(self, data: bytes) -> str: ...
    def get(self, digest: str) -> bytes: ...
