"""Credential delivery on the database: OpenID4VCI offers and nonces, wallet exchanges."""

from microcred.adapters.db.delivery.exchange_repository import SqlWalletExchanges
from microcred.adapters.db.delivery.oid4vci_repository import SqlOid4vci

__all__ = ["SqlOid4vci", "SqlWalletExchanges"]
