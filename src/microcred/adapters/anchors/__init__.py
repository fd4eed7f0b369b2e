"""Chain anchors of checkpoints. ``ethereum`` needs the optional extra ``microcred[ethereum]``.

Import the adapter package itself (``microcred.adapters.anchors.ethereum``); this package imports
nothing, so ``import microcred`` works without web3.
"""

__all__: list[str] = []  # nothing here is for other packages
