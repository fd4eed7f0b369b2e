"""The code sandbox: run a learner's code against the instructor's tests, isolated from the host.

Three layers, outermost first:

* :func:`read_submission` (``archives``) unpacks an archive (zip, tar, tar.gz) or single file
  *in memory*, refusing path traversal, links that point out, devices, zip bombs and oversized
  members.
* :class:`Sandbox` (``namespaces``, ``cgroup``, ``programs/stage2.py``) runs one command in fresh
  Linux namespaces with a read-only root, a throw-away uid, resource limits and a wall clock. It
  refuses to run (:class:`SandboxUnavailable`) rather than run unconfined.
* :class:`PythonTests` (``python_tests``) / :class:`SandboxCodeRunner` (``runner``) turn that
  into a :class:`~microcred.assessment.code_review.TestRun` for the (pure) code reviewer, read
  from the harness's report by :func:`interpret` (``report``). Inside the sandbox the learner's
  code runs in a process of its own (``programs/mc_agent.py``), reached from the tests through
  proxies, so it cannot touch the harness or its report.

See ``docs/code-review-sandbox.md`` for what is and is not isolated.
"""

from microcred.adapters.sandbox.archives import ArchiveLimits, read_submission, safe_relative_path
from microcred.adapters.sandbox.cgroup import MemoryCgroup
from microcred.adapters.sandbox.limits import (
    AGENT_FD,
    CONTROL_FD,
    FIXED_DIR,
    PRIVATE_DIR,
    REPORT_FD,
    REPORT_PATH,
    WORK_DIR,
    MiB,
    SandboxJob,
    SandboxLimits,
    SandboxResult,
    SandboxUnavailable,
)
from microcred.adapters.sandbox.namespaces import PUBLIC_PROBE_ADDRESS, Sandbox, python_paths
from microcred.adapters.sandbox.python_tests import LanguageSpec, PythonTests
from microcred.adapters.sandbox.report import interpret
from microcred.adapters.sandbox.runner import SandboxCodeRunner
from microcred.assessment.code_review import RunStatus

__all__ = [
    "AGENT_FD",
    "CONTROL_FD",
    "FIXED_DIR",
    "PRIVATE_DIR",
    "PUBLIC_PROBE_ADDRESS",
    "REPORT_FD",
    "REPORT_PATH",
    "WORK_DIR",
    "ArchiveLimits",
    "LanguageSpec",
    "MemoryCgroup",
    "MiB",
    "PythonTests",
    "RunStatus",
    "Sandbox",
    "SandboxCodeRunner",
    "SandboxJob",
    "SandboxLimits",
    "SandboxResult",
    "SandboxUnavailable",
    "interpret",
    "python_paths",
    "read_submission",
    "safe_relative_path",
]
