"""Organisations, users, sign-in, API tokens and throttling."""

from microcred.services.identity.accounts import AccountService
from microcred.services.identity.oidc_claims import IdClaims, check_claims, mapped_role
from microcred.services.identity.service import (
    IdentityService,
    IssuedToken,
    password_throttle,
    security_event,
)
from microcred.services.identity.sso import (
    SignInOptions,
    SsoProviders,
    SsoSettings,
    parse_role_map,
)
from microcred.services.identity.sso_signin import SsoSignedIn, SsoSignIn, SsoStart, code_challenge

__all__ = [
    "AccountService",
    "IdClaims",
    "IdentityService",
    "IssuedToken",
    "SignInOptions",
    "SsoProviders",
    "SsoSettings",
    "SsoSignIn",
    "SsoSignedIn",
    "SsoStart",
    "check_claims",
    "code_challenge",
    "mapped_role",
    "parse_role_map",
    "password_throttle",
    "security_event",
]
