"""Named verification checks: each passed, failed or skipped, with a plain-language reason.

Credential verification (``credentials.verify``), the offline log checks and chain anchors
(``transparency.anchor``) all report their results as a list of `Check`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CheckStatus(enum.StrEnum):
    """The outcome of one check."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    """One named check and its plain-language reason."""

    check: str
    status: CheckStatus
    message: str

    def to_json(self) -> dict[str, str]:
        """``{"check": …, "status": …, "message": …}``."""
        return {"check": self.check, "status": self.status.value, "message": self.message}
