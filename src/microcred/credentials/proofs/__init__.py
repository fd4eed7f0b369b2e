"""Proof formats: Data Integrity (eddsa-rdfc/jcs-2022, Ed25519Signature2020) and VC-JWT."""

from microcred.credentials.proofs.jwt import claims_for, decode_unverified

__all__ = [
    "claims_for",
    "decode_unverified",
]
