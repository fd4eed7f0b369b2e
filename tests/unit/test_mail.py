"""E-mail without a database: the message value refuses header injection and oversize input,
the composed message has its headers and both alternatives, names are flattened to one line,
and the outbox writes whole ``.eml`` files (the SMTP adapter's tests, against a real server,
are in tests/integration/test_smtp_adapter.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from microcred.adapters.mail import OutboxMailer, compose
from microcred.errors import InvalidInput, Unavailable
from microcred.ports.mail import MailMessage
from microcred.services.notifications import one_line

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


def _message(**kw: object) -> MailMessage:
    values: dict[str, object] = {
        "to": "lea@example.org",
        "subject": "Your credential",
        "text": "Hello",
        "html": "<p>Hello</p>",
    }
    return MailMessage(**(values | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hi\r\nBcc: victim@example.org"),
        ("subject", "Hi\nBcc: victim@example.org"),
        ("subject", "Hi\rX"),
        ("subject", "Hi\x00"),
        ("subject", "Hi\u2028there"),
        ("subject", "x" * 201),
        ("subject", "   "),
        ("to_name", "Lea\r\nBcc: victim@example.org"),
        ("to", "lea@example.org\r\nBcc: victim@example.org"),
        ("to", "Lea <lea@example.org>"),
        ("to", "lea@example.org, eve@example.org"),
        ("to", "not an address"),
        ("to", "a" * 65 + "@example.org"),
        ("text", "x" * 200_001),
    ],
)
def test_a_message_refuses_what_could_inject_or_overflow(field: str, value: str) -> None:
    with pytest.raises(InvalidInput):
        _message(**{field: value})


def test_only_a_few_extra_headers_and_none_with_line_breaks() -> None:
    with pytest.raises(InvalidInput):
        _message(headers={"Bcc": "victim@example.org"})
    with pytest.raises(InvalidInput):
        _message(headers={"List-Unsubscribe": "<https://x.test/u>\r\nBcc: v@example.org"})
    ok = _message(headers={"List-Unsubscribe": "<https://x.test/u>"})
    assert ok.headers["List-Unsubscribe"] == "<https://x.test/u>"


def test_composed_message_has_its_headers_and_both_alternatives() -> None:
    mail = compose(_message(to_name="Léa Ünïcode"), "badges@issuer.test", "Acme", NOW)
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert parsed["From"] == "Acme <badges@issuer.test>"
    assert parsed["To"] == "Léa Ünïcode <lea@example.org>"
    assert parsed["Date"] == "Fri, 04 Dec 2026 15:00:00 +0000"
    assert parsed["Message-ID"].endswith("@issuer.test>")
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert b"\r\n" in mail.as_bytes()
    assert all(len(line) <= 998 for line in mail.as_bytes().split(b"\r\n"))
    with pytest.raises(InvalidInput):
        compose(_message(), "badges@issuer.test", "Acme\r\nBcc: v@example.org", NOW)
    with pytest.raises(InvalidInput):
        compose(_message(), "not a sender", "Acme", NOW)


def test_names_become_one_header_safe_line() -> None:
    assert one_line("Evil\r\nBcc: v@example.org") == "Evil Bcc: v@example.org"
    assert one_line("a\u2028b\x85c\td") == "a b c d"
    assert len(one_line("x" * 500)) == 200
    _message(subject=one_line("Evil\r\nBcc: v@example.org"))  # accepted once flattened


def test_the_outbox_writes_one_whole_eml_file_per_message(tmp_path: Path) -> None:
    outbox = OutboxMailer(tmp_path / "outbox", "badges@issuer.test", "Acme", lambda: NOW)
    ids = {outbox.send(_message()), outbox.send(_message(subject="Second"))}
    files = sorted((tmp_path / "outbox").iterdir())
    assert len(ids) == 2 and [f.suffix for f in files] == [".eml", ".eml"]
    subjects = {message_from_bytes(f.read_bytes(), policy=policy.default)["Subject"] for f in files}
    assert subjects == {"Your credential", "Second"}
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(Unavailable):
        OutboxMailer(blocked, "badges@issuer.test").send(_message())
