"""Delivery to wallets over HTTP: OpenID4VCI 1.0 issuance."""

from microcred.web.api.delivery.oid4vci_schemas import Oid4vciOfferCreate, Oid4vciOfferPublic

__all__ = ["Oid4vciOfferCreate", "Oid4vciOfferPublic"]
