"""The bulk-issuance CSV reader and row checks, without a database."""

from __future__ import annotations

import codecs
import io
from datetime import UTC, datetime

import pytest

from microcred.credentials.bulk_csv import (
    BulkRow,
    check_rows,
    header_key,
    idempotency_key,
    read_csv,
)
from microcred.errors import PayloadTooLarge

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
CATALOGUE = {"a1": ("Kubernetes Basics", None), "a2": ("Helm", 30)}


def _read(text: str, **kwargs: int):
    return read_csv(io.BytesIO(text.encode()), **kwargs)


def test_headers_are_compared_without_case_spaces_or_dashes() -> None:
    assert header_key("  Recipient E-Mail ") == "recipient_e_mail"
    parsed = _read(
        " E-mail ,ACHIEVEMENT id, Issue  Date\nA@Example.org,a1,2026-10-01T09:30:00+02:00\n"
    )
    assert parsed.columns == ("recipient_email", "achievement", "issued_on")
    checked = check_rows(parsed, CATALOGUE, NOW)
    assert checked.problems == []
    row = checked.rows[0]
    assert row.email == "a@example.org"
    assert row.issued_on == datetime(2026, 10, 1, 7, 30, tzinfo=UTC)


def test_utf16_big_endian_with_bom_and_row_numbers_across_blank_lines() -> None:
    data = codecs.BOM_UTF16_BE + "email,achievement\n\nx@y.org,Helm\n\n\nbad,a1\n".encode(
        "utf-16-be"
    )
    parsed = read_csv(io.BytesIO(data))
    assert [n for n, _, _ in parsed.rows] == [3, 6]
    checked = check_rows(parsed, CATALOGUE, NOW)
    assert [r.achievement_id for r in checked.rows] == ["a2"]
    assert [(p.row, p.column) for p in checked.problems] == [(6, "recipient_email")]


def test_fewer_cells_than_the_header_is_a_row_problem() -> None:
    checked = check_rows(_read("email,achievement,name\nx@y.org,a1\n"), CATALOGUE, NOW)
    assert [(p.row, p.column, p.problem) for p in checked.problems] == [
        (2, "", "has 2 cells; the header row has 3")
    ]


def test_the_row_cap_stops_reading() -> None:
    body = "email,achievement\n" + "x@y.org,a1\n" * 1000
    source = io.BytesIO(body.encode())
    with pytest.raises(PayloadTooLarge):
        read_csv(source, max_rows=10)
    assert source.tell() < len(body)  # the rest of the file was never read


def test_the_byte_cap_counts_the_whole_file_and_the_hash_is_of_the_bytes() -> None:
    text = "email,achievement\n" + "x@y.org,a1\n" * 10
    with pytest.raises(PayloadTooLarge):
        _read(text, max_bytes=50)
    parsed = _read(text)
    import hashlib

    assert parsed.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert parsed.size == len(text)


def _row(**kw: object) -> BulkRow:
    base: dict[str, object] = {
        "row": 2,
        "email": "x@y.org",
        "name": None,
        "achievement_id": "a1",
        "issued_on": None,
        "expires_on": None,
        "evidence_url": None,
        "evidence_narrative": None,
        "external_id": None,
    }
    return BulkRow(**(base | kw))  # type: ignore[arg-type]


def test_idempotency_keys() -> None:
    assert idempotency_key(_row(external_id="E1")) == idempotency_key(
        _row(external_id="E1", email="other@y.org", achievement_id="a2")
    )
    assert idempotency_key(_row()) != idempotency_key(_row(achievement_id="a2"))
    day = datetime(2026, 10, 1, 9, tzinfo=UTC)
    assert idempotency_key(_row(issued_on=day)) == idempotency_key(
        _row(issued_on=day.replace(hour=17))
    )
    assert idempotency_key(_row(issued_on=day)) != idempotency_key(_row())
    assert "x@y.org" not in idempotency_key(_row())


def test_without_external_ids_a_repeated_row_is_a_problem() -> None:
    checked = check_rows(
        _read("email,achievement\nx@y.org,a1\nX@Y.org ,Kubernetes basics\n"), CATALOGUE, NOW
    )
    assert [(p.row, p.problem) for p in checked.problems] == [
        (3, "the same recipient, achievement and issue date as row 2")
    ]
