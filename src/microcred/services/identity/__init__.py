"""Organisations, users, sign-in, API tokens and throttling."""

from microcred.services.identity.accounts import AccountService
from microcred.services.identity.oidc_claims import IdClaims, check_claims, mapped_role
from microcred.services.identity.service import (
    IdentityService,
    IssuedToken,
    add_account_for,
    password_throttle,
    security_event,
)
from microcred.services.identity.sso import (
    SignInOptions,
    SsoProviders,
    SsoSettings,
    known_slug,
    parse_role_map,
    sealing_context,
)
from microcred.services.identity.sso_signin import (
    SsoSignedIn,
    SsoSignIn,
    SsoStart,
    code_challenge,
    digest,
)

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
    "add_account_for",
    "check_claims",
    "code_challenge",
    "digest",
    "known_slug",
    "mapped_role",
    "parse_role_map",
    "password_throttle",
    "sealing_context",
    "security_event",
]
