"""Micro-credentials, issuance, status changes, public documents and verification over HTTP."""
