"""Delivering credentials to wallets: OpenID4VCI 1.0 issuance (pre-authorized code flow)."""

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
    "KeyProof",
    "MadeOffer",
    "Oid4vciError",
    "Oid4vciIssuer",
    "Oid4vciOffers",
    "issuer_identifier",
    "verify_key_proof",
]
