"""Password hashing (argon2id) and API-token hashing."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from microcred.errors import InvalidInput

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory defaults
#: a hash to compare against when the user does not exist, so timing does not tell
_DUMMY = _HASHER.hash("microcred-timing-equaliser")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
TOKEN_PREFIX = "mc_"  # noqa: S105 — a prefix, not a secret


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``; refuses passwords that are too short or absurdly long."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"A password must have between {MIN_PASSWORD} and {MAX_PASSWORD} characters."
        )
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when there is no stored hash."""
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return False
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A new random API token and the hash that is stored instead of it."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    """SHA-256 of a token (tokens carry 256 bits of entropy, so a fast hash is enough)."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
