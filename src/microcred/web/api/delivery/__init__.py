"""Delivery to wallets over HTTP."""

from microcred.web.api.delivery.exchange_schemas import WalletExchangePublic

__all__ = ["WalletExchangePublic"]
