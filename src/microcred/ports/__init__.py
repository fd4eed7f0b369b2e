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
from microcred.ports.jobs import Job, JobWakeup
from microcred.ports.learning import BlobStore
from microcred.ports.ledger import WitnessClient, WitnessStateStore
from microcred.ports.portability import PortableSnapshot, PortableStore, Row
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
from microcred.ports.webhooks import (
    Attempt,
    Delivery,
    DeliveryState,
    EventType,
    SendResult,
    Subscription,
    WebhookEvent,
    WebhookRepository,
    WebhookSender,
)

__all__ = [
    "RECENT",
    "AchievementFacts",
    "Applicant",
    "Attempt",
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
    "Delivery",
    "DeliveryState",
    "DocumentFetcher",
    "EventType",
    "Fingerprint",
    "Job",
    "JobWakeup",
    "Placement",
    "PortableSnapshot",
    "PortableStore",
    "PresentedCredential",
    "ProvenSkill",
    "Row",
    "RubricRecord",
    "SendResult",
    "SigningKeyRecord",
    "SkillsRepository",
    "StatusChangeRecord",
    "StatusListRecord",
    "StoredRole",
    "Subscription",
    "TenantScope",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserBrief",
    "WebhookEvent",
    "WebhookRepository",
    "WebhookSender",
    "WitnessClient",
    "WitnessStateStore",
]
