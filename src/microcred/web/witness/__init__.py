"""An independent witness speaking C2SP tlog-witness over HTTP (``microcred witness serve``)."""
