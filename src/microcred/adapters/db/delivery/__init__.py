"""Credential delivery to wallets on the database."""

from microcred.adapters.db.delivery.exchange_repository import SqlWalletExchanges

__all__ = ["SqlWalletExchanges"]
