"""Micro-credentials, issuer keys, issuance, status changes, status lists and verification."""
