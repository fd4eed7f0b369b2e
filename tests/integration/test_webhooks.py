"""Signed webhooks on real SQLite and PostgreSQL with a real HTTP receiver on loopback: every
event delivered once per subscription and verified with the Standard Webhooks library, retries,
a slow receiver that does not slow issuance, inward targets refused, rollbacks that emit nothing,
organisations kept apart, and the secret kept out of logs."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from standardwebhooks import Webhook
from tests.conftest import KEK, FrozenClock
from tests.integration.webhook_receiver import Receiver, serve

from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal, Role
from microcred.errors import AddressRefused, Conflict, InvalidInput, NotFound, PermissionDenied
from microcred.ports.webhooks import DeliveryState, EventType
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.jobs import BackgroundWorker
from microcred.services.webhooks import DELIVER_JOB

ALL = [e.value for e in EventType]


def _settings(database_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "kek_secrets": [KEK],
        "public_base_url": "https://issuer.test",
        "ledger_interval_ms": 0,
        "run_worker": False,
        "allow_insecure_http": True,
        "fetch_allow_networks": ["127.0.0.1/32"],
        "webhook_timeout_seconds": 2.0,
    }
    return Settings(**(values | extra))  # type: ignore[arg-type]


@pytest.fixture
def now_clock() -> FrozenClock:
    """A hand-moved clock starting now: receivers check the signed timestamp against theirs."""
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def hooks(database_url: str, now_clock: FrozenClock) -> Iterator[Container]:
    c = build(_settings(database_url), clock=now_clock)
    yield c
    c.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def _org(c: Container, slug: str = "acme") -> Principal:
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password="a long enough password",
    )
    return principal_of(admin)


def _achievement(c: Container, p: Principal, name: str = "Kubernetes Basics", **kw: object) -> str:
    return c.achievements.create(
        p,
        AchievementInput(
            name=name,
            description="Deploys and debugs workloads.",
            criteria_narrative="Deploy a service with a health check.",
            **kw,  # type: ignore[arg-type]
        ),
    ).id


def _issue(c: Container, p: Principal, aid: str, email: str = "lea@example.org") -> str:
    return c.issuance.issue(p, IssueRequest(aid, Recipient(email=email))).id


def _verified(secret: str, got: list) -> list[dict]:
    """Every received body, each verified with the Standard Webhooks library."""
    return [Webhook(secret).verify(r.body, r.headers) for r in got]


def _count(c: Container, table: str) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_every_event_arrives_once_per_subscription_signed(hooks: Container) -> None:
    c = hooks
    receivers = [serve(), serve()]
    first, second = (next(r) for r in receivers)
    try:
        admin = _org(c)
        created = [
            c.webhooks.subscriptions.create(admin, r.url, ALL, "HR system") for r in (first, second)
        ]
        assert all(s.secret.startswith("whsec_") for s in created)
        learner = principal_of(
            c.identity.add_user(
                admin,
                email="lea@acme.test",
                name="Lea",
                role=Role.LEARNER,
                password="learner password!",
            )
        )
        part = _achievement(c, admin, "Incident write-up")
        whole = _achievement(c, admin, "SRE Foundations", achievement_type="LearningProgram")
        pathway = c.learning.create_pathway(
            admin,
            name="SRE",
            description="",
            kind="pathway",
            achievement_id=whole,
            requirement={"all_of": [{"earn": part}]},
        )
        c.learning.enrol(learner, pathway_id=pathway.id)
        submission = c.learning.submit(learner, part, texts=["A blameless review."])
        c.jobs.drain()  # the review job: no rubric, so a person decides
        c.review.decide(admin, submission.id, passed=True, feedback="Good.")
        issued = _issue(c, admin, _achievement(c, admin))
        c.credentials.change_status(admin, issued, StatusAction.REVOKE, "Issued in error")
        c.accounts.set_active(admin, learner.user_id, False)
        c.jobs.drain()
        for r, sub in zip((first, second), created, strict=True):
            bodies = _verified(sub.secret, r.received)
            kinds = sorted(b["type"] for b in bodies)
            # three credentials: the part, the pathway's and the one issued by hand
            assert kinds == sorted(
                ["credential.issued"] * 3
                + [
                    "credential.revoked",
                    "submission.decided",
                    "pathway.completed",
                    "person.deactivated",
                ]
            )
            ids = [x.headers["webhook-id"] for x in r.received]
            assert len(set(ids)) == len(ids)
            by_type = {b["type"]: b["data"] for b in bodies}
            assert by_type["credential.revoked"]["credential_id"] == issued
            assert by_type["credential.revoked"]["reason"] == "Issued in error"
            assert by_type["submission.decided"]["passed"] is True
            assert by_type["pathway.completed"]["pathway_id"] == pathway.id
            assert by_type["person.deactivated"]["user_id"] == learner.user_id
        # the same event reached both subscriptions under the same webhook-id
        assert {x.headers["webhook-id"] for x in first.received} == {
            x.headers["webhook-id"] for x in second.received
        }
        with pytest.raises(Exception, match="signature"):
            Webhook(created[1].secret).verify(
                first.received[0].body + b" ", first.received[0].headers
            )
    finally:
        for r in receivers:
            r.close()


def test_a_500_is_retried_on_schedule_and_every_attempt_logged(
    hooks: Container, receiver: Receiver, now_clock: FrozenClock
) -> None:
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    receiver.statuses = [500, 503]
    _issue(hooks, admin, _achievement(hooks, admin))
    assert hooks.jobs.drain() >= 1
    (delivery,) = hooks.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.PENDING,
        1,
        500,
    )
    assert delivery.next_attempt_at is not None
    wait = (delivery.next_attempt_at - now_clock.now()).total_seconds()
    assert 4.5 <= wait <= 5.5  # 5 s ± 10 % jitter
    hooks.jobs.drain()
    assert len(receiver.received) == 1  # not before its time
    now_clock.advance(seconds=6)
    hooks.jobs.drain()
    now_clock.advance(minutes=6)
    hooks.jobs.drain()
    got, attempts = hooks.webhooks.subscriptions.delivery(admin, sub.subscription.id, delivery.id)
    assert got.state is DeliveryState.DELIVERED
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert attempts[0].error == "HTTP 500."
    assert all(a.duration_ms >= 0 for a in attempts)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert len(ids) == 1 and len(receiver.received) == 3
    # each attempt is signed at its own time (the clock was moved on 6 min for the third,
    # beyond the library's 5-minute tolerance, so it is checked by hand with the same key)
    _verified(sub.secret, receiver.received[:2])
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert stamps[0] < stamps[1] < stamps[2]
    third = receiver.received[2]
    expected = Webhook(sub.secret).sign(
        third.headers["webhook-id"], datetime.fromtimestamp(stamps[2], UTC), third.body.decode()
    )
    assert third.headers["webhook-signature"] == expected


def test_a_slow_receiver_does_not_slow_issuance(hooks: Container, receiver: Receiver) -> None:
    admin = _org(hooks)
    aid = _achievement(hooks, admin)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    receiver.delay = 10.0
    worker = BackgroundWorker(hooks.jobs, idle_seconds=0.05)
    worker.start()
    try:
        _issue(hooks, admin, aid)
        deadline = time.monotonic() + 5
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.received, "the delivery job did not start"
        started = time.monotonic()
        for i in range(3):  # while the worker waits on the receiver
            _issue(hooks, admin, aid, f"l{i}@example.org")
        assert time.monotonic() - started < 3.0
        # the attempt ends at its 2 s deadline and is logged then (slack for a loaded machine)
        deadline = time.monotonic() + 30
        first = hooks.webhooks.subscriptions.deliveries(admin, sub.subscription.id)[-1]
        attempts: Sequence[Any] = []
        while not attempts and time.monotonic() < deadline:
            time.sleep(0.05)
            _, attempts = hooks.webhooks.subscriptions.delivery(
                admin, sub.subscription.id, first.id
            )
    finally:
        worker.stop()
    assert attempts, "the slow delivery's attempt was never logged"
    assert attempts[0].status_code is None
    assert attempts[0].error == "No answer within 2 s."
    assert attempts[0].duration_ms < 4000  # cut at the deadline, not after the receiver's 10 s


INWARD = [
    "http://127.0.0.1:8080/hook",
    "http://10.1.2.3/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]:9000/hook",
    "http://localhost/hook",
    "http://192.168.1.10/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", INWARD)
def test_inward_targets_are_refused_at_creation(database_url: str, url: str) -> None:
    c = build(_settings(database_url, fetch_allow_networks=[]), clock=FrozenClock())
    try:
        admin = _org(c)
        with pytest.raises(AddressRefused) as refused:
            c.webhooks.subscriptions.create(admin, url, ["credential.issued"])
        assert "does not fetch from it" in refused.value.explain()
        assert c.webhooks.subscriptions.list(admin) == []
    finally:
        c.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "must start with"),
        ("ftp://127.0.0.1/hook", "must start with"),
        ("file:///etc/passwd", "must start with"),
        ("javascript:alert(1)", "must start with"),
        ("http://", "names no host"),
        ("http://user:pw@127.0.0.1/", "user name or password"),
        ("http://[::1", "malformed"),
        ("http://127.0.0.1:99999/", "malformed"),
        ("", "Give the URL"),
        ("http://127.0.0.1/" + "a" * 2100, "more than 2048"),
        ("http://127.0.0.1/a b", "spaces"),
    ],
)
def test_malformed_urls_are_clear_errors(hooks: Container, url: str, message: str) -> None:
    admin = _org(hooks)
    with pytest.raises(InvalidInput, match=message):
        hooks.webhooks.subscriptions.create(admin, url, ["credential.issued"])


def test_bad_events_and_https_only_without_the_test_setting(database_url: str) -> None:
    c = build(_settings(database_url, allow_insecure_http=False), clock=FrozenClock())
    try:
        admin = _org(c)
        with pytest.raises(InvalidInput, match="https://"):
            c.webhooks.subscriptions.create(admin, "http://127.0.0.1/h", ["credential.issued"])
        with pytest.raises(InvalidInput, match="not an event"):
            c.webhooks.subscriptions.create(admin, "https://127.0.0.1/h", ["credential.eaten"])
        with pytest.raises(InvalidInput, match="at least one"):
            c.webhooks.subscriptions.create(admin, "https://127.0.0.1/h", [])
    finally:
        c.close()


def test_dns_rebinding_is_refused_at_delivery(
    database_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolver is the one double here: no DNS server we control runs on this machine, so
    ``getaddrinfo`` answers a public address at creation and loopback at delivery."""
    c = build(
        _settings(database_url, fetch_allow_networks=[]), clock=FrozenClock(datetime.now(UTC))
    )
    real = socket.getaddrinfo
    answer = {"ip": "93.184.216.34"}

    def fake(host: str, *args: object, **kw: object):  # type: ignore[no-untyped-def]
        if host == "hooks.rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer["ip"], receiver.port))]
        return real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    try:
        admin = _org(c)
        url = f"http://hooks.rebind.test:{receiver.port}/hooks"
        sub = c.webhooks.subscriptions.create(admin, url, ["credential.issued"])
        answer["ip"] = "127.0.0.1"
        _issue(c, admin, _achievement(c, admin))
        c.jobs.drain()
        (delivery,) = c.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
        assert delivery.state is DeliveryState.PENDING and delivery.attempts == 1
        assert "127.0.0.1, a loopback address" in (delivery.last_error or "")
        assert receiver.received == []
    finally:
        c.close()


def test_redirects_are_not_followed(hooks: Container, receiver: Receiver) -> None:
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    receiver.statuses, receiver.location = [302], "http://10.0.0.1/steal"
    _issue(hooks, admin, _achievement(hooks, admin))
    hooks.jobs.drain()
    (delivery,) = hooks.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
    assert delivery.last_status == 302 and "not followed" in (delivery.last_error or "")
    assert delivery.state is DeliveryState.PENDING and len(receiver.received) == 1


def test_an_oversized_answer_is_cut_and_counts_as_failure(
    hooks: Container, receiver: Receiver
) -> None:
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    receiver.body = b"x" * 2_000_000
    _issue(hooks, admin, _achievement(hooks, admin))
    hooks.jobs.drain()
    (delivery,) = hooks.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
    assert delivery.state is DeliveryState.PENDING
    assert "larger than 65536 bytes" in (delivery.last_error or "")


def test_a_rollback_emits_nothing(hooks: Container, receiver: Receiver) -> None:
    admin = _org(hooks)
    aid = _achievement(hooks, admin)
    hooks.webhooks.subscriptions.create(admin, receiver.url, ALL)
    with hooks.uow() as uow:
        hooks.issuance.issue_within(
            uow, admin.organisation_id, IssueRequest(aid, Recipient(email="a@b.org"))
        )
        assert uow.jobs.pending(DELIVER_JOB) == 1  # staged in the same transaction …
    # … and gone with it
    assert _count(hooks, "webhook_events") == 0
    assert _count(hooks, "webhook_deliveries") == 0
    with hooks.uow() as uow:
        assert uow.jobs.pending(DELIVER_JOB) == 0
    hooks.jobs.drain()
    assert receiver.received == []


def test_nothing_is_recorded_without_a_subscriber(hooks: Container) -> None:
    admin = _org(hooks)
    _issue(hooks, admin, _achievement(hooks, admin))
    assert _count(hooks, "webhook_events") == 0


def test_replay_sends_the_same_message_again(hooks: Container, receiver: Receiver) -> None:
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    _issue(hooks, admin, _achievement(hooks, admin))
    hooks.jobs.drain()
    (delivery,) = hooks.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
    assert delivery.state is DeliveryState.DELIVERED
    hooks.webhooks.subscriptions.replay(admin, sub.subscription.id, delivery.id)
    with pytest.raises(Conflict):
        hooks.webhooks.subscriptions.replay(admin, sub.subscription.id, delivery.id)
    hooks.jobs.drain()
    _, attempts = hooks.webhooks.subscriptions.delivery(admin, sub.subscription.id, delivery.id)
    assert [(a.number, a.replay) for a in attempts] == [(1, False), (2, True)]
    first, again = receiver.received
    assert first.body == again.body and first.headers["webhook-id"] == again.headers["webhook-id"]
    _verified(sub.secret, receiver.received)


def test_repeated_failure_switches_a_subscription_off_with_the_reason(
    database_url: str, receiver: Receiver
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    c = build(_settings(database_url, webhook_disable_after=3), clock=clock)
    try:
        admin = _org(c)
        sub = c.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
        receiver.statuses = [500] * 10
        _issue(c, admin, _achievement(c, admin))
        for _ in range(4):
            c.jobs.drain()
            clock.advance(hours=1)
        got = c.webhooks.subscriptions.get(admin, sub.subscription.id)
        assert not got.active
        assert (
            got.disabled_reason
            == "Switched off after 3 failed attempts in a row; the last: HTTP 500."
        )
        (delivery,) = c.webhooks.subscriptions.deliveries(admin, sub.subscription.id)
        assert delivery.state is DeliveryState.FAILED and delivery.attempts == 3
        _issue(c, admin, _achievement(c, admin, "Other"))
        assert len(c.webhooks.subscriptions.deliveries(admin, sub.subscription.id)) == 1
        with pytest.raises(Conflict, match="switched off"):
            c.webhooks.subscriptions.replay(admin, sub.subscription.id, delivery.id)
        back = c.webhooks.subscriptions.update(admin, sub.subscription.id, active=True)
        assert back.active and back.disabled_reason is None and back.consecutive_failures == 0
    finally:
        c.close()


def test_other_organisations_see_and_touch_nothing(hooks: Container, receiver: Receiver) -> None:
    a, b = _org(hooks, "acme"), _org(hooks, "globex")
    sub = hooks.webhooks.subscriptions.create(a, receiver.url, ["credential.issued"])
    _issue(hooks, a, _achievement(hooks, a))
    hooks.jobs.drain()
    (delivery,) = hooks.webhooks.subscriptions.deliveries(a, sub.subscription.id)
    sid = sub.subscription.id
    assert hooks.webhooks.subscriptions.list(b) == []
    for call in (
        lambda: hooks.webhooks.subscriptions.get(b, sid),
        lambda: hooks.webhooks.subscriptions.deliveries(b, sid),
        lambda: hooks.webhooks.subscriptions.delivery(b, sid, delivery.id),
        lambda: hooks.webhooks.subscriptions.replay(b, sid, delivery.id),
        lambda: hooks.webhooks.subscriptions.rotate_secret(b, sid),
        lambda: hooks.webhooks.subscriptions.update(b, sid, active=False),
        lambda: hooks.webhooks.subscriptions.delete(b, sid),
    ):
        with pytest.raises(NotFound):
            call()
    # B's issuance does not reach A's subscriber
    _issue(hooks, b, _achievement(hooks, b))
    hooks.jobs.drain()
    assert len(receiver.received) == 1
    learner = principal_of(
        hooks.identity.add_user(
            a, email="l@acme.test", name="L", role=Role.LEARNER, password="learner password!"
        )
    )
    with pytest.raises(PermissionDenied):
        hooks.webhooks.subscriptions.list(learner)
    assert hooks.webhooks.subscriptions.get(a, sid).active


def test_the_secret_is_sealed_at_rest_and_never_logged(
    hooks: Container, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    receiver.statuses = [500]
    _issue(hooks, admin, _achievement(hooks, admin))
    hooks.jobs.drain()
    rotated = hooks.webhooks.subscriptions.rotate_secret(admin, sub.subscription.id)
    assert rotated.secret != sub.secret
    secrets = [sub.secret, rotated.secret]
    with hooks.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM webhook_subscriptions")).all()
        attempts = conn.execute(text("SELECT * FROM webhook_attempts")).all()
    for s in secrets:
        raw = s.removeprefix("whsec_")
        assert raw not in caplog.text and s not in caplog.text
        assert not any(
            raw.encode() in bytes(v) if isinstance(v, bytes | memoryview) else raw in str(v)
            for row in [*rows, *attempts]
            for v in row
        )
    assert "attempt 1 failed: HTTP 500" in caplog.text  # it did log the failure
    # after rotation, deliveries are signed with the new secret only
    _issue(hooks, admin, _achievement(hooks, admin, "Other"))
    hooks.jobs.drain()
    last = receiver.received[-1]
    Webhook(rotated.secret).verify(last.body, last.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(sub.secret).verify(last.body, last.headers)


def test_deleting_removes_the_log_and_stops_deliveries(
    hooks: Container, receiver: Receiver
) -> None:
    admin = _org(hooks)
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.issued"])
    _issue(hooks, admin, _achievement(hooks, admin))
    hooks.webhooks.subscriptions.delete(admin, sub.subscription.id)
    hooks.jobs.drain()
    assert receiver.received == []
    assert _count(hooks, "webhook_deliveries") == 0
    with pytest.raises(NotFound):
        hooks.webhooks.subscriptions.delete(admin, sub.subscription.id)


def test_the_webhook_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "webhook_" in repr(d)] == []
        tables = {
            "webhook_subscriptions",
            "webhook_events",
            "webhook_deliveries",
            "webhook_attempts",
        }
        command.downgrade(migrate.alembic_config(database_url), "0008bulk")
        assert not tables & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_job_kind_is_wired(hooks: Container) -> None:
    assert hooks.jobs.handlers[DELIVER_JOB] == hooks.webhooks.delivery.run
    assert json.dumps(ALL)
    assert threading.active_count() >= 1


def test_expiring_credentials_are_announced_once_each(
    hooks: Container, receiver: Receiver, now_clock: FrozenClock
) -> None:
    admin = _org(hooks)
    soon = _achievement(hooks, admin, "Soon", validity_days=10)
    later = _achievement(hooks, admin, "Later", validity_days=100)
    never = _achievement(hooks, admin, "Never")
    sub = hooks.webhooks.subscriptions.create(admin, receiver.url, ["credential.expiring"])
    expiring = _issue(hooks, admin, soon)
    revoked = _issue(hooks, admin, soon, "r@example.org")
    hooks.credentials.change_status(admin, revoked, StatusAction.REVOKE, "Wrong person")
    _issue(hooks, admin, later)
    _issue(hooks, admin, never)
    hooks.jobs.drain()
    for _ in range(3):  # later scans announce nothing twice
        now_clock.advance(hours=2)
        hooks.jobs.drain()
    (body,) = _verified(sub.secret, receiver.received[:1]) if receiver.received else [None]
    assert len(receiver.received) == 1
    assert body["type"] == "credential.expiring"
    assert body["data"]["credential_id"] == expiring and body["data"]["days_left"] == 10
    with hooks.uow() as uow:
        assert uow.jobs.pending("webhooks.expiring") == 1  # the next scan is queued
    hooks.webhooks.subscriptions.update(admin, sub.subscription.id, events=["credential.issued"])
    now_clock.advance(hours=2)
    hooks.jobs.drain()
    with hooks.uow() as uow:
        assert uow.jobs.pending("webhooks.expiring") == 0  # nobody listens: scans stop
