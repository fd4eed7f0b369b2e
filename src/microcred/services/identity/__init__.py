"""Organisations, users, sign-in, API tokens and throttling."""

from microcred.services.identity.accounts import AccountService
from microcred.services.identity.service import IdentityService, IssuedToken, password_throttle

__all__ = [
    "AccountService",
    "IdentityService",
    "IssuedToken",
    "password_throttle",
]
