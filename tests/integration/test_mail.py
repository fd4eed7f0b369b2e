"""E-mail on real SQLite and PostgreSQL with a real SMTP server (aiosmtpd) on loopback: the
claim e-mail of an offered credential arrives with correct headers and its link works once
(accept shows the credential; decline revokes it; replayed, expired, replaced and malformed
links get a clear page); SMTP down leaves the message queued and retried, never lost; header
injection through names is refused or flattened; reminders for unclaimed offers and expiring
credentials, and the per-person opt-out (one-click link and the learner's setting)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import KEK, FrozenClock
from tests.integration.smtp_server import SmtpServer, free_port, serve

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.credential import CredentialStatus, Recipient
from microcred.domain.identity import Principal, Role
from microcred.errors import Conflict, NotFound
from microcred.ports.mail import MailKind, OfferState
from microcred.services.credentials import DECLINED_REASON
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of
from microcred.services.notifications import MAIL_JOB, SCAN_JOB
from microcred.web.api.app import create_app

BASE = "https://issuer.test"
LINK = re.compile(r"https://issuer\.test(/claim/[A-Za-z0-9_-]+)")
PASSWORD = "learner password!"


def _settings(database_url: str, port: int, tmp_path: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "kek_secrets": [KEK],
        "public_base_url": BASE,
        "ledger_interval_ms": 0,
        "run_worker": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
        "smtp_timeout_seconds": 3.0,
        "mail_sender": "badges@issuer.test",
        "mail_sender_name": "Acme Badges",
        "mail_outbox_dir": str(tmp_path / "outbox"),
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve()


@pytest.fixture
def mc(
    database_url: str, smtp: SmtpServer, clock: FrozenClock, tmp_path: Path
) -> Iterator[Container]:
    c = build(_settings(database_url, smtp.port, tmp_path), clock=clock)
    yield c
    c.close()


@pytest.fixture
def web(mc: Container) -> TestClient:
    return TestClient(create_app(mc), base_url=BASE, raise_server_exceptions=False)


def _org(c: Container, name: str = "Acme Ltd", slug: str = "acme") -> Principal:
    _, admin = c.identity.create_organisation(
        slug=slug, name=name, admin_email=f"admin@{slug}.test", admin_password=PASSWORD
    )
    return principal_of(admin)


def _achievement(c: Container, admin: Principal, *, offer: bool, days: int | None = None) -> str:
    aid = c.achievements.create(
        admin,
        AchievementInput(
            name="Kubernetes Basics",
            description="Deploys workloads.",
            criteria_narrative="Deploy a service.",
            validity_days=days,
        ),
    ).id
    c.mail.offers.set_offer_first(admin, aid, offer)
    return aid


def _issue(c: Container, admin: Principal, aid: str, email: str = "lea@acme.test") -> str:
    request = IssueRequest(aid, Recipient(email=email), suite=Suite.EDDSA_JCS_2022)
    return c.issuance.issue(admin, request).id


def _link(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found, body.get_content()
    return found.group(1)


def _jobs(c: Container, kind: str) -> list[tuple[str, int, str | None]]:
    with c.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status, attempts, last_error FROM jobs WHERE kind = :k ORDER BY id"),
            {"k": kind},
        )
        return [(str(r[0]), int(r[1]), r[2]) for r in rows]


def test_the_claim_email_arrives_and_its_link_accepts_once(
    mc: Container, smtp: SmtpServer, web: TestClient
) -> None:
    admin = _org(mc)
    aid = _achievement(mc, admin, offer=True)
    cid = _issue(mc, admin, aid)
    # offered: private until accepted, and nothing is sent inside the request
    with pytest.raises(NotFound):
        mc.public.shared(cid, None)
    assert web.get(f"/credentials/{cid}", headers={"Accept": "text/html"}).status_code == 404
    assert smtp.inbox.messages == []
    assert mc.jobs.drain() >= 1
    [message] = smtp.inbox.wait(1)
    assert smtp.inbox.envelopes == [("badges@issuer.test", ["lea@acme.test"])]
    assert message["From"] == "Acme Badges <badges@issuer.test>"
    assert message["To"] == "lea@acme.test"
    assert message["Subject"] == "Acme Ltd offers you a credential: Kubernetes Basics"
    assert re.fullmatch(r"<[^<>@\s]+@issuer\.test>", message["Message-ID"])
    assert message["Date"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<https://issuer\.test/mail/unsubscribe/[\w.-]+>", message["List-Unsubscribe"]
    )
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",))
    assert html is not None and "<img" not in html.get_content()
    assert "<script" not in html.get_content()
    path = _link(message)
    # only the hash is stored
    with mc.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM credential_offers")).scalar_one()
    assert path.rsplit("/", 1)[1] not in str(stored)

    page = web.get(path)  # a GET changes nothing (mail scanners follow links)
    assert page.status_code == 200 and "Kubernetes Basics" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert web.get(path).status_code == 200
    done = web.post(path, data={"answer": "accept"})
    assert done.status_code == 200 and 'data-answer="accepted"' in done.text
    assert mc.public.shared(cid, None).private is False
    assert web.get(f"/credentials/{cid}", headers={"Accept": "text/html"}).status_code == 200
    # replayed: refused with a clear page, nothing changes
    for again in (web.get(path), web.post(path, data={"answer": "decline"})):
        assert again.status_code == 404
        assert "This claim link does not work" in again.text and "already used" in again.text
    assert mc.public.credential(cid).status is CredentialStatus.ACTIVE


def test_declining_revokes_the_credential_and_keeps_it(
    mc: Container, smtp: SmtpServer, web: TestClient
) -> None:
    admin = _org(mc)
    cid = _issue(mc, admin, _achievement(mc, admin, offer=True))
    mc.jobs.drain()
    path = _link(smtp.inbox.wait(1)[0])
    assert web.post(path, data={"answer": "maybe"}).status_code == 422  # not an answer
    assert web.post(path, data={"answer": "decline"}).status_code == 200
    kept = mc.public.credential(cid)
    assert kept.status is CredentialStatus.REVOKED and kept.private
    [change] = mc.credentials.history(admin, cid)
    assert change.reason == DECLINED_REASON and change.actor_user_id is None
    offer = mc.mail.offers.offer_of(admin, cid)
    assert offer is not None and offer.state is OfferState.DECLINED and offer.token_hash is None
    with mc.uow() as uow:
        kinds = [e.kind for e in uow.tenant(admin.organisation_id).security_events.recent()]
    assert "credential.declined" in kinds


def test_expired_replaced_and_malformed_links_get_a_clear_page(
    mc: Container, smtp: SmtpServer, web: TestClient, clock: FrozenClock
) -> None:
    admin = _org(mc)
    cid = _issue(mc, admin, _achievement(mc, admin, offer=True))
    mc.jobs.drain()
    first = _link(smtp.inbox.wait(1)[0])
    mc.mail.offers.resend(admin, cid)
    mc.jobs.drain()
    second = _link(smtp.inbox.wait(2)[1])
    assert first != second
    replaced = web.get(first)
    assert replaced.status_code == 404 and "replaced by a newer" in replaced.text
    for bad in ("/claim/x", "/claim/" + "A" * 5000, "/claim/%C3%A9" * 10, "/claim/" + "-" * 43):
        r = web.get(bad)
        assert r.status_code in (404, 414), bad
        assert "Traceback" not in r.text
    clock.advance(days=mc.settings.offer_claim_days, seconds=1)
    expired = web.post(second, data={"answer": "accept"})
    assert expired.status_code == 409 and "expired" in expired.text
    assert "can no longer be used" in expired.text
    assert mc.public.credential(cid).private  # still offered, still private


def test_smtp_down_the_message_is_retried_and_not_lost(
    database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens here yet
    c = build(_settings(database_url, port, tmp_path), clock=clock)
    try:
        admin = _org(c)
        _issue(c, admin, _achievement(c, admin, offer=True))
        c.jobs.drain()
        [(state, attempts, error)] = _jobs(c, MAIL_JOB)
        assert (state, attempts) == ("queued", 1) and "did not take the message" in str(error)
        with c.uow() as uow:
            [record] = uow.tenant(admin.organisation_id).mail.mails()
        assert record.sent_at is None and record.skipped is None
        server = next(gen := serve(port=port))
        try:
            clock.advance(seconds=1)  # before the backoff: not retried yet
            c.jobs.drain()
            assert server.inbox.messages == []
            clock.advance(minutes=1)
            c.jobs.drain()
            [message] = server.inbox.wait(1)
            assert _jobs(c, MAIL_JOB)[0][0] == "done"
            web = TestClient(create_app(c), base_url=BASE, raise_server_exceptions=False)
            assert web.post(_link(message), data={"answer": "accept"}).status_code == 200
        finally:
            next(gen, None)
    finally:
        c.close()


def test_header_injection_through_names_is_flattened_never_a_header(
    mc: Container, smtp: SmtpServer
) -> None:
    admin = _org(mc, name="Evil Ltd\r\nBcc: victim@elsewhere.test")
    mc.identity.add_user(
        admin,
        email="lea@acme.test",
        name="Lea\nBcc: x@y.test",
        role=Role.LEARNER,
        password=PASSWORD,
    )
    _issue(mc, admin, _achievement(mc, admin, offer=True))
    mc.jobs.drain()
    [message] = smtp.inbox.wait(1)
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Subject"].startswith("Evil Ltd Bcc: victim@elsewhere.test offers you")
    assert smtp.inbox.envelopes[0][1] == ["lea@acme.test"]  # nobody else was added
    assert message["To"].addresses[0].addr_spec == "lea@acme.test"


def test_unclaimed_offers_are_reminded_up_to_the_limit(
    mc: Container, smtp: SmtpServer, web: TestClient, clock: FrozenClock
) -> None:
    admin = _org(mc)
    _issue(mc, admin, _achievement(mc, admin, offer=True))
    mc.jobs.drain()
    first = _link(smtp.inbox.wait(1)[0])
    for n in range(2, 6):  # offer_max_emails = 3 by default: two reminders, then none
        clock.advance(days=mc.settings.offer_reminder_days, minutes=5)
        mc.jobs.drain()
        expect = min(n, 3)
        assert len(smtp.inbox.messages) == expect
    reminder = smtp.inbox.messages[1]
    assert reminder["Subject"].startswith("Reminder: your credential Kubernetes Basics")
    assert web.get(first).status_code == 404  # the reminder's link replaced it
    latest = _link(smtp.inbox.messages[-1])
    # the last reminder went 14 days ago: its link (offer_claim_days = 14) has just expired
    assert web.get(latest).status_code == 409


def test_expiry_reminders_offer_recertification_and_respect_the_opt_out(
    mc: Container, smtp: SmtpServer, web: TestClient, clock: FrozenClock
) -> None:
    admin = _org(mc)
    aid = _achievement(mc, admin, offer=False, days=20)
    cid = _issue(mc, admin, aid)
    _issue(mc, admin, _achievement(mc, admin, offer=False), "noexpiry@acme.test")
    clock.advance(minutes=2)
    mc.jobs.drain()
    [message] = smtp.inbox.wait(1)
    assert message["To"] == "lea@acme.test"
    assert message["Subject"].startswith("Your credential Kubernetes Basics expires on")
    body = message.get_body(("plain",))
    assert body is not None and f"{BASE}/learn/{aid}" in body.get_content()
    clock.advance(hours=2)
    mc.jobs.drain()
    assert len(smtp.inbox.messages) == 1  # once per credential
    # one-click unsubscribe, as a mail provider posts it (no session, no CSRF token)
    unsubscribe = message["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    r = web.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200 and "no more reminder e-mails" in r.text
    assert web.post(unsubscribe[:-3] + "abc").status_code == 404  # a forged link
    _issue(mc, admin, aid)  # a second expiring credential: its reminder is skipped
    clock.advance(hours=2)
    mc.jobs.drain()
    assert len(smtp.inbox.messages) == 1
    with mc.uow() as uow:
        records = uow.tenant(admin.organisation_id).mail.mails()
    skipped = [r for r in records if r.skipped]
    assert [r.kind for r in skipped] == [MailKind.EXPIRY_REMINDER]
    assert "opted out" in str(skipped[0].skipped)
    assert cid


def test_the_learner_turns_reminders_off_and_answers_from_the_wallet(
    mc: Container, smtp: SmtpServer, web: TestClient
) -> None:
    from tests.integration.web_forms import signed_in

    admin = _org(mc)
    mc.identity.add_user(
        admin, email="lea@acme.test", name="Lea", role=Role.LEARNER, password=PASSWORD
    )
    cid = _issue(mc, admin, _achievement(mc, admin, offer=True))
    browser, csrf = signed_in(web.app, "acme", "lea@acme.test", PASSWORD)
    page = browser.get("/learn")
    assert "Offered to you" in page.text and f"/learn/offers/{cid}" in page.text
    lea = mc.identity.authenticate(browser.cookies["mc_session"])
    with pytest.raises(Conflict):  # not shareable before it is accepted
        mc.credentials.set_private(lea, cid, False)
    assert browser.post("/learn/email-preferences", data={"reminders": "off"}).status_code == 403
    r = browser.post("/learn/email-preferences", data={"reminders": "off", "csrf": csrf})
    assert r.status_code == 200 and "You receive no reminder e-mails" in r.text
    r = browser.post(f"/learn/offers/{cid}", data={"answer": "accept", "csrf": csrf})
    assert r.status_code == 200 and "You accepted the credential" in r.text
    assert mc.public.shared(cid, None).private is False
    # the claim e-mail queued before still goes out, and says nothing works any more
    mc.jobs.drain()
    assert smtp.inbox.messages == []  # skipped: the offer was answered
    other = _org(mc, slug="other")
    with pytest.raises(NotFound):  # another organisation cannot answer it
        mc.mail.offers.answer_signed_in(other, cid, False)


def test_scan_is_wired_and_the_mail_tables_are_the_migrated_schema(
    mc: Container, database_url: str
) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    assert mc.jobs.handlers[MAIL_JOB] == mc.mail.delivery.run
    assert mc.jobs.handlers[SCAN_JOB] == mc.mail.scan.run
    tables = {"credential_offers", "offer_policies", "mail_recipients", "mail_log"}
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if any(t in repr(d) for t in tables)] == []
        command.downgrade(migrate.alembic_config(database_url), "0009webhooks")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_offers_api_is_scoped_and_refuses_bad_input(mc: Container, web: TestClient) -> None:
    from tests.integration.skills_world import make_org

    acme = make_org(mc, web, "acme")
    beta = make_org(mc, web, "beta")
    acme.user("lea")
    aid = _achievement(mc, acme.admin, offer=False)
    path = f"/api/v1/achievements/{aid}/offer-policy"
    assert acme.get(path).json() == {"achievement_id": aid, "offer_first": False}
    for body in ({"offer_first": "yes"}, {"offer_first": 1}, {}, {"offer_first": True, "x": 1}):
        assert acme.put(path, body).status_code == 422, body
    assert acme.put(path, {"offer_first": True}, as_="lea").status_code == 403
    assert beta.put(path, {"offer_first": True}).status_code == 404  # not theirs
    assert beta.get(path).status_code == 404
    assert acme.put(path, {"offer_first": True}).json()["offer_first"] is True
    cid = acme.issue(aid, acme.email("lea"))
    offer = acme.get(f"/api/v1/credentials/{cid}/offer")
    assert offer.status_code == 200 and offer.json()["state"] == "offered"
    assert "token" not in offer.text.lower().replace("link_expires_at", "")
    assert acme.get(f"/api/v1/credentials/{cid}/offer", as_="lea").json()["state"] == "offered"
    assert beta.get(f"/api/v1/credentials/{cid}/offer").status_code == 404
    assert beta.post(f"/api/v1/credentials/{cid}/offer/resend").status_code == 404
    assert acme.post(f"/api/v1/credentials/{cid}/offer/resend", as_="lea").status_code == 403
    r = acme.post(f"/api/v1/credentials/{cid}/offer/resend")
    assert r.status_code == 202 and r.json()["emails_sent"] == 2
    plain = acme.issue(_achievement(mc, acme.admin, offer=False), "sam@acme.test")
    assert acme.get(f"/api/v1/credentials/{plain}/offer").status_code == 404
    assert acme.post(f"/api/v1/credentials/{plain}/offer/resend").status_code == 404
    mc.mail.offers.answer_signed_in(
        mc.identity.authenticate(acme.tokens["lea"]["Authorization"].split()[1]), cid, True
    )
    assert acme.post(f"/api/v1/credentials/{cid}/offer/resend").status_code == 409
