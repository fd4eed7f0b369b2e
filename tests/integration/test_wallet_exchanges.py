"""The DCC wallet exchange's refusals on real SQLite and PostgreSQL: another organisation's
exchange, an unsigned or malformed presentation, an expired link; each leaves the link unused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import FrozenClock
from microcred.bootstrap import Container
from microcred.domain.credential import Recipient
from microcred.errors import Conflict, InvalidInput, NotFound, VerificationError
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of


def _offer(c: Container, slug: str = "acme"):
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=slug.title(),
        admin_email=f"admin@{slug}.test",
        admin_password="a long enough password",
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p, AchievementInput(name="Safety", description="Safe.", criteria_narrative="Pass.")
    ).id
    issued = c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"admin@{slug}.test")))
    made = c.wallet_exchanges.create(p, issued.id)
    return p, made, made.exchange_url.rsplit("/", 1)[1]


def test_refusals_leave_the_link_usable(container: Container, clock: FrozenClock) -> None:
    p, made, token = _offer(container)
    other, _, _ = _offer(container, "other")
    ex = container.wallet_exchanges
    with pytest.raises(NotFound):
        ex.participate(other.organisation_id, token, {})
    with pytest.raises(InvalidInput):
        ex.participate(p.organisation_id, token, ["not", "an", "object"])
    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
    }
    with pytest.raises(VerificationError, match="not signed"):
        ex.participate(p.organisation_id, token, {"verifiablePresentation": unsigned})
    wrong = unsigned | {
        "proof": {
            "type": "Ed25519Signature2020",
            "challenge": "guess",
            "proofPurpose": "authentication",
        }
    }
    with pytest.raises(VerificationError, match="challenge"):
        ex.participate(p.organisation_id, token, {"verifiablePresentation": wrong})
    request = ex.participate(p.organisation_id, token, {})["verifiablePresentationRequest"]
    assert request["challenge"] == made.exchange.challenge
    clock.current += timedelta(hours=1)
    with pytest.raises(Conflict, match="expired"):
        ex.participate(p.organisation_id, token, {})
