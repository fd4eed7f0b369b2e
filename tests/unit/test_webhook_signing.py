"""Our Standard Webhooks signer against the specification's reference library
(``standardwebhooks``, the independent implementation), and the retry schedule."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from microcred.services.webhooks import RETRY_DELAYS, new_secret, signature, signed_headers
from microcred.services.webhooks.delivery import MAX_ATTEMPTS, WebhookDelivery


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=24, max_size=64),
    msg=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=40),
    ts=st.integers(min_value=1_000_000_000, max_value=4_000_000_000),
    body=st.text(max_size=2000),
)
def test_signatures_equal_the_reference_library(key: bytes, msg: str, ts: int, body: str) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    ours = signature(secret, msg, ts, body.encode())
    assert ours == Webhook(secret).sign(msg, datetime.fromtimestamp(ts, UTC), body)


def test_the_reference_library_verifies_our_headers_and_refuses_a_changed_body() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    body = b'{"type":"credential.issued","data":{}}'
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers(secret, "msg_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "credential.issued", "data": {}}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(body.replace(b"issued", b"revoked"), headers)
    assert new_secret() != secret


def test_the_retry_schedule_with_jitter() -> None:
    assert MAX_ATTEMPTS == 8
    low = WebhookDelivery(None, None, None, None, jitter=lambda: -0.1)  # type: ignore[arg-type]
    high = WebhookDelivery(None, None, None, None, jitter=lambda: 0.1)  # type: ignore[arg-type]
    for attempt, base in enumerate(RETRY_DELAYS, start=1):
        assert low.retry_delay(attempt) == base * 0.9
        assert high.retry_delay(attempt) == base * 1.1
    assert low.retry_delay(MAX_ATTEMPTS) is None
    assert list(RETRY_DELAYS[:4]) == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
