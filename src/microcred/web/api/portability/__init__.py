"""Organisation export over HTTP: start an export job, follow it, download the archive."""

from microcred.web.api.portability.schemas import ExportCreate, ExportPublic

__all__ = ["ExportCreate", "ExportPublic"]
