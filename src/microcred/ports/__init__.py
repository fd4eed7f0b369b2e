"""The interfaces services depend on, one module per feature; adapters implement them."""

from microcred.ports.clock import Clock
from microcred.ports.credentials import (
    BulkRowRecord,
    BulkRowState,
    BulkRun,
    BulkState,
    DocumentFetcher,
    SigningKeyRecord,
    StatusChangeRecord,
    StatusListRecord,
)
from microcred.ports.identity import AttemptCounter
from microcred.ports.jobs import Job
from microcred.ports.learning import BlobStore
from microcred.ports.ledger import WitnessClient, WitnessStateStore
from microcred.ports.review import CodeAssignmentRecord, RubricRecord
from microcred.ports.skills import (
    RECENT,
    AchievementFacts,
    Applicant,
    CheckRecord,
    CredentialFact,
    Fingerprint,
    Placement,
    PresentedCredential,
    ProvenSkill,
    SkillsRepository,
    StoredRole,
    UserBrief,
)
from microcred.ports.unit_of_work import TenantScope, UnitOfWork, UnitOfWorkFactory

__all__ = [
    "RECENT",
    "AchievementFacts",
    "Applicant",
    "AttemptCounter",
    "BlobStore",
    "BulkRowRecord",
    "BulkRowState",
    "BulkRun",
    "BulkState",
    "CheckRecord",
    "Clock",
    "CodeAssignmentRecord",
    "CredentialFact",
    "DocumentFetcher",
    "Fingerprint",
    "Job",
    "Placement",
    "PresentedCredential",
    "ProvenSkill",
    "RubricRecord",
    "SigningKeyRecord",
    "SkillsRepository",
    "StatusChangeRecord",
    "StatusListRecord",
    "StoredRole",
    "TenantScope",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserBrief",
    "WitnessClient",
    "WitnessStateStore",
]
