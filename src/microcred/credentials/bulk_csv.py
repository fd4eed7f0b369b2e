"""Reading a bulk-issuance CSV file (RFC 4180) and checking each row, before anything is issued.

`read_csv` streams the bytes: UTF-8 (with or without a byte-order mark) or UTF-16 with its
byte-order mark, capped in bytes and rows *while* reading; a file it cannot read safely is refused
as a whole (`InvalidInput`, `PayloadTooLarge`). `check_rows` then reports every row's problems
(row number as a spreadsheet shows it, column, problem) and turns the good rows into `BulkRow`.
Cells are data: one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is never
evaluated here; whoever echoes it back into a spreadsheet neutralises it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import BinaryIO
from urllib.parse import urlsplit

from microcred.domain.identity import normalise_email
from microcred.errors import InvalidInput, PayloadTooLarge

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
MAX_NAME = 200
MAX_NARRATIVE = 10_000
MAX_EXTERNAL_ID = 200
MAX_URL = 2048
_READ = 64 * 1024
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")

#: the columns, in the order a report lists them
COLUMNS = (
    "recipient_email",
    "recipient_name",
    "achievement",
    "issued_on",
    "expires_on",
    "evidence_url",
    "evidence_narrative",
    "external_id",
)
REQUIRED = ("recipient_email", "achievement")
#: header spellings accepted for each column (compared lower-case, spaces/dashes as underscores)
ALIASES: Mapping[str, tuple[str, ...]] = {
    "recipient_email": ("email", "e_mail", "recipient_e_mail", "email_address"),
    "recipient_name": ("name", "full_name", "recipient"),
    "achievement": ("achievement_id", "achievement_name", "micro_credential", "badge"),
    "issued_on": ("issue_date", "issued", "issued_at", "awarded", "awarded_on", "date"),
    "expires_on": ("expiry_date", "expiry", "expires", "expiration_date", "valid_until"),
    "evidence_url": ("evidence", "evidence_link", "url"),
    "evidence_narrative": ("narrative", "evidence_text"),
    "external_id": ("id", "reference", "ref", "external_reference"),
}
_BY_HEADER = {alias: name for name, aliases in ALIASES.items() for alias in (name, *aliases)}


def header_key(text: str) -> str:
    """A header cell compared case- and space-insensitively: ``" E-Mail "`` -> ``e_mail``."""
    return re.sub(r"[\s_\-]+", "_", text.strip().lower()).strip("_")


@dataclass(slots=True)
class CsvFile:
    """What was read: the columns found, each data row's cells by column, and the file's hash."""

    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, str], int]]  # (row number, cells, cell count)
    sha256: str
    size: int


@dataclass(slots=True)
class Problem:
    """One thing wrong with one row (``column`` empty when it is the row as a whole)."""

    row: int
    column: str
    problem: str
    value: str = ""


@dataclass(slots=True)
class BulkRow:
    """A row that passed every check, ready to issue."""

    row: int
    email: str
    name: str | None
    achievement_id: str
    issued_on: datetime | None
    expires_on: datetime | None
    evidence_url: str | None
    evidence_narrative: str | None
    external_id: str | None
    key: str = ""


@dataclass(slots=True)
class Checked:
    """`check_rows`' answer: the good rows and every problem, in row order."""

    rows: list[BulkRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def problem_rows(self) -> int:
        """How many rows have at least one problem."""
        return len({p.row for p in self.problems})


class _Capped(io.RawIOBase):
    """The upload, read once, hashed, and refused as soon as it passes ``limit`` bytes."""

    def __init__(self, source: BinaryIO, limit: int, prefix: bytes) -> None:
        self._source = source
        self._limit = limit
        self._prefix = prefix
        self.size = len(prefix)
        self.digest = hashlib.sha256(prefix)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._source.read(min(len(buffer), _READ))
        self.size += len(data)
        if self.size > self._limit:
            raise PayloadTooLarge(
                f"The file is larger than {self._limit // (1024 * 1024)} MB; nothing was issued.",
                hint="Split it into smaller files.",
            )
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise InvalidInput("The file is UTF-32; save it as CSV UTF-8 (or UTF-16) instead.")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _records(text: io.TextIOWrapper) -> Iterator[list[str]]:
    reader = csv.reader(text, strict=True)
    count = 0
    try:
        for record in reader:
            count += 1
            if any("\x00" in cell for cell in record):
                raise csv.Error("line contains NUL")
            yield record
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The file is not valid {text.encoding.upper().removesuffix('-SIG')} at or after "
            f"row {count + 1} (byte 0x{exc.object[exc.start]:02X}); it looks like another "
            "encoding, e.g. Latin-1 or Windows-1252. Nothing was issued.",
            hint="Save it as 'CSV UTF-8' (or Unicode/UTF-16 text) and upload it again.",
        ) from None
    except csv.Error as exc:
        raise InvalidInput(_csv_problem(count + 1, str(exc)), hint="Nothing was issued.") from None


def _csv_problem(row: int, message: str) -> str:
    if "unexpected end of data" in message or "EOF" in message:
        return f"Row {row}: a quoted cell is never closed (unbalanced quotes)."
    if "NUL" in message:
        return (
            f"Row {row} contains NUL characters: is the file UTF-16 without a byte-order mark, "
            "or not a CSV file at all?"
        )
    if "field larger" in message:
        return f"Row {row}: a cell is too long (an unclosed quote?)."
    if "expected after" in message:
        return f"Row {row}: text follows a closing quote; double a quote inside a quoted cell."
    return f"Row {row} is not valid CSV ({message})."


def _header(record: list[str]) -> tuple[str, ...]:
    columns: list[str] = []
    for raw in record:
        key = header_key(raw)
        name = _BY_HEADER.get(key)
        if name is None:
            raise InvalidInput(
                f"Unknown column {raw.strip()[:60]!r}. Known columns: {', '.join(COLUMNS)} "
                "(see the bulk-issuance guide for other spellings)."
            )
        if name in columns:
            raise InvalidInput(f"The column {name} appears twice (as {raw.strip()[:60]!r}).")
        columns.append(name)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput(f"The header row lacks the column(s): {', '.join(missing)}.")
    return tuple(columns)


def read_csv(
    source: BinaryIO, *, max_bytes: int = MAX_FILE_BYTES, max_rows: int = MAX_ROWS
) -> CsvFile:
    """Read the file's header and rows; refuse (raise) what cannot be read safely as a whole.
    At most ``max_bytes`` are read: a larger file is refused without reading the rest."""
    head = source.read(4)
    if not head:
        raise InvalidInput("The file is empty.")
    raw = _Capped(source, max_bytes, head)
    text = io.TextIOWrapper(
        io.BufferedReader(raw, _READ), encoding=_encoding(head), errors="strict", newline=""
    )
    records = _records(text)
    header = next((r for r in records if any(c.strip() for c in r)), None)
    if header is None:
        raise InvalidInput("The file has no header row.")
    columns = _header(header)
    rows: list[tuple[int, dict[str, str], int]] = []
    number = 1
    for record in records:
        number += 1
        if not any(c.strip() for c in record):
            continue  # a blank line
        if len(rows) >= max_rows:
            raise PayloadTooLarge(
                f"The file has more than {max_rows:,} rows; nothing was issued.",
                hint="Split it into smaller files.",
            )
        rows.append((number, dict(zip(columns, record, strict=False)), len(record)))
    return CsvFile(columns, rows, raw.digest.hexdigest(), raw.size)


def _date(value: str) -> datetime:
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", text
    ):
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _url(value: str) -> str:
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or len(value) > MAX_URL
        or any(ch.isspace() for ch in value)
    ):
        raise ValueError(value)
    return value


def idempotency_key(row: BulkRow) -> str:
    """The row's key within its organisation: its external id, or else its recipient,
    achievement and issue date (no personal data stored: a SHA-256)."""
    if row.external_id:
        material = f"external\n{row.external_id}"
    else:
        day = row.issued_on.date().isoformat() if row.issued_on else ""
        material = f"row\n{row.email}\n{row.achievement_id}\n{day}"
    return hashlib.sha256(material.encode()).hexdigest()


class _Rows:
    """Checks rows one by one, remembering what must be unique within the file."""

    def __init__(
        self, achievements: Mapping[str, tuple[str, int | None]], now: datetime, width: int
    ) -> None:
        self._ids = achievements
        self._by_name: dict[str, list[str]] = {}
        for aid, (name, _) in achievements.items():
            self._by_name.setdefault(name.strip().casefold(), []).append(aid)
        self._now = now
        self._width = width
        self._external: dict[str, int] = {}
        self._keys: dict[str, int] = {}

    def achievement(self, value: str) -> str:
        if value in self._ids:
            return value
        found = self._by_name.get(value.casefold(), [])
        if len(found) == 1:
            return found[0]
        if found:
            raise ValueError(f"{len(found)} micro-credentials are called this; give its id")
        raise ValueError("unknown achievement (neither an id nor a name of yours)")

    def check(self, number: int, cells: dict[str, str], count: int, out: Checked) -> None:
        problems: list[Problem] = []

        def bad(column: str, problem: str) -> None:
            problems.append(Problem(number, column, problem, cells.get(column, "")))

        if count != self._width:
            problems.append(
                Problem(number, "", f"has {count} cells; the header row has {self._width}")
            )
        value = {c: cells.get(c, "").strip() for c in COLUMNS}
        email = ""
        if not value["recipient_email"]:
            bad("recipient_email", "missing")
        else:
            try:
                email = normalise_email(value["recipient_email"])
            except InvalidInput:
                bad("recipient_email", "not a valid e-mail address")
        if len(value["recipient_name"]) > MAX_NAME:
            bad("recipient_name", f"longer than {MAX_NAME} characters")
        achievement_id = ""
        if not value["achievement"]:
            bad("achievement", "missing")
        else:
            try:
                achievement_id = self.achievement(value["achievement"])
            except ValueError as exc:
                bad("achievement", str(exc))
        issued = self._moment(value["issued_on"], "issued_on", bad)
        expires = self._moment(value["expires_on"], "expires_on", bad)
        if issued is not None and issued > self._now:
            bad("issued_on", "in the future")
        if expires is not None and expires <= (issued or self._now):
            bad("expires_on", "not after the issue date" if issued else "already past")
        elif expires is not None and expires <= self._now:
            bad("expires_on", "already past")
        elif expires is None and issued is not None and achievement_id:
            days = self._ids[achievement_id][1]
            if days and issued + timedelta(days=days) <= self._now:
                bad(
                    "issued_on", f"with the micro-credential's {days}-day validity, already expired"
                )
        url = value["evidence_url"] or None
        if url is not None:
            try:
                _url(url)
            except ValueError:
                bad("evidence_url", "not an http(s) URL")
        narrative = value["evidence_narrative"] or None
        if narrative is not None and len(narrative) > MAX_NARRATIVE:
            bad("evidence_narrative", f"longer than {MAX_NARRATIVE:,} characters")
        external = value["external_id"] or None
        if external is not None:
            if len(external) > MAX_EXTERNAL_ID:
                bad("external_id", f"longer than {MAX_EXTERNAL_ID} characters")
            elif external in self._external:
                bad("external_id", f"also on row {self._external[external]}")
            else:
                self._external[external] = number
        if problems:
            out.problems.extend(problems)
            return
        row = BulkRow(
            number,
            email,
            value["recipient_name"] or None,
            achievement_id,
            issued,
            expires,
            url,
            narrative,
            external,
        )
        row.key = idempotency_key(row)
        first = self._keys.setdefault(row.key, number)
        if first != number:
            out.problems.append(
                Problem(
                    number, "", f"the same recipient, achievement and issue date as row {first}"
                )
            )
            return
        out.rows.append(row)

    @staticmethod
    def _moment(value: str, column: str, bad: Callable[[str, str], None]) -> datetime | None:
        if not value:
            return None
        try:
            moment = _date(value)
        except ValueError:
            bad(column, "not an ISO 8601 date (YYYY-MM-DD)")
            return None
        if moment.year < 1970:
            bad(column, "before 1970")
            return None
        return moment


def check_rows(
    parsed: CsvFile, achievements: Mapping[str, tuple[str, int | None]], now: datetime
) -> Checked:
    """Every row's problems, and the rows that have none. ``achievements`` maps the
    organisation's achievement ids to their names and validity in days (a row may name one by
    id or, when the name is unambiguous, by name)."""
    out = Checked()
    rows = _Rows(achievements, now, len(parsed.columns))
    for number, cells, count in parsed.rows:
        rows.check(number, cells, count, out)
    return out
