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
    "check_name",
]
