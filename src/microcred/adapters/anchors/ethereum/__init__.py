"""Anchoring checkpoints in an Ethereum-compatible chain through web3.py (``microcred[ethereum]``).

Modules: `contract` (the event, the 68-byte contract, calldata, decoding logs), `rpc` (web3
errors mapped to ours, the local-key transaction sender), `verification` (the named checks of
one anchor) and `anchor` (`EthereumAnchor`, the `ChainAnchor` that ties them together). The
public names are importable from this package.
"""

from microcred.adapters.anchors.ethereum.anchor import EthereumAnchor
from microcred.adapters.anchors.ethereum.contract import (
    EVENT_ABI,
    EVENT_SIGNATURE,
    EVENT_TOPIC,
    INIT,
    RUNTIME,
    AnchorEvent,
    calldata,
)

__all__ = [
    "EVENT_ABI",
    "EVENT_SIGNATURE",
    "EVENT_TOPIC",
    "INIT",
    "RUNTIME",
    "AnchorEvent",
    "EthereumAnchor",
    "calldata",
]
