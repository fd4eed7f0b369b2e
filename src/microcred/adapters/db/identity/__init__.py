"""Identity rows beyond users and tokens: single sign-on providers, pending sign-ins and the
links from a provider's subjects to users."""

from microcred.adapters.db.identity.sso_repository import SqlSso

__all__ = ["SqlSso"]
