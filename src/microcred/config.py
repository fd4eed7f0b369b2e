"""The one place settings come from: environment variables prefixed ``MICROCRED_``."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from microcred.errors import ConfigurationError
from microcred.kek_file import load_secrets

__all__ = [
    "DEV_KEK_SECRET",
    "Settings",
    "get_settings",
]

#: The development key-encryption secret; refused outside development.
DEV_KEK_SECRET = "dev-only-insecure-kek-change-me"  # noqa: S105 — refused in production


class Settings(BaseSettings):
    """Runtime settings. Nothing else in microcred reads the environment."""

    model_config = SettingsConfigDict(env_prefix="MICROCRED_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/microcred.db"
    #: Secrets for sealing private keys at rest; the first seals, all open (rotation).
    kek_secrets: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [DEV_KEK_SECRET])
    #: A file holding them instead, one a line (used when MICROCRED_KEK_SECRETS is not set);
    #: outside production it is created with a random secret on first use (mode 0600).
    kek_secrets_file: str | None = None
    #: Base URL under which this server is reachable; credential, status-list and
    #: did:web URLs (and the log's origin) are built from it. Unset: ``http://<host>:<port>``
    #: from the two settings below (127.0.0.1 when binding every address).
    public_base_url: str = ""
    _base_url_derived: bool = PrivateAttr(default=False)
    host: str = "127.0.0.1"
    port: int = 8000
    #: Largest request body accepted by the API (bytes).
    max_body_bytes: int = 1_000_000
    #: Deepest JSON nesting accepted anywhere.
    max_json_depth: int = 64
    #: did:web documents are cached this long (seconds).
    did_web_cache_seconds: int = 300
    #: Timeout for outgoing HTTP (did:web, status lists of other issuers).
    http_timeout_seconds: float = 5.0
    #: The first admin's password for ``microcred org create`` (instead of prompting for it).
    admin_password: str | None = None
    #: Extra CA certificates (PEM file) trusted when fetching over HTTPS, e.g. a private CA.
    ca_bundle: str | None = None
    #: Allow fetching did:web documents / status lists over plain http (tests only).
    allow_insecure_http: bool = False
    #: Networks outgoing fetches of untrusted URLs may reach although they are not public
    #: (on-premises issuers), e.g. ``10.1.0.0/16,127.0.0.1/32``; everything non-public is
    #: refused otherwise, after name resolution.
    fetch_allow_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: One webhook delivery's whole exchange (connect, send, read the answer), in seconds.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    #: A subscription is disabled after this many failed delivery attempts in a row.
    webhook_disable_after: int = Field(default=15, ge=1)
    #: ``credential.expiring`` is sent once per credential, this many days before it expires.
    webhook_expiring_days: int = Field(default=30, ge=1, le=365)
    # --- e-mail (docs/email.md): without MICROCRED_SMTP_HOST mail goes to the outbox folder
    #: The SMTP server that takes outgoing mail; unset: each message is written to the outbox.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    #: ``starttls`` (port 587), ``tls`` (implicit TLS, port 465) or ``none`` (local relays only).
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = None
    #: Never logged nor shown; needs the username.
    smtp_password: SecretStr | None = None
    #: The whole SMTP conversation's time limit, in seconds.
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    #: The From address of every e-mail, and the name shown with it.
    mail_sender: str = "microcred@localhost"
    mail_sender_name: str = "microcred"
    #: Where messages go without SMTP settings (one ``.eml`` file per message).
    mail_outbox_dir: str = "./var/outbox"
    #: How long a claim link works, in days (a reminder sends a fresh one).
    offer_claim_days: int = Field(default=14, ge=1, le=365)
    #: Unclaimed offers are reminded this many days after the last e-mail …
    offer_reminder_days: int = Field(default=7, ge=1, le=365)
    #: … until this many claim e-mails were sent (the first one included).
    offer_max_emails: int = Field(default=3, ge=1, le=20)
    #: Expiry reminders go this many days before a credential expires (0: none).
    expiry_reminder_days: int = Field(default=30, ge=0, le=365)
    #: Single sign-on: how long a sign-in may stay at the provider (minutes), and the clock
    #: difference allowed when checking an ID token's times (seconds).
    sso_sign_in_minutes: int = Field(default=10, ge=1, le=60)
    sso_clock_skew_seconds: int = Field(default=120, ge=0, le=600)
    #: OpenID4VCI: how long a credential offer's pre-authorized code may be redeemed (minutes);
    oid4vci_offer_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    #: how long the access token it buys lives, and a proof nonce (seconds).
    oid4vci_token_seconds: int = Field(default=300, ge=10, le=3600)
    oid4vci_nonce_seconds: int = Field(default=300, ge=10, le=3600)
    #: A DCC wallet request link (VC-API exchange) stays usable this many seconds.
    wallet_exchange_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    #: Remote fetches running at once in the whole process; waiting counts against deadlines.
    fetch_max_concurrent: int = Field(default=16, ge=1)
    #: The fetch cache's bounds: documents kept, and bytes of them.
    fetch_cache_entries: int = Field(default=1024, ge=0)
    fetch_cache_bytes: int = Field(default=32_000_000, ge=0)
    #: One verification's time for all its remote fetches together (seconds) …
    verify_deadline_seconds: float = Field(default=10.0, gt=0)
    #: … and the most remote documents it fetches.
    verify_max_fetches: int = Field(default=16, ge=1)
    #: Lifetime of API tokens created by password sign-in (seconds).
    session_token_seconds: int = 8 * 3600
    #: Named API tokens expire: after this many days unless asked otherwise, never later than
    #: the maximum.
    api_token_default_days: int = Field(default=90, ge=1)
    api_token_max_days: int = Field(default=365, ge=1)
    #: Sign-in throttling: failures allowed per account and per client address before each
    #: further attempt waits a delay that doubles from 1 s up to the maximum (seconds).
    signin_account_free_failures: int = Field(default=5, ge=1)
    signin_client_free_failures: int = Field(default=20, ge=1)
    signin_max_delay_seconds: int = Field(default=900, ge=1)
    #: Size of every Bitstring Status List (entries); the spec asks for at least 131,072.
    status_list_size: int = 131_072
    #: How long a signed status list stays valid (its ``validUntil``); re-signed at half-life.
    status_list_validity_hours: float = Field(default=24.0, gt=0)
    log_level: str = "INFO"
    #: Where uploaded evidence is stored (content-addressed files): a local directory …
    blob_dir: str = "./var/blobs"
    #: … or, when a bucket is named, an S3-compatible object store (extra ``microcred[s3]``).
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    #: Largest single uploaded file (bytes).
    max_upload_bytes: int = 10_000_000
    #: An OpenAI-compatible chat endpoint for the LLM reviewer (off unless both are set); it
    #: grades rubrics that have too little human-graded work for the trained reviewer.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    #: The embedding model AI review uses: "static" (shipped, default) or "minilm" (extra "ai").
    embedding_model: str = "static"
    #: Run a background job worker inside the web process (the single-machine default).
    run_worker: bool = True
    #: The transparency log sequences at most this many entries per checkpoint …
    ledger_batch_size: int = 1000
    #: … and waits this long after an entry arrives so that entries batch up (milliseconds).
    ledger_interval_ms: int = 200
    #: Witnesses the log submits checkpoints to: ``<url> <vkey>`` pairs separated by commas.
    witnesses: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Cosignatures a checkpoint needs before credential proofs use it (default: every witness).
    witness_quorum: int | None = None
    #: Optional chain anchoring (extra ``microcred[ethereum]``): the JSON-RPC endpoint (secret:
    #: it may hold an API key), the anchoring account's key (hex), chain id and contract.
    anchor_rpc_url: str | None = None
    anchor_private_key: str | None = None
    anchor_chain_id: int = 1
    anchor_contract: str | None = None
    anchor_confirmations: int = 1
    #: Anchor at most this often (seconds).
    anchor_interval_seconds: int = 3600
    #: Let anyone register an organisation through the API (off by default outside development).
    open_registration: bool | None = None

    @property
    def registration_open(self) -> bool:
        """Whether the API accepts new organisations."""
        if self.open_registration is None:
            return self.environment != "production"
        return self.open_registration

    @field_validator("kek_secrets", "witnesses", "fetch_allow_networks", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [s.strip() for s in value.split(",") if s.strip()]
        return value

    @field_validator("fetch_allow_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _base_url_from_port(self) -> Settings:
        self._base_url_derived = not self.public_base_url
        if self._base_url_derived:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
            host = f"[{host}]" if ":" in host else host
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    def port_problem(self, port: int) -> str | None:
        """Why serving on ``port`` would publish credentials under the wrong address (the
        public base URL was derived from another port), or None when they agree. An explicit
        MICROCRED_PUBLIC_BASE_URL is trusted: a proxy or load balancer may sit in front."""
        if port == self.port or not self._base_url_derived:
            return None
        return (
            f"--port {port} does not match the public base URL {self.public_base_url}, which "
            f"credentials, status lists, did:web and the transparency log's origin are built "
            f"from (it follows MICROCRED_PORT={self.port} when MICROCRED_PUBLIC_BASE_URL is "
            f"not set). Set MICROCRED_PORT={port} instead of --port (for `microcred demo` and "
            f"every other command too), or set MICROCRED_PUBLIC_BASE_URL to the address "
            f"people reach this server at."
        )

    @model_validator(mode="after")
    def _kek_from_file(self) -> Settings:
        if self.kek_secrets_file and "kek_secrets" not in self.model_fields_set:
            prefix = "sqlite:///"
            fresh = self.database_url.startswith(prefix) and (
                self.database_url == f"{prefix}:memory:"
                or not Path(self.database_url[len(prefix) :]).exists()
            )
            self.kek_secrets = load_secrets(
                Path(self.kek_secrets_file),
                create=self.environment != "production",
                # keys already in an existing database may be sealed with the placeholder
                also_open=[] if fresh else [DEV_KEK_SECRET],
            )
        return self

    def placeholder_warning(self) -> str | None:
        """What to announce at start when the development placeholder secret is in use."""
        if DEV_KEK_SECRET not in self.kek_secrets:
            return None
        if self.kek_secrets[0] == DEV_KEK_SECRET:
            return (
                "WARNING: private keys are sealed with the published development placeholder "
                "secret; anyone with the database can unseal them. Set MICROCRED_KEK_SECRETS "
                "or MICROCRED_KEK_SECRETS_FILE (make run does)."
            )
        return (
            "WARNING: the published development placeholder secret still opens keys sealed "
            "before the key-encryption secret was set; re-create or rotate those keys and "
            "remove the placeholder from the secrets."
        )

    def check_safe(self) -> None:
        """Refuse placeholder secrets and unsafe switches outside development and tests."""
        if self.environment != "production":
            return
        if DEV_KEK_SECRET in self.kek_secrets:
            raise ConfigurationError(
                "MICROCRED_KEK_SECRETS still holds the development placeholder.",
                hint="Set it to a long random secret before running in production.",
            )
        if self.allow_insecure_http:
            raise ConfigurationError("MICROCRED_ALLOW_INSECURE_HTTP must be off in production.")
        if self.status_list_size < 131_072:
            raise ConfigurationError("Status lists need at least 131,072 entries for privacy.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    settings = Settings()
    settings.check_safe()
    return settings
