"""Organisations, users, sign-in and tokens over HTTP."""

__all__: list[str] = []  # nothing here is for other packages
