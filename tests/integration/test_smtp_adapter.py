"""The one SMTP adapter against a real SMTP server (aiosmtpd) on loopback: STARTTLS with a
login, a wrong password, an untrusted certificate, implicit TLS to a plain server, a server that
is down, bad settings; the password never reaches the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.smtp_server import SmtpServer, free_port, serve

from microcred.adapters.mail import SmtpMailer, SmtpSettings
from microcred.errors import ConfigurationError, Unavailable
from microcred.ports.mail import MailMessage


def _message() -> MailMessage:
    return MailMessage(to="lea@example.org", subject="Your credential", text="Hi", html="<p>Hi</p>")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    yield from serve(tls_folder=tmp_path, login=("mailer", "s3cret-Passw0rd"))


def test_starttls_and_login_against_a_real_server(
    tls_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=tls_server.port,
        sender="badges@issuer.test",
        tls="starttls",
        username="mailer",
        password="s3cret-Passw0rd",
        timeout=5,
        ca_bundle=str(tls_server.cert),
    )
    assert "s3cret" not in repr(settings)
    message_id = SmtpMailer(settings).send(_message())
    [got] = tls_server.inbox.wait(1)
    assert got["Message-ID"] == message_id and tls_server.inbox.logins == ["mailer"]
    caplog.set_level(logging.DEBUG)
    bad = SmtpSettings(
        host="127.0.0.1",
        port=tls_server.port,
        sender="badges@issuer.test",
        tls="starttls",
        username="mailer",
        password="wrong-s3cret",
        timeout=5,
        ca_bundle=str(tls_server.cert),
    )
    with pytest.raises(Unavailable):
        SmtpMailer(bad).send(_message())
    untrusted = SmtpSettings(
        host="127.0.0.1", port=tls_server.port, sender="badges@issuer.test", timeout=5
    )
    with pytest.raises(Unavailable):  # the self-signed certificate is not trusted
        SmtpMailer(untrusted).send(_message())
    implicit = SmtpSettings(
        host="127.0.0.1", port=tls_server.port, sender="badges@issuer.test", tls="tls", timeout=3
    )
    with pytest.raises(Unavailable):  # the server speaks plain SMTP first
        SmtpMailer(implicit).send(_message())
    assert "wrong-s3cret" not in caplog.text and "s3cret-Passw0rd" not in caplog.text
    assert len(tls_server.inbox.messages) == 1


def test_a_server_that_is_down_or_misconfigured_raises_a_clear_error() -> None:
    down = SmtpSettings(host="127.0.0.1", port=free_port(), sender="b@issuer.test", tls="none")
    with pytest.raises(Unavailable, match="did not take the message"):
        SmtpMailer(down).send(_message())
    with pytest.raises(ConfigurationError):
        SmtpMailer(SmtpSettings(host="h", port=25, sender="b@x.test", tls="ssl"))  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SmtpMailer(SmtpSettings(host="h", port=25, sender="b@x.test", password="p"))
