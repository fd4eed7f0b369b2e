"""LTI 1.3 rows: platform registrations, the tool's sealed keys, pending logins, linked
platform users and the line items scores go back to."""

from microcred.adapters.db.lti.repository import SqlLti

__all__ = ["SqlLti"]
