"""Delivering credentials to wallets, bound to the DID each wallet proves it controls:
OpenID4VCI 1.0 issuance (pre-authorized code flow) and the DCC wallet's VC-API exchanges."""

from microcred.services.delivery.exchanges import (
    MAX_EXCHANGE_BODY,
    CreatedExchange,
    WalletExchanges,
    token_hash,
)
from microcred.services.delivery.oid4vci import Oid4vciIssuer
from microcred.services.delivery.oid4vci_offers import (
    CONFIGURATION_ID,
    MadeOffer,
    Oid4vciOffers,
    issuer_identifier,
)
from microcred.services.delivery.oid4vci_proofs import KeyProof, Oid4vciError, verify_key_proof

__all__ = [
    "CONFIGURATION_ID",
    "MAX_EXCHANGE_BODY",
    "CreatedExchange",
    "KeyProof",
    "MadeOffer",
    "Oid4vciError",
    "Oid4vciIssuer",
    "Oid4vciOffers",
    "WalletExchanges",
    "issuer_identifier",
    "token_hash",
    "verify_key_proof",
]
