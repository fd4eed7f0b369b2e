"""One transaction, and the repositories of one organisation inside it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from microcred.ports.credentials import (
    AchievementRepository,
    BulkIssuanceRepository,
    CredentialRepository,
    ImportedCredentialRepository,
    KeyRepository,
    PublicReader,
    StatusListRepository,
)
from microcred.ports.identity import (
    AttemptCounterStore,
    OrganisationRepository,
    SecurityEventRepository,
    TokenRepository,
    UserRepository,
)
from microcred.ports.jobs import JobRepository
from microcred.ports.learning import EnrolmentRepository, PathwayRepository, SubmissionRepository
from microcred.ports.ledger import LedgerStore
from microcred.ports.lti import LtiRepository
from microcred.ports.mail import MailLinks, MailRepository
from microcred.ports.oid4vci import Oid4vciRepository
from microcred.ports.review import RubricRepository
from microcred.ports.scim import ScimRepository
from microcred.ports.skills import SkillsRepository
from microcred.ports.sso import SsoRepository
from microcred.ports.webhooks import WebhookRepository

from microcred.ports.delivery_exchanges import WalletExchangeRepository  # isort: skip
from microcred.ports.portability import ExportRunRepository  # isort: skip


class TenantScope(Protocol):
    """Repositories bound to one organisation: every query filters by it."""

    @property
    def organisation_id(self) -> str: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def keys(self) -> KeyRepository: ...
    @property
    def achievements(self) -> AchievementRepository: ...
    @property
    def credentials(self) -> CredentialRepository: ...
    @property
    def status_lists(self) -> StatusListRepository: ...
    @property
    def rubrics(self) -> RubricRepository: ...
    @property
    def pathways(self) -> PathwayRepository: ...
    @property
    def enrolments(self) -> EnrolmentRepository: ...
    @property
    def submissions(self) -> SubmissionRepository: ...
    @property
    def security_events(self) -> SecurityEventRepository: ...
    @property
    def skills(self) -> SkillsRepository: ...
    @property
    def bulk_issuance(self) -> BulkIssuanceRepository: ...
    @property
    def imported(self) -> ImportedCredentialRepository: ...
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def mail(self) -> MailRepository: ...
    @property
    def sso(self) -> SsoRepository: ...
    @property
    def lti(self) -> LtiRepository: ...
    @property
    def oid4vci(self) -> Oid4vciRepository: ...
    @property
    def wallet_exchanges(self) -> WalletExchangeRepository: ...
    @property
    def exports(self) -> ExportRunRepository: ...
    @property
    def scim(self) -> ScimRepository: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit` rolls everything back."""

    @property
    def organisations(self) -> OrganisationRepository: ...
    @property
    def public(self) -> PublicReader: ...
    @property
    def jobs(self) -> JobRepository: ...
    @property
    def ledger(self) -> LedgerStore: ...
    @property
    def attempts(self) -> AttemptCounterStore: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def tenant(self, organisation_id: str) -> TenantScope: ...
    def tokens_global(self) -> TokenRepository: ...
    def mail_links(self) -> MailLinks: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a new unit of work."""

    def __call__(self) -> UnitOfWork: ...
