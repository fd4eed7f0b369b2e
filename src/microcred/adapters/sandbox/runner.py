"""The code reviewer's :class:`~microcred.assessment.code_review.CodeRunner`: unpack, run
confined, interpret."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from microcred.adapters.sandbox.archives import ArchiveLimits, read_submission, safe_relative_path
from microcred.adapters.sandbox.limits import SandboxUnavailable
from microcred.adapters.sandbox.namespaces import Sandbox
from microcred.adapters.sandbox.python_tests import LanguageSpec, PythonTests
from microcred.adapters.sandbox.report import interpret
from microcred.assessment.code_review import CodeSubmission, RunStatus, TestRun
from microcred.errors import InvalidInput

log = logging.getLogger(__name__)

_DEFAULT_ARCHIVE_LIMITS = ArchiveLimits()


class SandboxCodeRunner:
    """The :class:`~microcred.assessment.code_review.CodeRunner` backed by :class:`Sandbox`."""

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        languages: Mapping[str, LanguageSpec] | None = None,
        archive_limits: ArchiveLimits = _DEFAULT_ARCHIVE_LIMITS,
    ) -> None:
        self.sandbox = sandbox or Sandbox()
        self.languages: dict[str, LanguageSpec] = dict(languages or {"python": PythonTests()})
        self.archive_limits = archive_limits

    def run_tests(
        self, submission: CodeSubmission, tests: Mapping[str, bytes], language: str
    ) -> TestRun:
        """Unpack, run confined, interpret. Bad input raises; a broken sandbox → INFRASTRUCTURE."""
        spec = self.languages.get(language)
        if spec is None:
            raise InvalidInput(
                f"No test runner for language {language!r}.",
                hint=f"Known: {', '.join(sorted(self.languages))}.",
            )
        if not tests:
            raise InvalidInput("The instructor has not provided any test files.")
        for name in tests:
            safe_relative_path(name)
        files = read_submission(submission, self.archive_limits)
        expected = spec.expected_tests(tests)
        job = spec.job(files, tests, self.sandbox.limits)
        try:
            result = self.sandbox.run(job)
        except SandboxUnavailable as exc:
            return TestRun(RunStatus.INFRASTRUCTURE, reason=exc.explain())
        run = interpret(result, expected, self.sandbox.limits)
        if run.status is RunStatus.INFRASTRUCTURE:
            log.error("code sandbox infrastructure error: %s", run.reason)
        return run
