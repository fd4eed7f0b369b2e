"""Python tests in the sandbox: the job that runs them and the tests they should report.

The job copies the harness (``programs/run.py``) and the learner's process with its link
(``programs/mc_*.py``) into the sandbox's read-only ``harness/`` directory.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from microcred.adapters.sandbox import programs
from microcred.adapters.sandbox.limits import (
    AGENT_FD,
    CONTROL_FD,
    FIXED_DIR,
    PRIVATE_DIR,
    REPORT_FD,
    WORK_DIR,
    SandboxJob,
    SandboxLimits,
)
from microcred.adapters.sandbox.namespaces import python_paths
from microcred.errors import InvalidInput

#: The harness (``run.py``), the learner's process (``mc_agent.py``) and the link between them.
HARNESS_FILES = (
    "run.py",
    "mc_remote.py",
    "mc_agent.py",
    "mc_wire.py",
    "mc_values.py",
    "mc_link.py",
)
_PYTEST_INI = b"[pytest]\naddopts =\n"


class LanguageSpec(Protocol):
    """How one language's tests run in the sandbox. The command it builds must write the
    JSON-lines report described in ``docs/code-review-sandbox.md`` to descriptor ``REPORT_FD``
    (open on ``REPORT_PATH``, which the confined processes cannot open themselves)."""

    def job(
        self, files: Mapping[str, bytes], tests: Mapping[str, bytes], lim: SandboxLimits
    ) -> SandboxJob:
        """The sandbox job that runs ``tests`` against the learner's ``files``."""

    def expected_tests(self, tests: Mapping[str, bytes]) -> dict[str, set[str]]:
        """Per test file, the test ids it defines, found without running anything."""


@dataclass(frozen=True, slots=True)
class PythonTests:
    """Python tests: pytest when the interpreter has it (``auto``), else a plain-assert runner.

    Plain tests are ``test*`` functions or ``Test*`` classes with bare ``assert``; a test file
    without any is run as a script and counts as one test.
    """

    framework: str = "auto"  # "auto", "pytest" or "plain"
    interpreter: str = sys.executable

    def job(
        self, files: Mapping[str, bytes], tests: Mapping[str, bytes], lim: SandboxLimits
    ) -> SandboxJob:
        """The sandbox job that runs ``tests`` against the learner's ``files``."""
        names = sorted(tests)
        private = {f"tests/{n}": tests[n] for n in names}
        fixed = {f"harness/{name}": programs.source(name) for name in HARNESS_FILES}
        fixed["harness/pytest.ini"] = _PYTEST_INI
        argv = (
            self.interpreter,
            *("-s", "-B", "-u"),  # not -I: it implies -E, which would drop PYTHONHASHSEED
            f"{FIXED_DIR}/harness/run.py",
            self.framework,
            f"{PRIVATE_DIR}/tests",
            WORK_DIR,
            str(REPORT_FD),
            str(CONTROL_FD),
            f"{FIXED_DIR}/harness/pytest.ini",
            f"{lim.test_seconds:g}",
            *names,
        )
        return SandboxJob(
            argv=argv,
            work_files=files,
            fixed_files=fixed,
            private_files=private,
            agent_argv=(
                self.interpreter,
                *("-s", "-B", "-u"),
                f"{FIXED_DIR}/harness/mc_agent.py",
                str(AGENT_FD),
                WORK_DIR,
            ),
            read_only_paths=python_paths(self.interpreter),
            env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONHASHSEED": "0"},
        )

    def expected_tests(self, tests: Mapping[str, bytes]) -> dict[str, set[str]]:
        """Per test file, the test names it defines (read from its syntax tree, never run)."""
        expected: dict[str, set[str]] = {}
        for name, source in tests.items():
            if not name.endswith(".py"):
                continue
            try:
                tree = ast.parse(source, filename=name)
            except (SyntaxError, ValueError) as exc:
                raise InvalidInput(f"Instructor test file {name!r} does not parse: {exc}") from None
            found: set[str] = set()
            for node in tree.body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if node.name.startswith("test"):
                        found.add(f"{name}::{node.name}")
                elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                    found.update(
                        f"{name}::{node.name}::{m.name}"
                        for m in node.body
                        if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
                        and m.name.startswith("test")
                    )
            expected[name] = found or {name}
        return expected
