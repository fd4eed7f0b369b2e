"""Leaving and arriving: an organisation's export archive and its import (docs/export.md)."""

from microcred.services.portability.archive import (
    FORMAT,
    VERSION,
    ArchiveReader,
    ArchiveWriter,
    Limits,
    check_name,
)
from microcred.services.portability.export import ExportSummary, OrganisationExport
from microcred.services.portability.importing import ImportSummary, OrganisationImport
from microcred.services.portability.static import (
    PageRequest,
    StaticFile,
    StaticSite,
    StaticSummary,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "ArchiveReader",
    "ArchiveWriter",
    "ExportSummary",
    "ImportSummary",
    "Limits",
    "OrganisationExport",
    "OrganisationImport",
    "PageRequest",
    "StaticFile",
    "StaticSite",
    "StaticSummary",
    "check_name",
]
