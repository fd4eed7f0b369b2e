"""The public base URL follows MICROCRED_HOST / MICROCRED_PORT unless set, and `serve --port`
may not disagree with a derived one (credentials and the log's origin are built from it)."""

from __future__ import annotations

import pytest

from microcred.config import Settings


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MICROCRED_PUBLIC_BASE_URL", "MICROCRED_PORT", "MICROCRED_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_the_default_follows_host_and_port() -> None:
    assert Settings().public_base_url == "http://127.0.0.1:8000"
    assert Settings(port=8100).public_base_url == "http://127.0.0.1:8100"
    assert Settings(host="0.0.0.0", port=9000).public_base_url == "http://127.0.0.1:9000"
    assert Settings(host="::1", port=9000).public_base_url == "http://[::1]:9000"


def test_the_environment_sets_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCRED_PORT", "8100")
    settings = Settings()
    assert settings.public_base_url == "http://127.0.0.1:8100"
    assert settings.port_problem(8100) is None


def test_a_port_the_derived_url_does_not_follow_is_refused() -> None:
    problem = Settings().port_problem(8100)
    assert problem is not None
    assert "http://127.0.0.1:8000" in problem and "MICROCRED_PORT=8100" in problem
    assert Settings().port_problem(8000) is None


def test_an_explicit_public_base_url_is_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(public_base_url="https://badges.example.org/").port_problem(8100) is None
    monkeypatch.setenv("MICROCRED_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    settings = Settings()
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.port_problem(8100) is None  # a proxy on :8000 in front of :8100
