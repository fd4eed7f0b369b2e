"""An independent witness speaking C2SP tlog-witness over HTTP (``microcred witness serve``)."""

from microcred.web.witness.app import create_witness_app

__all__ = [
    "create_witness_app",
]
