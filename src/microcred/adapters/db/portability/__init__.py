"""Raw, typed access to every stored kind of record, for organisation export and import; and
the admins' export runs."""

from microcred.adapters.db.portability.runs import SqlExportRuns
from microcred.adapters.db.portability.store import SqlPortableStore

__all__ = ["SqlExportRuns", "SqlPortableStore"]
