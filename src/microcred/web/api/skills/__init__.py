"""Skills intelligence over HTTP: routes beside their API models."""

__all__: list[str] = []  # nothing here is for other packages
