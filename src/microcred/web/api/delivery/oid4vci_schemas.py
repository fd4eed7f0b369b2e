"""API models of OpenID4VCI credential offers (the protocol's own messages are plain JSON,
shaped by the specification, not by these models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from microcred.services.delivery import MadeOffer
from microcred.web.api.schemas import Strict


class Oid4vciOfferCreate(Strict):
    """Whether the wallet must also type a transaction code (shown to the holder only), and
    optionally a shorter life for the offer than the configured one."""

    tx_code: bool = True
    lifetime_seconds: Annotated[int, Field(ge=1, le=7 * 24 * 3600)] | None = None


class Oid4vciOfferPublic(BaseModel):
    """A credential offer as its holder receives it (OpenID4VCI 1.0, section 4.1): the link by
    value, the shorter link by reference (for QR codes) and the transaction code to type."""

    id: str
    credential_offer: dict[str, Any]
    credential_offer_uri: str
    offer_by_value: str
    offer_by_reference: str
    tx_code: str | None
    expires_at: datetime

    @classmethod
    def of(cls, made: MadeOffer) -> Oid4vciOfferPublic:
        """The API view of a new offer."""
        return cls(
            id=made.offer_id,
            credential_offer=made.credential_offer,
            credential_offer_uri=made.offer_uri,
            offer_by_value=made.by_value,
            offer_by_reference=made.by_reference,
            tx_code=made.tx_code,
            expires_at=made.expires_at,
        )
