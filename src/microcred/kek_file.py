"""The key-encryption secret kept in a file (``MICROCRED_KEK_SECRETS_FILE``).

In development the file is created on first use with a random secret, readable by its owner
only (mode 0600), so a fresh ``make run`` never seals keys with the published placeholder. One
secret a line: the first seals, all open (rotation).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from microcred.errors import ConfigurationError

__all__ = [
    "create_secret_file",
    "load_secrets",
    "read_secrets",
]


def read_secrets(path: Path) -> list[str]:
    """The secrets in ``path``, one a line, blank lines ignored."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"Cannot read the key-encryption secret file {path}: {exc}"
        ) from exc
    found = [line.strip() for line in text.splitlines() if line.strip()]
    if not found:
        raise ConfigurationError(f"The key-encryption secret file {path} is empty.")
    return found


def create_secret_file(path: Path, *, also_open: list[str]) -> None:
    """Write a new random secret to ``path`` (0600, refusing to overwrite), followed by the
    secrets in ``also_open`` that keys sealed before the file existed still need."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [secrets.token_urlsafe(32), *also_open]
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first; read theirs
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def load_secrets(path: Path, *, create: bool, also_open: list[str]) -> list[str]:
    """The secrets from ``path``; created first when missing and ``create`` is true."""
    if not path.exists():
        if not create:
            raise ConfigurationError(
                f"The key-encryption secret file {path} does not exist.",
                hint="Put a long random secret in it (mode 0600), or set MICROCRED_KEK_SECRETS.",
            )
        create_secret_file(path, also_open=also_open)
    return read_secrets(path)
