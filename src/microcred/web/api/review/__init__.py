"""Rubrics, measured trust, code assignments and the human review queue over HTTP."""

__all__: list[str] = []  # nothing here is for other packages
