"""The transparency log: sequencing, witnesses, anchors, audits, monitoring, offline log checks."""

from microcred.services.ledger.anchoring import ANCHOR_JOB, Anchoring
from microcred.services.ledger.audit import audit_log
from microcred.services.ledger.log_verification import LogProofCheck
from microcred.services.ledger.monitor import Monitor, MonitorState
from microcred.services.ledger.public_log import PublicLog
from microcred.services.ledger.service import (
    SEQUENCE_JOB,
    Ledger,
    LogKeys,
    NotYetLogged,
    latest_note,
    log_origin,
    log_policy,
    tlog_proof,
)
from microcred.services.ledger.witnessing import WITNESS_JOB, WitnessEndpoint, Witnessing

__all__ = [
    "ANCHOR_JOB",
    "SEQUENCE_JOB",
    "WITNESS_JOB",
    "Anchoring",
    "Ledger",
    "LogKeys",
    "LogProofCheck",
    "Monitor",
    "MonitorState",
    "NotYetLogged",
    "PublicLog",
    "WitnessEndpoint",
    "Witnessing",
    "audit_log",
    "latest_note",
    "log_origin",
    "log_policy",
    "tlog_proof",
]
