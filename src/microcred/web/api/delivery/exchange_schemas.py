"""API models of the DCC wallet's request links."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from microcred.services.delivery import CreatedExchange


class WalletExchangePublic(BaseModel):
    """A new single-use request link for the DCC Learner Credential Wallet (shown once)."""

    credential_id: str
    expires_at: datetime
    #: the VC-API exchange endpoint (``protocols.vcapi``)
    exchange_url: str
    #: ``https://lcw.app/request.html?request=…``: open on the phone or put in a QR code
    wallet_link: str
    #: the same request on the wallet's ``dccrequest://`` scheme
    app_link: str
    #: the older bearer form (``vc_request_url`` and ``challenge``)
    legacy_link: str

    @classmethod
    def of(cls, made: CreatedExchange) -> WalletExchangePublic:
        """From the service's answer."""
        return cls(
            credential_id=made.exchange.credential_id,
            expires_at=made.exchange.expires_at,
            exchange_url=made.exchange_url,
            wallet_link=made.wallet_link,
            app_link=made.app_link,
            legacy_link=made.legacy_link,
        )
