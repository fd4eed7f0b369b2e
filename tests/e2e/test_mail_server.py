"""E-mail end to end: the real server (its in-process job worker) hands the claim e-mail of
an offered credential to a real SMTP server (aiosmtpd, STARTTLS with a login) on loopback;
the link in it is followed over HTTP against the real server: the credential's page answers
404 until it is accepted and 200 after; the link then refuses a replay. The one-click
unsubscribe in the e-mail's List-Unsubscribe header is posted as a mail provider would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from procs import Api, Proc, start_server
from tests.integration.smtp_server import SmtpServer, serve

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/claim/[A-Za-z0-9_-]+)")
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SmtpServer, str]]:
    tmp = tmp_path_factory.mktemp("mail")
    smtp_gen = serve(tls_folder=tmp, login=("relay", "relay-pass-1234"))
    smtp = next(smtp_gen)
    server: Proc | None = None
    try:
        server, base, _ = start_server(
            tmp,
            MICROCRED_SMTP_HOST="127.0.0.1",
            MICROCRED_SMTP_PORT=str(smtp.port),
            MICROCRED_SMTP_TLS="starttls",
            MICROCRED_SMTP_USERNAME="relay",
            MICROCRED_SMTP_PASSWORD="relay-pass-1234",
            MICROCRED_CA_BUNDLE=str(smtp.cert),
            MICROCRED_MAIL_SENDER="badges@ops.test",
        )
        yield smtp, base
        log = (tmp / "server.log").read_text()
        assert "relay-pass-1234" not in log
    finally:
        if server is not None:
            server.stop()
        next(smtp_gen, None)


def test_the_claim_email_from_the_real_server_and_its_link(world: tuple[SmtpServer, str]) -> None:
    smtp, base = world
    api = Api(base)
    auth = api.register("ops", "Ops Academy")
    r = api.http.post(
        "/api/v1/achievements",
        headers=auth,
        json={"name": "Safe Lifting", "description": "Lifts.", "criteria": "Lift."},
    )
    aid = r.json()["id"]
    r = api.http.put(
        f"/api/v1/achievements/{aid}/offer-policy", headers=auth, json={"offer_first": "yes"}
    )
    assert r.status_code == 422  # strict: a boolean, not a word
    r = api.http.put(
        f"/api/v1/achievements/{aid}/offer-policy", headers=auth, json={"offer_first": True}
    )
    assert r.status_code == 200 and r.json() == {"achievement_id": aid, "offer_first": True}
    started = time.monotonic()
    body = {"achievement_id": aid, "recipient": {"email": "pat@example.org"}}
    r = api.http.post("/api/v1/credentials", headers=auth, json=body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert api.http.get(f"/credentials/{cid}", headers=HTML).status_code == 404
    [message] = smtp.inbox.wait(1, timeout=30)
    arrived = time.monotonic() - started
    assert smtp.inbox.logins == ["relay"]
    assert message["To"] == "pat@example.org" and message["From"].endswith("<badges@ops.test>")
    offer = api.http.get(f"/api/v1/credentials/{cid}/offer", headers=auth).json()
    assert offer["state"] == "offered" and offer["emails_sent"] == 1
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = LINK.search(text)
    assert link, text
    page = api.http.get(link.group(1))
    assert page.status_code == 200 and "Safe Lifting" in page.text
    done = api.http.post(link.group(1), data={"answer": "accept"})
    assert done.status_code == 200 and "Credential accepted" in done.text
    assert api.http.get(f"/credentials/{cid}", headers=HTML).status_code == 200
    replay = api.http.post(link.group(1), data={"answer": "accept"})
    assert replay.status_code == 404 and "does not work" in replay.text
    assert (
        api.http.get(f"/api/v1/credentials/{cid}/offer", headers=auth).json()["state"] == "accepted"
    )
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    r = api.http.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and "no more reminder e-mails" in r.text
    print(f"\nclaim e-mail handed over {arrived * 1000:.0f} ms after the issuing request")
