"""The transparency log over HTTP (C2SP tlog-tiles, checkpoints, proofs, policy)."""
