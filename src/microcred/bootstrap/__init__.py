"""The composition root: settings -> engine -> ports -> services, every feature wired here and
nowhere else (``container``: the container and ``build``; ``features``: each feature's bundle;
``tools``: parts the commands share). Tests call it too."""

from microcred.bootstrap.container import Container, build
from microcred.bootstrap.features import (
    Mail,
    Oid4vci,
    Portability,
    SingleSignOn,
    Skills,
    Webhooks,
    remote_fetcher,
)
from microcred.bootstrap.tools import (
    check_archive,
    embedder,
    log_reader,
    shipped_matcher,
    unpack_archive,
    upgrade_database,
    witness_store,
)

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
    "shipped_matcher",
    "unpack_archive",
    "upgrade_database",
    "witness_store",
]
