"""Credential storage moving into its feature's room: bulk issuance first (the older credential
tables are still in ``adapters/db/tables.py``)."""

from microcred.adapters.db.credentials.bulk import SqlBulkIssuance
from microcred.adapters.db.credentials.imported import SqlImportedCredentials

__all__ = [
    "SqlBulkIssuance",
    "SqlImportedCredentials",
]
