"""The admin's webhook pages on SQLite and PostgreSQL, through their forms: add a webhook (the
secret shown once), refusals shown on the form, the delivery log, replay, switching off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from standardwebhooks import Webhook
from tests.conftest import FrozenClock
from tests.integration.test_webhooks import _achievement, _issue, _org, _settings
from tests.integration.web_forms import signed_in
from tests.integration.webhook_receiver import Receiver, serve

from microcred.bootstrap import Container, build
from microcred.web.api.app import create_app

HTML = {"Accept": "text/html"}


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Container, TestClient]]:
    c = build(_settings(database_url), clock=FrozenClock(datetime.now(UTC)))
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield c, client
    c.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve()


def test_add_see_the_secret_once_replay_and_switch_off(
    world: tuple[Container, TestClient], receiver: Receiver
) -> None:
    c, client = world
    admin = _org(c)
    web, csrf = signed_in(client.app, "acme", "admin@acme.test", "a long enough password")
    page = web.get("/admin/webhooks", headers=HTML)
    assert page.status_code == 200 and 'href="/admin/webhooks"' in page.text
    refused = web.post(
        "/admin/webhooks",
        data={"csrf": csrf, "url": "http://169.254.169.254/latest", "event": "credential.issued"},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert "169.254.169.254 is a link-local address" in refused.text
    assert 'value="http://169.254.169.254/latest"' in refused.text  # what was typed is kept
    added = web.post(
        "/admin/webhooks",
        data={
            "csrf": csrf,
            "url": receiver.url,
            "event": ["credential.issued"],
            "description": "HR",
        },
        headers=HTML,
    )
    assert added.status_code == 200, added.text
    secret = re.search(r'<code id="secret">(whsec_[^<]+)</code>', added.text).group(1)
    (webhook,) = c.webhooks.subscriptions.list(admin)
    detail = web.get(f"/admin/webhooks/{webhook.id}", headers=HTML)
    assert secret not in detail.text  # shown once only
    _issue(c, admin, _achievement(c, admin))
    c.jobs.drain()
    Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers)
    (delivery,) = c.webhooks.subscriptions.deliveries(admin, webhook.id)
    log = web.get(f"/admin/webhooks/{webhook.id}?delivery={delivery.id}", headers=HTML)
    assert "HTTP 200" in log.text and delivery.event_id in log.text
    r = web.post(
        f"/admin/webhooks/{webhook.id}",
        data={"csrf": csrf, "op": "replay", "delivery": delivery.id},
        follow_redirects=False,
    )
    assert r.status_code == 303
    c.jobs.drain()
    assert len(receiver.received) == 2
    r = web.post(f"/admin/webhooks/{webhook.id}", data={"csrf": csrf, "op": "off"}, headers=HTML)
    assert r.status_code == 200 and "The webhook is switched off." in r.text
    assert not c.webhooks.subscriptions.get(admin, webhook.id).active
    r = web.post(
        f"/admin/webhooks/{webhook.id}",
        data={"csrf": csrf, "op": "replay", "delivery": delivery.id},
        headers=HTML,
    )
    assert r.status_code == 409 and "switched off" in r.text
    r = web.post(f"/admin/webhooks/{webhook.id}", data={"csrf": csrf, "op": "rotate"}, headers=HTML)
    assert r.status_code == 200 and re.search(r'<code id="secret">whsec_', r.text)
    assert web.get("/admin/webhooks/not-a-webhook", headers=HTML).status_code == 404
    r = web.post("/admin/webhooks/not-a-webhook", data={"csrf": csrf, "op": "on"}, headers=HTML)
    assert r.status_code == 404 and "Traceback" not in r.text
    r = web.post(
        f"/admin/webhooks/{webhook.id}", data={"csrf": csrf, "op": "delete"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert c.webhooks.subscriptions.list(admin) == []
