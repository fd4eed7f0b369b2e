"""Delivery to wallets over HTTP: OpenID4VCI 1.0 issuance."""
