"""Code micro-credentials: the instructor's tests, mapped to criteria, run against a learner's
code in the sandbox."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from microcred.assessment.code_audit import AUDIT_SHARE, AuditAgreement, check_audit_share
from microcred.assessment.code_review import CodeAssignment, CriterionTests
from microcred.domain.identity import Permission, Principal
from microcred.errors import InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.learning import BlobStore
from microcred.ports.review import CodeAssignmentRecord
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.ids import new_id
from microcred.services.learning.evidence import Upload, safe_filename

#: unpacks an archive (or a single file) safely into ``path -> bytes``
Unpack = Callable[[str, bytes], dict[str, bytes]]
MAX_TESTS_BYTES = 5_000_000
#: What a reviewer is shown of a code submission, inline
SHOWN_FILES, SHOWN_FILE_CHARS, SHOWN_TOTAL_CHARS = 50, 40_000, 200_000


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a submitted code archive, as a reviewer reads it."""

    path: str
    text: str
    #: why the text is not all there (binary, too long), or ""
    note: str = ""


def _criteria(items: Sequence[Mapping[str, Any]]) -> tuple[CriterionTests, ...]:
    try:
        return tuple(
            CriterionTests(
                str(c["criterion_id"]),
                tuple(str(p) for p in c["patterns"]),
                float(c["max_points"]),
                str(c.get("name", "")),
            )
            for c in items
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(
            "Each criterion needs criterion_id, patterns (test name patterns) "
            f"and max_points ({exc.__class__.__name__})."
        ) from None


def audits_of(record: CodeAssignmentRecord) -> AuditAgreement:
    """The audit table of an assignment, under its current tests."""
    return AuditAgreement(*record.audit_counts)


class CodeAssignments:
    """Stores and loads the tests of code micro-credentials."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, blobs: BlobStore, unpack: Unpack
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._blobs = blobs
        self._unpack = unpack

    def set(
        self,
        principal: Principal,
        achievement_id: str,
        tests: Upload,
        criteria: Sequence[Mapping[str, Any]],
        *,
        pass_fraction: float = 1.0,
        language: str = "python",
        auto_decide: bool = True,
        audit_share: float = AUDIT_SHARE,
    ) -> CodeAssignmentRecord:
        """Attach (or replace) the tests; they are unpacked and checked before anything is
        stored. ``audit_share`` of the clean runs go to a person as audits; new tests start
        their audit count afresh."""
        principal.require(Permission.MANAGE_ACHIEVEMENTS)
        check_audit_share(audit_share)
        if len(tests.data) > MAX_TESTS_BYTES:
            raise InvalidInput("The tests are larger than 5 MB.")
        mapping = _criteria(criteria)
        assignment = CodeAssignment(
            self._unpack(tests.filename, tests.data), mapping, language, pass_fraction
        )
        del assignment  # constructing it validated the mapping and the pass mark
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            if scope.achievements.get(achievement_id) is None:
                raise NotFound("No such achievement in your organisation.")
            record = CodeAssignmentRecord(
                new_id(),
                achievement_id,
                self._blobs.put(tests.data),
                safe_filename(tests.filename),
                [dict(c) for c in criteria],
                pass_fraction,
                language,
                auto_decide,
                self._clock.now(),
                audit_share,
            )
            scope.rubrics.save_code_assignment(record)
            uow.commit()
            saved = scope.rubrics.code_assignment(achievement_id)
        return saved or record

    def get(self, principal: Principal, achievement_id: str) -> dict[str, Any]:
        """What instructors see: the assignment, and how often people agreed with its tests."""
        principal.require(Permission.VIEW_ACHIEVEMENTS)
        with self._uow() as uow:
            record = uow.tenant(principal.organisation_id).rubrics.code_assignment(achievement_id)
        if record is None:
            raise NotFound("That micro-credential has no code assignment.")
        audits = audits_of(record)
        return {
            "id": record.id,
            "tests": record.tests_filename,
            "criteria": record.criteria,
            "pass_fraction": record.pass_fraction,
            "language": record.language,
            "auto_decide": record.auto_decide,
            "audit_share": record.audit_share,
            "updated_at": record.updated_at.isoformat(),
            "agreement": audits.as_dict(),
            "tests_decide_alone": record.auto_decide and not audits.suspended,
        }

    def assignment(self, record: CodeAssignmentRecord) -> CodeAssignment:
        """A stored assignment with its tests unpacked from the blob store (reads blobs: call
        it with no transaction open)."""
        tests = self._unpack(record.tests_filename, self._blobs.get(record.tests_blob))
        return CodeAssignment(
            tests, _criteria(record.criteria), record.language, record.pass_fraction
        )

    def code_of(self, blob: str) -> bytes:
        """A submitted code archive."""
        return self._blobs.get(blob)

    def source(self, blob: str, filename: str) -> list[SourceFile]:
        """The files of a submitted code archive as text for a reviewer, within display limits
        (the archive was checked on upload; it is unpacked with the same checks again)."""
        files = self._unpack(filename, self.code_of(blob))
        shown: list[SourceFile] = []
        budget = SHOWN_TOTAL_CHARS
        for path in sorted(files):
            if len(shown) == SHOWN_FILES:
                shown.append(SourceFile("…", "", f"{len(files) - SHOWN_FILES} more files"))
                break
            data = files[path]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = "\x00"
            if "\x00" in text:
                shown.append(SourceFile(path, "", f"binary, {len(data):,} bytes"))
                continue
            cap = min(SHOWN_FILE_CHARS, budget)
            note = f"first {cap:,} of {len(text):,} characters" if len(text) > cap else ""
            shown.append(SourceFile(path, text[:cap], note))
            budget -= min(len(text), cap)
        return shown
