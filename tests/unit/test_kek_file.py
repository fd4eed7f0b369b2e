"""The key-encryption secret file: created at random on first use in development (mode 0600),
keeps the placeholder as an opener only for a database that existed before it, and is never
created in production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from microcred.config import DEV_KEK_SECRET, Settings
from microcred.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROCRED_KEK_SECRETS", raising=False)
    monkeypatch.delenv("MICROCRED_KEK_SECRETS_FILE", raising=False)
    monkeypatch.delenv("MICROCRED_ENVIRONMENT", raising=False)


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'var' / 'db.sqlite'}",
        kek_secrets_file=str(tmp_path / "var" / "kek.secret"),
        **extra,  # type: ignore[arg-type]
    )


def test_a_fresh_install_gets_a_random_private_secret(tmp_path: Path) -> None:
    first = _settings(tmp_path)
    secret_file = tmp_path / "var" / "kek.secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert len(first.kek_secrets) == 1 and len(first.kek_secrets[0]) >= 40
    assert DEV_KEK_SECRET not in first.kek_secrets
    assert first.placeholder_warning() is None
    assert _settings(tmp_path).kek_secrets == first.kek_secrets  # read, not re-created
    other = tmp_path / "other"
    other.mkdir()
    assert _settings(other).kek_secrets != first.kek_secrets


def test_an_existing_database_keeps_the_placeholder_as_an_opener_and_says_so(
    tmp_path: Path,
) -> None:
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "db.sqlite").write_bytes(b"")  # sealed with the placeholder before
    found = _settings(tmp_path)
    assert found.kek_secrets[0] != DEV_KEK_SECRET  # a new secret seals
    assert found.kek_secrets[1:] == [DEV_KEK_SECRET]  # the old one still opens
    warning = found.placeholder_warning()
    assert warning is not None and "still opens" in warning


def test_the_placeholder_default_is_announced() -> None:
    warning = Settings().placeholder_warning()
    assert warning is not None and "sealed with the published development placeholder" in warning


def test_explicit_secrets_win_over_the_file(tmp_path: Path) -> None:
    found = _settings(tmp_path, kek_secrets=["explicit-secret-0123456789"])
    assert found.kek_secrets == ["explicit-secret-0123456789"]
    assert not (tmp_path / "var" / "kek.secret").exists()


def test_production_never_creates_the_file_and_refuses_the_placeholder(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        _settings(tmp_path, environment="production")
    secret_file = tmp_path / "var" / "kek.secret"
    secret_file.parent.mkdir()
    secret_file.write_text(f"{DEV_KEK_SECRET}\n")
    with pytest.raises(ConfigurationError, match="placeholder"):
        _settings(tmp_path, environment="production").check_safe()
    secret_file.write_text("\n\n")
    with pytest.raises(ConfigurationError, match="empty"):
        _settings(tmp_path, environment="production")
    secret_file.write_text("a-long-random-production-secret\nolder-secret\n")
    found = _settings(tmp_path, environment="production")
    found.check_safe()
    assert found.kek_secrets == ["a-long-random-production-secret", "older-secret"]
