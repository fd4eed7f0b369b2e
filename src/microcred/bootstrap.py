"""The composition root: settings -> engine -> ports -> services. Tests call it too."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from microcred.adapters.blobs import LocalBlobStore
from microcred.adapters.blobs_s3 import S3BlobStore
from microcred.adapters.clock import SystemClock
from microcred.adapters.db import migrate
from microcred.adapters.db.job_wakeup import PgJobWakeup
from microcred.adapters.db.portability import SqlPortableStore
from microcred.adapters.db.uow import SqlUnitOfWorkFactory, make_engine, snapshot_engine
from microcred.adapters.db.witness_store import WitnessStore
from microcred.adapters.http import (
    AddressPolicy,
    GuardedOidcClient,
    GuardedWebhookSender,
    HttpFetcher,
    guarded_client,
    parse_networks,
)
from microcred.adapters.mail import OutboxMailer, SmtpMailer, SmtpSettings
from microcred.adapters.sandbox import Sandbox, SandboxCodeRunner, read_submission
from microcred.adapters.witness_client import HttpWitnessClient
from microcred.assessment.code_review import CodeReviewer, CodeSubmission
from microcred.assessment.embedder import Embedder
from microcred.assessment.reviewer import Reviewer
from microcred.config import Settings, get_settings
from microcred.crypto.sealing import Sealer
from microcred.errors import ConfigurationError, MicrocredError
from microcred.ports.clock import Clock
from microcred.services.credentials.achievements import AchievementService
from microcred.services.credentials.bulk import BULK_JOB, BulkIssuance
from microcred.services.credentials.imports import CredentialImports
from microcred.services.credentials.issuance import IssuanceService
from microcred.services.credentials.keys import IssuerKeys
from microcred.services.credentials.learner_record import LearnerRecords
from microcred.services.credentials.offers import CredentialOffers
from microcred.services.credentials.status import CredentialService, PublicDocuments
from microcred.services.credentials.status_lists import StatusLists
from microcred.services.credentials.verification import VerificationService
from microcred.services.delivery import (
    Oid4vciIssuer,
    Oid4vciOffers,
    WalletExchanges,  # DCC wallet exchanges
)
from microcred.services.identity.accounts import AccountService
from microcred.services.identity.service import IdentityService, password_throttle
from microcred.services.identity.sso import SsoProviders
from microcred.services.identity.sso_signin import SsoSignIn
from microcred.services.jobs import Handler, JobRunner
from microcred.services.learning.service import REVIEW_JOB, LearningService
from microcred.services.ledger.anchoring import ANCHOR_JOB, Anchoring
from microcred.services.ledger.public_log import PublicLog
from microcred.services.ledger.service import SEQUENCE_JOB, Ledger, LogKeys, log_origin
from microcred.services.ledger.witnessing import WITNESS_JOB, WitnessEndpoint, Witnessing
from microcred.services.notifications import (
    MAIL_JOB,
    SCAN_JOB,
    LifecycleScan,
    MailDelivery,
    MailPreferences,
)
from microcred.services.portability import OrganisationExport, OrganisationImport
from microcred.services.review.code_assignments import CodeAssignments
from microcred.services.review.rubrics import RubricService
from microcred.services.review.service import ReviewService
from microcred.services.skills.analysis import SkillsAnalysis
from microcred.services.skills.applicants import ApplicantService, VerifierFactory
from microcred.services.skills.index import SkillsIndexCache
from microcred.services.skills.people import PeopleService
from microcred.services.skills.roles import RoleService
from microcred.services.skills.taxonomy import Reference, SkillsReference
from microcred.services.urls import PublicUrls
from microcred.services.webhooks import (
    DELIVER_JOB,
    EXPIRING_JOB,
    ExpiringScan,
    WebhookDelivery,
    WebhookSubscriptions,
)
from microcred.skills.skill_matching import default_matcher

__all__ = [
    "Container",
    "Mail",
    "Oid4vci",
    "Portability",
    "SingleSignOn",
    "Skills",
    "Webhooks",
    "build",
    "check_archive",
    "embedder",
    "log_reader",
    "remote_fetcher",
    "unpack_archive",
    "upgrade_database",
    "witness_store",
]

if TYPE_CHECKING:
    from microcred.adapters.ai.embeddings import MiniLMEmbedder, StaticEmbedder


@dataclass(slots=True)
class Skills:
    """Skills intelligence: role profiles, people, gaps and search, applicants, ESCO reference."""

    roles: RoleService
    people: PeopleService
    analysis: SkillsAnalysis
    applicants: ApplicantService
    reference: SkillsReference
    cache: SkillsIndexCache


@dataclass(slots=True)
class Webhooks:
    """Signed webhooks: subscriptions, the delivery job and the ``credential.expiring`` scan."""

    subscriptions: WebhookSubscriptions
    delivery: WebhookDelivery
    expiring: ExpiringScan


@dataclass(slots=True)
class Mail:
    """E-mail: credential offers, the send job, the lifecycle scan and people's opt-outs."""

    offers: CredentialOffers
    delivery: MailDelivery
    scan: LifecycleScan
    preferences: MailPreferences


@dataclass(slots=True)
class SingleSignOn:
    """Single sign-on with OpenID Connect: provider registration and the sign-in flow."""

    providers: SsoProviders
    sign_in: SsoSignIn


@dataclass(slots=True)
class Oid4vci:
    """OpenID4VCI issuance: offers for holders, the protocol endpoints for wallets."""

    offers: Oid4vciOffers
    issuer: Oid4vciIssuer


@dataclass(slots=True)
class Portability:
    """Organisation export (archive) and import into a fresh instance."""

    export: OrganisationExport
    importer: OrganisationImport


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
    oid4vci: Oid4vci
    #: the DCC Learner Credential Wallet's request links and VC-API exchanges
    wallet_exchanges: WalletExchanges
    portability: Portability

    def close(self) -> None:
        """Release database connections."""
        if self.jobs.wakeup is not None:
            self.jobs.wakeup.close()
        self.engine.dispose()


class _LazyEmbedder:
    """Loads the embedding model on first use, so start-up stays fast."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def embed(self, texts: Sequence[str]) -> Any:
        return embedder(self._name).embed(texts)


def embedder(name: str = "static") -> StaticEmbedder | MiniLMEmbedder:
    """An embedding model by name, loaded now: ``static`` (shipped) or ``minilm`` (ai extra)."""
    from microcred.adapters.ai.embeddings import load_embedder  # noqa: PLC0415 — heavy

    return load_embedder(name)


def upgrade_database(revision: str = "heads", settings: Settings | None = None) -> str | None:
    """Create or migrate the schema at ``settings``' database; the revision it is now at."""
    url = (settings or get_settings()).database_url
    migrate.upgrade(url, revision)
    return migrate.current(url)


def witness_store(database_url: str) -> WitnessStore:
    """A witness's own state (the logs it follows, evidence it keeps)."""
    return WitnessStore(database_url)


def log_reader(
    log_url: str, *, ca_bundle: str | None = None, timeout: float = 15.0
) -> Callable[[str], bytes]:
    """Reads another instance's log (``microcred log monitor``) through the guarded client.
    The operator named the log, so its host's addresses are allow-listed (it may be on-premises)
    beside ``MICROCRED_FETCH_ALLOW_NETWORKS``."""
    host = urlsplit(log_url).hostname or ""
    try:
        named = {str(info[4][0]) for info in socket.getaddrinfo(host, None)} if host else set()
    except OSError:
        named = set()
    networks = [*parse_networks(get_settings().fetch_allow_networks), *parse_networks(named)]
    client = guarded_client(AddressPolicy(networks), timeout=timeout, ca_bundle=ca_bundle)

    def fetch(target: str) -> bytes:
        try:
            response = client.get(target)
        except httpx.HTTPError as exc:
            raise MicrocredError(f"{target} is unreachable ({type(exc).__name__}).") from exc
        if response.status_code != 200:
            raise MicrocredError(f"{target} answered HTTP {response.status_code}.")
        return response.content

    return fetch


def _llm(settings: Settings) -> Reviewer | None:
    """The LLM reviewer, when an OpenAI-compatible endpoint and model are configured."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from microcred.adapters.ai.llm import LLMReviewer, LLMSettings  # noqa: PLC0415

    return LLMReviewer(LLMSettings(settings.llm_base_url, settings.llm_model, settings.llm_api_key))


def _embedder(settings: Settings) -> Embedder:
    return _LazyEmbedder(settings.embedding_model)


def unpack_archive(filename: str, data: bytes) -> dict[str, bytes]:
    """Unpack an archive in memory with the sandbox's limits (traversal, bombs, devices...)."""
    return read_submission(CodeSubmission(filename=filename, content=data))


def check_archive(filename: str, data: bytes) -> None:
    """Refuse an uploaded archive that would not unpack safely."""
    unpack_archive(filename, data)


def _code_reviewer() -> CodeReviewer:
    """The code reviewer, running tests in the sandbox (which checks itself on first use)."""
    return CodeReviewer(SandboxCodeRunner(Sandbox()))


def _anchoring(
    settings: Settings, uow: SqlUnitOfWorkFactory, clock: Clock, quorum: int
) -> Anchoring | None:
    """Chain anchoring when an endpoint is configured (needs ``microcred[ethereum]``)."""
    if not settings.anchor_rpc_url:
        return None
    if not settings.anchor_private_key:
        raise ConfigurationError("MICROCRED_ANCHOR_PRIVATE_KEY is needed to anchor.")
    try:
        from microcred.adapters.anchors.ethereum import EthereumAnchor  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigurationError(
            "Chain anchoring needs: pip install 'microcred[ethereum]'."
        ) from exc
    try:
        key = bytes.fromhex(settings.anchor_private_key.removeprefix("0x"))
    except ValueError as exc:
        raise ConfigurationError("MICROCRED_ANCHOR_PRIVATE_KEY must be hex.") from exc
    chain = EthereumAnchor.from_url(
        settings.anchor_rpc_url,
        chain_id=settings.anchor_chain_id,
        contract=settings.anchor_contract,
        private_key=key,
        origin=log_origin(settings.public_base_url),
        confirmations=settings.anchor_confirmations,
    )
    return Anchoring(
        uow,
        clock,
        chain,
        quorum=quorum,
        interval=timedelta(seconds=settings.anchor_interval_seconds),
    )


def remote_fetcher(settings: Settings) -> HttpFetcher:
    """The guarded fetcher for untrusted URLs that ``settings`` describe."""
    return HttpFetcher(
        timeout=settings.http_timeout_seconds,
        cache_seconds=settings.did_web_cache_seconds,
        allow_http=settings.allow_insecure_http,
        ca_bundle=settings.ca_bundle,
        allow_networks=settings.fetch_allow_networks,
        max_concurrent=settings.fetch_max_concurrent,
        cache_entries=settings.fetch_cache_entries,
        cache_bytes=settings.fetch_cache_bytes,
    )


def _webhooks(
    settings: Settings, uow: SqlUnitOfWorkFactory, clock: Clock, sealer: Sealer
) -> Webhooks:
    """Webhooks posted through the guarded client (``MICROCRED_FETCH_ALLOW_NETWORKS`` applies)."""
    sender = GuardedWebhookSender(
        AddressPolicy(parse_networks(settings.fetch_allow_networks)),
        timeout=settings.webhook_timeout_seconds,
        allow_http=settings.allow_insecure_http,
        ca_bundle=settings.ca_bundle,
    )
    return Webhooks(
        subscriptions=WebhookSubscriptions(uow, clock, sealer, sender),
        delivery=WebhookDelivery(
            uow, clock, sealer, sender, disable_after=settings.webhook_disable_after
        ),
        expiring=ExpiringScan(uow, clock, settings.webhook_expiring_days),
    )


def mailer(settings: Settings, clock: Clock) -> SmtpMailer | OutboxMailer:
    """The one SMTP adapter, or the outbox folder when no SMTP host is set."""
    if not settings.smtp_host:
        return OutboxMailer(
            settings.mail_outbox_dir, settings.mail_sender, settings.mail_sender_name, clock.now
        )
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    smtp = SmtpSettings(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_sender,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=password,
        sender_name=settings.mail_sender_name,
        timeout=settings.smtp_timeout_seconds,
        ca_bundle=settings.ca_bundle,
    )
    return SmtpMailer(smtp, clock.now)


def _mail(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    clock: Clock,
    urls: PublicUrls,
    credentials: CredentialService,
) -> Mail:
    preferences = MailPreferences(uow, clock, settings.kek_secrets)
    return Mail(
        offers=CredentialOffers(uow, clock, credentials),
        delivery=MailDelivery(
            uow, clock, mailer(settings, clock), urls, preferences, settings.offer_claim_days
        ),
        scan=LifecycleScan(
            uow,
            clock,
            expiry_days=settings.expiry_reminder_days,
            reminder_days=settings.offer_reminder_days,
            max_emails=settings.offer_max_emails,
        ),
        preferences=preferences,
    )


def _sso(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    clock: Clock,
    sealer: Sealer,
    fetcher: HttpFetcher,
    identity: IdentityService,
    urls: PublicUrls,
) -> SingleSignOn:
    """Single sign-on through the guarded fetcher (``MICROCRED_FETCH_ALLOW_NETWORKS`` applies to
    discovery, the JWKS and the token request alike)."""
    oidc = GuardedOidcClient(
        fetcher,
        timeout=settings.http_timeout_seconds,
        allow_http=settings.allow_insecure_http,
        ca_bundle=settings.ca_bundle,
    )
    return SingleSignOn(
        providers=SsoProviders(uow, clock, sealer, oidc, allow_http=settings.allow_insecure_http),
        sign_in=SsoSignIn(
            uow,
            clock,
            sealer,
            oidc,
            identity,
            f"{urls.base}/login/sso/callback",
            lifetime=timedelta(minutes=settings.sso_sign_in_minutes),
            skew_seconds=settings.sso_clock_skew_seconds,
        ),
    )


def _oid4vci(
    settings: Settings, uow: SqlUnitOfWorkFactory, clock: Clock, issuance: IssuanceService
) -> Oid4vci:
    """Every organisation's OpenID4VCI Credential Issuer under ``public_base_url``."""
    base = settings.public_base_url
    return Oid4vci(
        offers=Oid4vciOffers(
            uow, clock, base, lifetime=timedelta(minutes=settings.oid4vci_offer_minutes)
        ),
        issuer=Oid4vciIssuer(
            uow,
            clock,
            issuance,
            base,
            token_lifetime=timedelta(seconds=settings.oid4vci_token_seconds),
            nonce_lifetime=timedelta(seconds=settings.oid4vci_nonce_seconds),
        ),
    )


def _skills(
    engine: Engine,
    uow: SqlUnitOfWorkFactory,
    clock: Clock,
    public: PublicDocuments,
    urls: PublicUrls,
    verification: VerificationService,
) -> Skills:
    """Skills intelligence; its index is read through a snapshot so reads never block writers."""

    make_verifier: VerifierFactory = verification.verifier
    cache = SkillsIndexCache(SqlUnitOfWorkFactory(snapshot_engine(engine), clock), clock)
    reference = Reference(default_matcher)
    return Skills(
        roles=RoleService(uow, clock, reference),
        people=PeopleService(uow, clock),
        analysis=SkillsAnalysis(uow, cache),
        applicants=ApplicantService(uow, clock, make_verifier),
        reference=SkillsReference(reference, uow),
        cache=cache,
    )


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
    rubrics = RubricService(uow, clock, _embedder(settings), zero_shot=_llm(settings))
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
    review = ReviewService(uow, clock, rubrics, issuance, urls, code, _code_reviewer())
    learning = LearningService(
        uow, clock, blobs, check_archive, max_upload_bytes=settings.max_upload_bytes
    )
    handlers: dict[str, Handler] = {
        SEQUENCE_JOB: ledger.sequence,
        WITNESS_JOB: witnessing.submit,
        REVIEW_JOB: review.run,
        BULK_JOB: bulk.run,
    }
    webhooks = _webhooks(settings, uow, clock, sealer)
    handlers[DELIVER_JOB] = webhooks.delivery.run
    handlers[EXPIRING_JOB] = webhooks.expiring.run
    anchoring = _anchoring(settings, uow, clock, quorum)
    if anchoring is not None:
        ledger.after_checkpoint.append(anchoring.schedule)
        handlers[ANCHOR_JOB] = anchoring.anchor
    public = PublicDocuments(uow, keys, status_lists, clock)
    credentials = CredentialService(uow, clock, keys, status_lists, ledger)
    mail = _mail(settings, uow, clock, urls, credentials)
    issuance.after_issue.append(mail.offers.after_issue)
    handlers[MAIL_JOB] = mail.delivery.run
    handlers[SCAN_JOB] = mail.scan.run
    fetcher = remote_fetcher(settings)
    identity = IdentityService(
        uow,
        clock,
        keys,
        urls,
        timedelta(seconds=settings.session_token_seconds),
        api_token_default=timedelta(days=settings.api_token_default_days),
        api_token_max=timedelta(days=settings.api_token_max_days),
        throttle=password_throttle(
            uow,
            clock,
            account_free=settings.signin_account_free_failures,
            client_free=settings.signin_client_free_failures,
            max_delay=timedelta(seconds=settings.signin_max_delay_seconds),
        ),
    )
    verification = VerificationService(
        public,
        urls,
        clock,
        fetcher,
        deadline_seconds=settings.verify_deadline_seconds,
        max_fetches=settings.verify_max_fetches,
    )
    return Container(
        settings=settings,
        engine=engine,
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
        verification=verification,
        fetcher=fetcher,
        witness_client=witness_client,
        webhooks=webhooks,
        mail=mail,
        sso=_sso(settings, uow, clock, sealer, fetcher, identity, urls),
        oid4vci=_oid4vci(settings, uow, clock, issuance),
        wallet_exchanges=WalletExchanges(
            uow, clock, issuance, urls, timedelta(seconds=settings.wallet_exchange_ttl_seconds)
        ),
        ledger=ledger,
        public_log=PublicLog(uow, ledger.keys, endpoints, quorum, f"{urls.base}/log"),
        witnessing=witnessing,
        anchoring=anchoring,
        jobs=JobRunner(
            uow,
            clock,
            handlers,
            wakeup=PgJobWakeup(engine) if engine.dialect.name == "postgresql" else None,
        ),
        skills=_skills(engine, uow, clock, public, urls, verification),
        portability=_portability(settings, engine, blobs, sealer, clock),
    )


def _portability(
    settings: Settings,
    engine: Engine,
    blobs: LocalBlobStore | S3BlobStore,
    sealer: Sealer,
    clock: Clock,
) -> Portability:
    store = SqlPortableStore(engine)
    base = settings.public_base_url
    return Portability(
        export=OrganisationExport(store, blobs, sealer, clock, base, log_origin(base)),
        importer=OrganisationImport(store, blobs, sealer, base),
    )
