"""Parts the composition root and the commands share: embedding models, reviewers, the
database upgrade, witness storage, log reading and the code-archive checks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from microcred.adapters.db import migrate
from microcred.adapters.db.witness_store import WitnessStore
from microcred.adapters.http import (
    AddressPolicy,
    guarded_client,
    parse_networks,
)
from microcred.adapters.sandbox import Sandbox, SandboxCodeRunner, read_submission
from microcred.assessment.code_review import CodeReviewer, CodeSubmission
from microcred.assessment.embedder import Embedder
from microcred.assessment.reviewer import Reviewer
from microcred.config import Settings, get_settings
from microcred.errors import MicrocredError
from microcred.skills.skill_matching import SkillMatcher
from microcred.skills.taxonomy_loader import load_taxonomy

if TYPE_CHECKING:
    from microcred.adapters.ai.embeddings import MiniLMEmbedder, StaticEmbedder


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


_matcher_lock = threading.Lock()
_shipped_matcher: list[SkillMatcher] = []


def shipped_matcher() -> SkillMatcher:
    """The product's skill matcher: shipped ESCO v1.1.1 with the shipped static embedder.

    Built once per process; the label vectors are computed on the first query (seconds).
    """
    with _matcher_lock:
        if not _shipped_matcher:
            _shipped_matcher.append(SkillMatcher(load_taxonomy(), embedder=embedder("static")))
        return _shipped_matcher[0]


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


def llm_reviewer(settings: Settings) -> Reviewer | None:
    """The LLM reviewer, when an OpenAI-compatible endpoint and model are configured."""
    if not (settings.llm_base_url and settings.llm_model):
        return None
    from microcred.adapters.ai.llm import LLMReviewer, LLMSettings  # noqa: PLC0415

    return LLMReviewer(LLMSettings(settings.llm_base_url, settings.llm_model, settings.llm_api_key))


def configured_embedder(settings: Settings) -> Embedder:
    return _LazyEmbedder(settings.embedding_model)


def unpack_archive(filename: str, data: bytes) -> dict[str, bytes]:
    """Unpack an archive in memory with the sandbox's limits (traversal, bombs, devices...)."""
    return read_submission(CodeSubmission(filename=filename, content=data))


def check_archive(filename: str, data: bytes) -> None:
    """Refuse an uploaded archive that would not unpack safely."""
    unpack_archive(filename, data)


def code_reviewer() -> CodeReviewer:
    """The code reviewer, running tests in the sandbox (which checks itself on first use)."""
    return CodeReviewer(SandboxCodeRunner(Sandbox()))
