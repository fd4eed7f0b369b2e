"""The transparency log over HTTP (C2SP tlog-tiles, checkpoints, proofs, policy)."""

__all__: list[str] = []  # nothing here is for other packages
