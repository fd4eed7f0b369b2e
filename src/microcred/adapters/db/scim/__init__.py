"""SCIM 2.0 provisioning rows: the organisation's token, provisioned Users and Groups."""

from microcred.adapters.db.scim.repository import SqlScim

__all__ = ["SqlScim"]
