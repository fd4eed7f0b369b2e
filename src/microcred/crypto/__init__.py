"""Keys, encodings, DID documents, canonicalisation and signing primitives. Bytes in, bytes out."""
