"""Credentials delivered to wallets, bound to the DID each wallet proves it controls."""

from microcred.services.delivery.exchanges import (
    MAX_EXCHANGE_BODY,
    CreatedExchange,
    WalletExchanges,
    token_hash,
)

__all__ = ["MAX_EXCHANGE_BODY", "CreatedExchange", "WalletExchanges", "token_hash"]
