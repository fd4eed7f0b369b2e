"""HTTP: the JSON API and server-rendered pages."""

__all__: list[str] = []  # nothing here is for other packages
