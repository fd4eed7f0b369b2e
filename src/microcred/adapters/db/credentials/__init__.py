"""Credential storage moving into its feature's room: micro-credential definitions, bulk
issuance and imported credentials (the older credential tables are still in
``adapters/db/tables.py``)."""

from microcred.adapters.db.credentials.achievements import SqlAchievements
from microcred.adapters.db.credentials.bulk import SqlBulkIssuance
from microcred.adapters.db.credentials.imported import SqlImportedCredentials

__all__ = [
    "SqlAchievements",
    "SqlBulkIssuance",
    "SqlImportedCredentials",
]
