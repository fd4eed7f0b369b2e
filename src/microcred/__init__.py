"""microcred: self-hostable micro-credentialing on Open Badges 3.0."""

__version__ = "0.1.0"
