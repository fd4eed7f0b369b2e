"""Delivery to wallets over HTTP: OpenID4VCI 1.0 issuance and the DCC wallet's exchanges."""

from microcred.web.api.delivery.exchange_schemas import WalletExchangePublic
from microcred.web.api.delivery.oid4vci_schemas import Oid4vciOfferCreate, Oid4vciOfferPublic

__all__ = ["Oid4vciOfferCreate", "Oid4vciOfferPublic", "WalletExchangePublic"]
