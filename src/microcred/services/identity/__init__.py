"""Organisations, users, sign-in, API tokens and throttling."""
