"""API models of e-mail offers: an achievement's "offer before issuing" policy and a
credential's offer (never its claim token)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, StrictBool

from microcred.ports.mail import Offer, OfferState
from microcred.web.api.schemas import Strict


class OfferPolicyUpdate(Strict):
    """``offer_first: true``: the achievement's new credentials stay private until their earner
    accepts them through the e-mailed claim link."""

    offer_first: StrictBool


class OfferPolicyPublic(BaseModel):
    """An achievement's policy."""

    achievement_id: str
    offer_first: StrictBool


class OfferPublic(BaseModel):
    """Where a credential's offer stands."""

    credential_id: str
    state: OfferState
    created_at: datetime
    decided_at: datetime | None
    link_expires_at: datetime | None
    emails_sent: int

    @classmethod
    def of(cls, offer: Offer) -> OfferPublic:
        """The offer as the API shows it."""
        return cls(
            credential_id=offer.credential_id,
            state=offer.state,
            created_at=offer.created_at,
            decided_at=offer.decided_at,
            link_expires_at=offer.token_expires_at,
            emails_sent=offer.sent,
        )
