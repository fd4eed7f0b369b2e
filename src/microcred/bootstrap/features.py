"""Each feature's part of the composition root: its bundle of services and how settings
wire it (``build`` in ``microcred.bootstrap`` calls these)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from microcred.adapters.blobs import LocalBlobStore
from microcred.adapters.blobs_s3 import S3BlobStore
from microcred.adapters.db.portability import SqlPortableStore
from microcred.adapters.db.uow import SqlUnitOfWorkFactory, snapshot_engine
from microcred.adapters.http import (
    AddressPolicy,
    GuardedLtiClient,
    GuardedOidcClient,
    GuardedWebhookSender,
    HttpFetcher,
    parse_networks,
)
from microcred.adapters.mail import OutboxMailer, SmtpMailer, SmtpSettings
from microcred.bootstrap.tools import shipped_matcher
from microcred.config import Settings
from microcred.crypto.sealing import Sealer
from microcred.errors import ConfigurationError
from microcred.ports.clock import Clock
from microcred.services.credentials.issuance import IssuanceService
from microcred.services.credentials.offers import CredentialOffers
from microcred.services.credentials.status import CredentialService, PublicDocuments
from microcred.services.credentials.verification import VerificationService
from microcred.services.delivery import (
    Oid4vciIssuer,
    Oid4vciOffers,  # DCC wallet exchanges
)
from microcred.services.identity.service import IdentityService
from microcred.services.identity.sso import SsoProviders
from microcred.services.identity.sso_signin import SsoSignIn
from microcred.services.ledger.anchoring import Anchoring
from microcred.services.ledger.service import log_origin
from microcred.services.lti import DeepLinking, LtiGrades, LtiLaunches, LtiRegistrations, ToolKeys
from microcred.services.notifications import (
    LifecycleScan,
    MailDelivery,
    MailPreferences,
)
from microcred.services.portability import ExportRuns, OrganisationExport, OrganisationImport
from microcred.services.scim import ScimProvisioning, ScimTokens
from microcred.services.skills.analysis import SkillsAnalysis
from microcred.services.skills.applicants import ApplicantService, VerifierFactory
from microcred.services.skills.index import SkillsIndexCache
from microcred.services.skills.people import PeopleService
from microcred.services.skills.role_cache import RoleCache
from microcred.services.skills.roles import RoleService
from microcred.services.skills.taxonomy import Reference, SkillsReference
from microcred.services.urls import PublicUrls
from microcred.services.webhooks import (
    ExpiringScan,
    WebhookDelivery,
    WebhookSubscriptions,
)

if TYPE_CHECKING:
    pass


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
class Lti:
    """microcred as an LTI 1.3 tool: registrations, keys, launches, deep linking, scores."""

    registrations: LtiRegistrations
    keys: ToolKeys
    launches: LtiLaunches
    deep_linking: DeepLinking
    grades: LtiGrades


@dataclass(slots=True)
class Scim:
    """SCIM 2.0 provisioning: the organisation's token and its Users and Groups."""

    tokens: ScimTokens
    provisioning: ScimProvisioning


def wire_scim(uow: SqlUnitOfWorkFactory, clock: Clock, urls: PublicUrls) -> Scim:
    """SCIM under ``{public_base_url}/scim/v2``."""
    return Scim(ScimTokens(uow, clock), ScimProvisioning(uow, clock, f"{urls.base}/scim/v2"))


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
    runs: ExportRuns


def wire_anchoring(
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


def wire_webhooks(
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


def wire_mail(
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


def wire_sso(
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


def wire_lti(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    clock: Clock,
    sealer: Sealer,
    fetcher: HttpFetcher,
    identity: IdentityService,
    urls: PublicUrls,
) -> Lti:
    """The LTI tool; the platforms' JWKS, token and score URLs go through the guarded fetcher
    and client (``MICROCRED_FETCH_ALLOW_NETWORKS`` lets an on-premises LMS in)."""
    client = GuardedLtiClient(
        fetcher, timeout=settings.http_timeout_seconds, ca_bundle=settings.ca_bundle
    )
    keys = ToolKeys(uow, clock, sealer)
    registrations = LtiRegistrations(
        uow, clock, keys, urls.base, allow_http=settings.allow_insecure_http
    )
    return Lti(
        registrations=registrations,
        keys=keys,
        launches=LtiLaunches(
            uow,
            clock,
            client,
            identity,
            registrations,
            lifetime=timedelta(minutes=settings.sso_sign_in_minutes),
            skew_seconds=settings.sso_clock_skew_seconds,
        ),
        deep_linking=DeepLinking(uow, clock, sealer, keys, registrations),
        grades=LtiGrades(uow, clock, client, keys),
    )


def wire_oid4vci(
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


def wire_skills(
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
    reference = Reference(shipped_matcher)
    role_sets = RoleCache()
    return Skills(
        roles=RoleService(uow, clock, reference, role_sets),
        people=PeopleService(uow, clock),
        analysis=SkillsAnalysis(uow, cache, role_sets),
        applicants=ApplicantService(uow, clock, make_verifier),
        reference=SkillsReference(reference, uow),
        cache=cache,
    )


def wire_portability(
    settings: Settings,
    engine: Engine,
    blobs: LocalBlobStore | S3BlobStore,
    sealer: Sealer,
    clock: Clock,
    uow: SqlUnitOfWorkFactory,
) -> Portability:
    store = SqlPortableStore(engine)
    base = settings.public_base_url
    export = OrganisationExport(store, blobs, sealer, clock, base, log_origin(base))
    return Portability(
        export=export,
        importer=OrganisationImport(store, blobs, sealer, base),
        runs=ExportRuns(uow, export, blobs, sealer, clock),
    )
