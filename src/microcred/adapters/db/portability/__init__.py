"""Raw, typed access to every stored kind of record, for organisation export and import."""

from microcred.adapters.db.portability.store import SqlPortableStore

__all__ = ["SqlPortableStore"]
