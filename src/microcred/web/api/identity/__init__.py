"""Organisations, users, sign-in and tokens over HTTP."""
