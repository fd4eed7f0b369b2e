"""What the audit found, and what independent evidence it compared the database with."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Finding(enum.StrEnum):
    """Kinds of tampering the audit recognises."""

    ENTRY_REWRITTEN = "entry_rewritten"
    ENTRY_MISSING = "entry_missing"
    TREE_MISMATCH = "tree_mismatch"
    CHECKPOINT_FORGED = "checkpoint_forged"
    FORK = "fork"
    ROLLBACK = "rollback"
    CREDENTIAL_CHANGED = "credential_changed"
    CREDENTIAL_DELETED = "credential_deleted"
    CREDENTIAL_UNLOGGED = "credential_unlogged"
    STATUS_MISMATCH = "status_mismatch"
    STATUS_LIST_MISMATCH = "status_list_mismatch"
    RECORD_MISMATCH = "record_mismatch"
    CHANGE_RECORD_ALTERED = "change_record_altered"
    CHANGE_RECORD_MISSING = "change_record_missing"


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """One problem, in plain words."""

    kind: Finding
    message: str


@dataclass(slots=True)
class AuditReport:
    """Everything the audit checked and found."""

    entries: int = 0
    credentials: int = 0
    checkpoint_size: int | None = None
    cosigned_size: int | None = None
    findings: list[AuditFinding] = field(default_factory=list)
    #: the independent evidence compared with (witnesses reached, checkpoint files), in words
    evidence: list[str] = field(default_factory=list)
    #: what the audit could not check, in words (not tampering, but limits of this run)
    warnings: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    @property
    def independent(self) -> bool:
        """True when the audit compared the log with evidence kept outside this database."""
        return bool(self.evidence)

    def add(self, kind: Finding, message: str) -> None:
        """Record a finding."""
        self.findings.append(AuditFinding(kind, message))
