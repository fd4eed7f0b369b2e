"""Proof formats: Data Integrity (eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020) and VC-JWT."""
