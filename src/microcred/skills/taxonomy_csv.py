"""Strict CSV reading for the taxonomy importers: one error type that names file, line and fault.

A file is refused whole when it is too large, not UTF-8, malformed, lacks a required column or
repeats one; rows shorter than the header get empty trailing cells, longer rows are refused.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from microcred.errors import InvalidInput
from microcred.skills.taxonomy import Taxonomy

#: Largest CSV accepted (bytes, uncompressed), a guard against runaway input.
MAX_CSV_BYTES = 200_000_000
_CSV_FIELD_LIMIT = 1_000_000


class TaxonomyImportError(InvalidInput):
    """A framework file is missing, malformed or inconsistent."""

    code = "taxonomy_import_error"


@dataclass(slots=True)
class ImportReport:
    """What an import found worth telling, beside the taxonomy itself."""

    taxonomy: Taxonomy
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CsvTable:
    """The rows of one CSV file, each a header → cell mapping."""

    name: str
    rows: list[dict[str, str]]
    #: 1-based line number in the file where each row starts
    lines: list[int]


def parse_csv(name: str, data: bytes, required: Sequence[str]) -> CsvTable:
    """Parse ``data`` (the file ``name``), refusing it unless it has the ``required`` columns."""
    if len(data) > MAX_CSV_BYTES:
        raise TaxonomyImportError(f"{name} is larger than {MAX_CSV_BYTES:,} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaxonomyImportError(
            f"{name} is not UTF-8 text (byte {exc.start}).", hint="Save the file as UTF-8 CSV."
        ) from None
    if "\x00" in text:
        raise TaxonomyImportError(f"{name} contains NUL bytes; it is not a CSV file.")
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise TaxonomyImportError(f"{name} is empty; it needs a header row.") from None
    except csv.Error as exc:
        raise TaxonomyImportError(f"{name} line 1: malformed CSV ({exc}).") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise TaxonomyImportError(
            f"{name} lacks the column(s) {', '.join(missing)}.",
            hint=f"Its header row has: {', '.join(header) or '(nothing)'}.",
        )
    if len(set(header)) != len(header):
        raise TaxonomyImportError(f"{name} repeats a column name in its header row.")
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    line = reader.line_num + 1
    try:
        for values in reader:
            if not values or all(not v.strip() for v in values):
                line = reader.line_num + 1
                continue
            if len(values) > len(header):
                raise TaxonomyImportError(
                    f"{name} line {line}: {len(values)} fields where the header has {len(header)}.",
                    hint="Quote fields that contain commas.",
                )
            padded = values + [""] * (len(header) - len(values))  # short rows: empty tail
            rows.append(dict(zip(header, padded, strict=True)))
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise TaxonomyImportError(
            f"{name} line {reader.line_num}: malformed CSV ({exc})."
        ) from None
    return CsvTable(name, rows, lines)


def cell(table: CsvTable, i: int, column: str, *, required: bool = True) -> str:
    """Row ``i``'s ``column``, trimmed; refused when empty and ``required``."""
    value = table.rows[i].get(column, "").strip()
    if required and not value:
        raise TaxonomyImportError(f"{table.name} line {table.lines[i]}: {column} is empty.")
    return value


def http_uri(table: CsvTable, i: int, value: str, column: str) -> str:
    """``value`` when it is an absolute http(s) URI, else an error naming row ``i``."""
    if not re.match(r"^https?://[^\s/]+/\S*$", value):
        raise TaxonomyImportError(
            f"{table.name} line {table.lines[i]}: {column} {value[:80]!r} is not an http(s) URI."
        )
    return value
