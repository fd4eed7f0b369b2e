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
from microcred.services.portability.runs import EXPORT_JOB, ExportRuns
from microcred.services.portability.static import (
    DEFAULT_STATUS_DAYS,
    HTML,
    PageRequest,
    StaticFile,
    StaticSite,
    StaticSummary,
    digest,
)

__all__ = [
    "DEFAULT_STATUS_DAYS",
    "EXPORT_JOB",
    "FORMAT",
    "HTML",
    "VERSION",
    "ArchiveReader",
    "ArchiveWriter",
    "ExportRuns",
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
    "digest",
]
