"""The composition root: settings -> engine -> ports -> services. Tests call it too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from microcred.adapters.blobs import LocalBlobStore
from microcred.adapters.blobs_s3 import S3BlobStore
from microcred.adapters.clock import SystemClock
from microcred.adapters.db import reader_engine
from microcred.adapters.db.job_wakeup import PgJobWakeup
from microcred.adapters.db.uow import SqlUnitOfWorkFactory, make_engine
from microcred.adapters.http import (
    HttpFetcher,
)
from microcred.adapters.witness_client import HttpWitnessClient
from microcred.bootstrap.features import (
    Lti,
    Mail,
    Oid4vci,
    Portability,
    Scim,
    SingleSignOn,
    Skills,
    Webhooks,
    remote_fetcher,
    wire_anchoring,
    wire_lti,
    wire_mail,
    wire_oid4vci,
    wire_portability,
    wire_scim,
    wire_skills,
    wire_sso,
    wire_webhooks,
)
from microcred.bootstrap.tools import (
    check_archive,
    code_reviewer,
    configured_embedder,
    llm_reviewer,
    unpack_archive,
)
from microcred.config import Settings, get_settings
from microcred.crypto.sealing import Sealer
from microcred.ports.clock import Clock
from microcred.services.credentials.achievements import AchievementService
from microcred.services.credentials.bulk import BULK_JOB, BulkIssuance
from microcred.services.credentials.directory import PublicDirectory
from microcred.services.credentials.imports import CredentialImports
from microcred.services.credentials.issuance import IssuanceService
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.credentials.learner_record import LearnerRecords
from microcred.services.credentials.status import CredentialService, PublicDocuments
from microcred.services.credentials.status_lists import StatusLists
from microcred.services.credentials.verification import VerificationService
from microcred.services.delivery import (
    WalletExchanges,  # DCC wallet exchanges
)
from microcred.services.identity.accounts import AccountService
from microcred.services.identity.service import IdentityService, password_throttle
from microcred.services.jobs import Handler, JobRunner
from microcred.services.learning.service import REVIEW_JOB, LearningService
from microcred.services.ledger.anchoring import ANCHOR_JOB, Anchoring
from microcred.services.ledger.public_log import PublicLog
from microcred.services.ledger.service import SEQUENCE_JOB, Ledger, LogKeys, log_origin
from microcred.services.ledger.witnessing import WITNESS_JOB, WitnessEndpoint, Witnessing
from microcred.services.lti import SCORE_JOB
from microcred.services.notifications import (
    MAIL_JOB,
    SCAN_JOB,
)
from microcred.services.portability import EXPORT_JOB, StaticSite
from microcred.services.review.code_assignments import CodeAssignments
from microcred.services.review.rubrics import RubricService
from microcred.services.review.service import ReviewService
from microcred.services.urls import PublicUrls
from microcred.services.webhooks import (
    DELIVER_JOB,
    EXPIRING_JOB,
)

if TYPE_CHECKING:
    pass


@dataclass(slots=True)
class Container:
    """Everything a web process or command needs, wired once."""

    settings: Settings
    engine: Engine
    uow: SqlUnitOfWorkFactory
    clock: Clock
    urls: PublicUrls
    keys: IssuerKeys
    identity: IdentityService
    accounts: AccountService
    achievements: AchievementService
    issuance: IssuanceService
    #: bulk issuance from CSV files (dry run, then a job issuing in chunks)
    bulk: BulkIssuance
    credentials: CredentialService
    #: learners' records as signed CLR 2.0 credentials
    records: LearnerRecords
    #: credentials learners bring in from elsewhere
    imports: CredentialImports
    public: PublicDocuments
    #: organisations and the micro-credentials they award, for everyone
    directory: PublicDirectory
    verification: VerificationService
    ledger: Ledger
    #: reads of the log for anyone (tiles, checkpoint, policy, proofs) and its health for admins
    public_log: PublicLog
    witnessing: Witnessing
    rubrics: RubricService
    learning: LearningService
    review: ReviewService
    code: CodeAssignments
    anchoring: Anchoring | None
    jobs: JobRunner
    skills: Skills
    #: the one guarded client for untrusted URLs (verification; webhooks and later fetches)
    fetcher: HttpFetcher
    #: asks witnesses for their latest checkpoints (``microcred audit``)
    witness_client: HttpWitnessClient
    webhooks: Webhooks
    mail: Mail
    #: single sign-on with each organisation's OpenID Connect provider
    sso: SingleSignOn
    #: microcred as an LTI 1.3 tool for each organisation's learning platforms
    lti: Lti
    #: SCIM 2.0 provisioning of Users and Groups (teams)
    scim: Scim
    oid4vci: Oid4vci
    #: the DCC Learner Credential Wallet's request links and VC-API exchanges
    wallet_exchanges: WalletExchanges
    portability: Portability
    static_site: StaticSite
    #: the pooled read-only engine (SQLite; the main engine elsewhere)
    reader: Engine | None = None

    def close(self) -> None:
        """Release database connections."""
        if self.jobs.wakeup is not None:
            self.jobs.wakeup.close()
        self.engine.dispose()
        if self.reader is not None and self.reader is not self.engine:
            self.reader.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    """Wire the application from ``settings`` (read from the environment when omitted)."""
    settings = settings or get_settings()
    settings.check_safe()
    engine = make_engine(settings.database_url)
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock)
    urls = PublicUrls(settings.public_base_url)
    sealer = Sealer(settings.kek_secrets)
    keys = IssuerKeys(sealer, urls)
    status_lists = StatusLists(
        urls, settings.status_list_size, timedelta(hours=settings.status_list_validity_hours)
    )
    endpoints = [WitnessEndpoint.parse(spec) for spec in settings.witnesses]
    quorum = len(endpoints) if settings.witness_quorum is None else settings.witness_quorum
    ledger = Ledger(
        uow,
        clock,
        LogKeys(sealer, log_origin(settings.public_base_url)),
        batch_size=settings.ledger_batch_size,
        interval=timedelta(milliseconds=settings.ledger_interval_ms),
        quorum=quorum,
    )
    witness_client = HttpWitnessClient(ca_bundle=settings.ca_bundle)
    witnessing = Witnessing(uow, clock, endpoints, witness_client)
    ledger.after_checkpoint.append(witnessing.enqueue_all)
    issuance = IssuanceService(uow, clock, keys, status_lists, urls, ledger)
    bulk = BulkIssuance(uow, clock, issuance)
    records = LearnerRecords(uow, clock, keys, urls, issuance)
    rubrics = RubricService(
        uow, clock, configured_embedder(settings), zero_shot=llm_reviewer(settings)
    )
    blobs: LocalBlobStore | S3BlobStore = (
        S3BlobStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
        )
        if settings.s3_bucket
        else LocalBlobStore(settings.blob_dir)
    )
    code = CodeAssignments(uow, clock, blobs, unpack_archive)
    review = ReviewService(uow, clock, rubrics, issuance, urls, code, code_reviewer())
    learning = LearningService(
        uow, clock, blobs, check_archive, max_upload_bytes=settings.max_upload_bytes
    )
    handlers: dict[str, Handler] = {
        SEQUENCE_JOB: ledger.sequence,
        WITNESS_JOB: witnessing.submit,
        REVIEW_JOB: review.run,
        BULK_JOB: bulk.run,
    }
    webhooks = wire_webhooks(settings, uow, clock, sealer)
    handlers[DELIVER_JOB] = webhooks.delivery.run
    handlers[EXPIRING_JOB] = webhooks.expiring.run
    anchoring = wire_anchoring(settings, uow, clock, quorum)
    if anchoring is not None:
        ledger.after_checkpoint.append(anchoring.schedule)
        handlers[ANCHOR_JOB] = anchoring.anchor
    public = PublicDocuments(uow, keys, status_lists, clock)
    credentials = CredentialService(uow, clock, keys, status_lists, ledger)
    mail = wire_mail(settings, uow, clock, urls, credentials)
    issuance.after_issue.append(mail.offers.after_issue)
    handlers[MAIL_JOB] = mail.delivery.run
    handlers[SCAN_JOB] = mail.scan.run
    fetcher = remote_fetcher(settings)
    reader = reader_engine(engine)
    identity = IdentityService(
        uow,
        clock,
        keys,
        urls,
        timedelta(seconds=settings.session_token_seconds),
        api_token_default=timedelta(days=settings.api_token_default_days),
        api_token_max=timedelta(days=settings.api_token_max_days),
        reader=SqlUnitOfWorkFactory(reader, clock),
        throttle=password_throttle(
            uow,
            clock,
            account_free=settings.signin_account_free_failures,
            client_free=settings.signin_client_free_failures,
            max_delay=timedelta(seconds=settings.signin_max_delay_seconds),
        ),
    )
    lti = wire_lti(settings, uow, clock, sealer, fetcher, identity, urls)
    handlers[SCORE_JOB] = lti.grades.post
    verification = VerificationService(
        public,
        urls,
        clock,
        fetcher,
        deadline_seconds=settings.verify_deadline_seconds,
        max_fetches=settings.verify_max_fetches,
    )
    portability = wire_portability(settings, engine, blobs, sealer, clock, uow)
    handlers[EXPORT_JOB] = portability.runs.run
    public_log = PublicLog(uow, ledger.keys, endpoints, quorum, f"{urls.base}/log")
    return Container(
        settings=settings,
        engine=engine,
        reader=reader,
        uow=uow,
        clock=clock,
        urls=urls,
        keys=keys,
        identity=identity,
        accounts=AccountService(uow, clock, identity),
        achievements=AchievementService(uow, clock, urls),
        issuance=issuance,
        records=records,
        imports=CredentialImports(uow, clock, verification),
        bulk=bulk,
        rubrics=rubrics,
        learning=learning,
        review=review,
        code=code,
        credentials=credentials,
        public=public,
        directory=PublicDirectory(uow, keys, urls),
        verification=verification,
        fetcher=fetcher,
        witness_client=witness_client,
        webhooks=webhooks,
        mail=mail,
        sso=wire_sso(settings, uow, clock, sealer, fetcher, identity, urls),
        lti=lti,
        scim=wire_scim(uow, clock, urls),
        oid4vci=wire_oid4vci(settings, uow, clock, issuance),
        wallet_exchanges=WalletExchanges(
            uow, clock, issuance, urls, timedelta(seconds=settings.wallet_exchange_ttl_seconds)
        ),
        ledger=ledger,
        public_log=public_log,
        witnessing=witnessing,
        anchoring=anchoring,
        jobs=JobRunner(
            uow,
            clock,
            handlers,
            wakeup=PgJobWakeup(engine) if engine.dialect.name == "postgresql" else None,
        ),
        skills=wire_skills(engine, uow, clock, public, urls, verification),
        portability=portability,
        static_site=StaticSite(uow, public, public_log, keys, urls, clock),
    )
