"""Bulk issuance from CSV on real SQLite and PostgreSQL: reading hostile files, the per-row
report, idempotency, a crash in the middle of a run, races and organisations kept apart."""

from __future__ import annotations

import codecs
import io
import threading
from typing import Any

import pytest
from sqlalchemy import text

from microcred.bootstrap import Container
from microcred.domain.identity import Principal
from microcred.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from microcred.ports.credentials import BulkRowState, BulkState
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.bulk import BULK_JOB
from microcred.services.identity.service import principal_of

HEADER = (
    "Recipient E-mail,Name,Achievement,Issue date,Expiry date,Evidence URL,Narrative,External ID"
)


def _org(c: Container, slug: str = "acme") -> Principal:
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password="a long enough password",
    )
    return principal_of(admin)


def _achievement(c: Container, p: Principal, name: str = "Kubernetes Basics") -> str:
    return c.achievements.create(
        p,
        AchievementInput(
            name=name,
            description="Deploys and debugs workloads.",
            criteria_narrative="Deploy a service with a health check and fix a broken pod.",
            validity_days=365,
        ),
    ).id


def _csv(rows: list[str], header: str = HEADER) -> io.BytesIO:
    return io.BytesIO(("\r\n".join([header, *rows]) + "\r\n").encode())


def _rows(aid: str, n: int, start: int = 0) -> list[str]:
    return [
        f"learner{i}@example.org,Learner {i},{aid},2026-10-{1 + i % 28:02d},,"
        f"https://work.example.org/{i},Built it,EXT-{i}"
        for i in range(start, start + n)
    ]


def _count(c: Container, table: str, org: str | None = None) -> int:
    where = f" WHERE organisation_id = '{org}'" if org else ""
    with c.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}{where}")).scalar() or 0)


def _drain(c: Container) -> None:
    c.jobs.drain()


@pytest.fixture
def acme(container: Container) -> tuple[Principal, str]:
    p = _org(container)
    return p, _achievement(container, p)


def test_a_valid_file_checks_then_issues_once_per_row(container: Container, acme) -> None:
    p, aid = acme
    rows = _rows(aid, 5)
    rows[1] = (
        'learner1@example.org,"Doe, Jane",Kubernetes Basics,2026-10-02,2027-06-30,,'
        '"Line one\nline ""two""",EXT-1'
    )
    data = codecs.BOM_UTF8 + _csv(rows).getvalue()
    run = container.bulk.upload(p, io.BytesIO(data), "people.csv", dry_run=True)
    assert run.state is BulkState.CHECKED
    assert (run.total_rows, run.problem_rows, run.issued) == (5, 0, 0)
    assert _count(container, "credentials") == 0, "a dry run issues nothing"
    assert container.bulk.confirm(p, run.id).state is BulkState.QUEUED
    with pytest.raises(Conflict):
        container.bulk.confirm(p, run.id)
    _drain(container)
    done = container.bulk.get(p, run.id)
    assert done.state is BulkState.DONE
    assert (done.issued, done.already_issued, done.failed, done.processed) == (5, 0, 0, 5)
    assert _count(container, "credentials") == 5
    page, total = container.bulk.rows(p, run.id, problems_only=False)
    assert total == 5
    assert all(r.state is BulkRowState.ISSUED and r.credential_id for r in page)
    second = container.credentials.get(p, page[1].credential_id or "")
    subject = second.document["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] != "learner1@example.org"
    assert second.document["validFrom"].startswith("2026-10-02")
    assert second.document["validUntil"].startswith("2027-06-30")
    assert second.document["evidence"][0]["narrative"] == 'Line one\nline "two"'
    report = container.verification.verify(second.document)
    assert report.verified, [c for c in report.checks if c.status.value == "failed"]


def test_utf16_with_bom_and_aliases_are_read(container: Container, acme) -> None:
    p, aid = acme
    body = "\r\n".join(["email,ACHIEVEMENT_ID,  Full Name ", f"zoë@example.org,{aid},Zoë Ã"])
    data = body.encode("utf-16")  # with its byte-order mark
    run = container.bulk.upload(p, io.BytesIO(data), "u16.csv", dry_run=True)
    assert (run.total_rows, run.problem_rows) == (1, 0)
    page, _ = container.bulk.rows(p, run.id, problems_only=False)
    assert page[0].name == "Zoë Ã"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email,achievement\r\nzoé@example.org,x\r\n".encode("latin-1"), "not valid UTF-8"),
        (b'email,achievement\r\na@example.org,"open quote\r\nb@example.org,x\r\n', "never closed"),
        (b'email,achievement\r\na@example.org,"x"y\r\n', "closing quote"),
        ("email,achievement\r\na@b.org,x\r\n".encode("utf-16-le"), "NUL"),
        ("email,achievement\r\n".encode("utf-32"), "UTF-32"),
        (b"email,colour\r\na@b.org,red\r\n", "Unknown column"),
        (b"email,mail_address\r\n", "Unknown column"),
        (b"email,e-mail,achievement\r\n", "appears twice"),
        (b"name\r\nJo\r\n", "lacks the column"),
        (b"", "empty"),
        (b"email,achievement\r\n\r\n", "no rows"),
    ],
)
def test_unreadable_files_are_refused_whole(container: Container, acme, data, message) -> None:
    p, _ = acme
    with pytest.raises(InvalidInput) as caught:
        container.bulk.upload(p, io.BytesIO(data), "bad.csv", dry_run=False)
    assert message in caught.value.explain()
    assert _count(container, "bulk_runs") == 0
    assert _count(container, "credentials") == 0


class _Endless(io.RawIOBase):
    """A never-ending CSV upload that counts what was read from it."""

    def __init__(self, aid: str) -> None:
        self.read_bytes = 0
        self._line = f"x@example.org,{aid},{'n' * 1000}\r\n".encode()
        self._head = b"email,achievement,narrative\r\n"

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._head if self._head else self._line * max(1, size // len(self._line))
        self._head = b""
        self.read_bytes += len(chunk)
        return chunk


def test_a_file_over_50_mb_is_refused_without_reading_it_all(container: Container, acme) -> None:
    p, aid = acme
    source = _Endless(aid)
    with pytest.raises(PayloadTooLarge, match="larger than 50 MB"):
        container.bulk.upload(p, source, "huge.csv", dry_run=True)  # type: ignore[arg-type]
    assert source.read_bytes <= 50 * 1024 * 1024 + 128 * 1024
    assert _count(container, "bulk_runs") == 0


def test_too_many_rows_are_refused(container: Container, acme) -> None:
    p, aid = acme
    container.bulk.max_rows = 10
    with pytest.raises(PayloadTooLarge, match="more than 10 rows"):
        container.bulk.upload(p, _csv(_rows(aid, 11)), "x.csv", dry_run=True)
    assert len(container.bulk.upload(p, _csv(_rows(aid, 10)), "x.csv", dry_run=True).id) == 36


def test_every_row_problem_is_reported_and_nothing_is_issued(
    container: Container, acme, clock
) -> None:
    p, aid = acme
    other = _achievement(container, p, "Helm")
    _achievement(container, p, "Twin")
    _achievement(container, p, "twin ")
    rows = [
        f"ok@example.org,Ok,{aid},2026-10-01,,,,A",
        f"not-an-email,Bad,{aid},,,,,B",
        "x@example.org,,No Such Thing,,,,,C",
        "y@example.org,,Twin,,,,,D",
        f"z@example.org,,{aid},01/10/2026,,,,E",
        f"z@example.org,,{aid},2026-10-05,2026-10-01,,,F",
        f"z@example.org,,{aid},2099-01-01,,,,G",
        f"w@example.org,,{aid},,,javascript:alert(1),,H",
        f"v@example.org,,{aid},,,,{'n' * 10_001},I",
        "u@example.org,,helm,,,,,A",
        f"t@example.org,,{other},,,,,J,extra",
        f"s@example.org,,{aid},2020-01-01,,,,K",
        '=HYPERLINK("http://evil"),@SUM(1),+cmd,-1,,,,L',
    ]
    run = container.bulk.upload(p, _csv(rows), "bad.csv", dry_run=False)
    assert run.state is BulkState.REJECTED
    assert run.problem_rows == 12
    page, total = container.bulk.rows(p, run.id)
    assert total == 12
    found = {(r.row, col, problem) for r in page for col, problem, _ in r.problems}
    expected = {
        (3, "recipient_email", "not a valid e-mail address"),
        (4, "achievement", "unknown achievement (neither an id nor a name of yours)"),
        (5, "achievement", "2 micro-credentials are called this; give its id"),
        (6, "issued_on", "not an ISO 8601 date (YYYY-MM-DD)"),
        (7, "expires_on", "not after the issue date"),
        (8, "issued_on", "in the future"),
        (9, "evidence_url", "not an http(s) URL"),
        (10, "evidence_narrative", "longer than 10,000 characters"),
        (11, "external_id", "also on row 2"),
        (12, "", "has 9 cells; the header row has 8"),
        (13, "issued_on", "with the micro-credential's 365-day validity, already expired"),
        (14, "recipient_email", "not a valid e-mail address"),
        (14, "achievement", "unknown achievement (neither an id nor a name of yours)"),
        (14, "issued_on", "not an ISO 8601 date (YYYY-MM-DD)"),
    }
    assert expected <= found, expected - found
    formula = next(r for r in page if r.row == 14)
    assert ("recipient_email", "not a valid e-mail address", '=HYPERLINK("http://evil")') in (
        formula.problems
    )
    with pytest.raises(InvalidInput, match="12 row"):
        container.bulk.confirm(p, run.id)
    _drain(container)
    assert _count(container, "credentials") == 0
    assert _count(container, "bulk_issuance_keys") == 0


def test_formula_cells_are_kept_as_plain_data(container: Container, acme) -> None:
    p, aid = acme
    rows = [f"f@example.org,\"=cmd|' /C calc'!A0\",{aid},,,,@SUM(A1:A9),+1-2"]
    run = container.bulk.upload(p, _csv(rows), "f.csv", dry_run=False)
    assert run.state is BulkState.QUEUED
    _drain(container)
    page, _ = container.bulk.rows(p, run.id, problems_only=False)
    credential = container.credentials.get(p, page[0].credential_id or "")
    assert page[0].name == "=cmd|' /C calc'!A0"  # kept as text (credentials carry no name)
    assert credential.document["evidence"][0]["narrative"] == "@SUM(A1:A9)"


def test_the_same_file_twice_issues_nothing_twice(container: Container, acme) -> None:
    p, aid = acme
    no_external = [f"n{i}@example.org,,{aid},2026-10-01,,,," for i in range(3)]
    data = _csv([*_rows(aid, 4), *no_external]).getvalue()
    first = container.bulk.upload(p, io.BytesIO(data), "a.csv", dry_run=False)
    _drain(container)
    assert container.bulk.get(p, first.id).issued == 7
    again = container.bulk.upload(p, io.BytesIO(data), "a-again.csv", dry_run=True)
    assert (again.already_issued, again.problem_rows) == (7, 0)
    page, _ = container.bulk.rows(p, again.id, problems_only=False)
    issued_first, _ = container.bulk.rows(p, first.id, problems_only=False)
    assert [r.credential_id for r in page] == [r.credential_id for r in issued_first]
    assert {r.state for r in page} == {BulkRowState.ALREADY_ISSUED}
    container.bulk.confirm(p, again.id)
    _drain(container)
    assert container.bulk.get(p, again.id).state is BulkState.DONE
    assert _count(container, "credentials") == 7
    # two uploads queued before either ran: the second finds the first's keys when it runs
    q1 = container.bulk.upload(p, _csv(_rows(aid, 3, start=10)), "b.csv", dry_run=False)
    q2 = container.bulk.upload(p, _csv(_rows(aid, 3, start=10)), "b.csv", dry_run=False)
    _drain(container)
    one, two = container.bulk.get(p, q1.id), container.bulk.get(p, q2.id)
    assert (one.issued, two.issued, two.already_issued) == (3, 0, 3)
    assert _count(container, "credentials") == 10


def test_a_crash_mid_run_resumes_without_duplicates(
    container: Container, acme, clock, monkeypatch
) -> None:
    p, aid = acme
    container.bulk.chunk_rows = 4
    real = container.issuance.issue_within
    calls = {"n": 0}

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 7:  # the third row of the second chunk
            raise RuntimeError("the worker died")
        return real(*args, **kwargs)

    monkeypatch.setattr(container.issuance, "issue_within", crashing)
    run = container.bulk.upload(p, _csv(_rows(aid, 10)), "c.csv", dry_run=False)
    container.jobs.run_once()  # the bulk job: chunk 1 commits, chunk 2 dies
    halfway = container.bulk.get(p, run.id)
    assert halfway.state is BulkState.RUNNING
    assert (halfway.issued, halfway.attempts) == (4, 1)
    assert halfway.error is not None and "internal error" in halfway.error
    assert _count(container, "credentials") == 4, "the broken chunk left nothing behind"
    clock.advance(minutes=5)
    _drain(container)
    done = container.bulk.get(p, run.id)
    assert (done.state, done.issued, done.failed, done.error) == (BulkState.DONE, 10, 0, None)
    assert _count(container, "credentials") == 10
    assert _count(container, "bulk_issuance_keys") == 10
    page, _ = container.bulk.rows(p, run.id, problems_only=False)
    assert len({r.credential_id for r in page}) == 10


def test_a_run_that_keeps_failing_gives_up(container: Container, acme, clock, monkeypatch) -> None:
    p, aid = acme

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("still broken")

    monkeypatch.setattr(container.issuance, "issue_within", broken)
    run = container.bulk.upload(p, _csv(_rows(aid, 2)), "g.csv", dry_run=False)
    for _ in range(6):
        container.jobs.drain()
        clock.advance(minutes=10)
    failed = container.bulk.get(p, run.id)
    assert failed.state is BulkState.FAILED
    assert failed.attempts == 5
    assert _count(container, "credentials") == 0


def test_a_row_that_cannot_be_issued_fails_alone(container: Container, acme, monkeypatch) -> None:
    p, aid = acme
    real = container.issuance.issue_within

    def picky(uow: Any, org: str, request: Any) -> Any:
        if request.recipient.email == "learner2@example.org":
            raise NotFound("No such achievement in your organisation.")
        return real(uow, org, request)

    monkeypatch.setattr(container.issuance, "issue_within", picky)
    run = container.bulk.upload(p, _csv(_rows(aid, 4)), "r.csv", dry_run=False)
    _drain(container)
    done = container.bulk.get(p, run.id)
    assert (done.state, done.issued, done.failed) == (BulkState.DONE, 3, 1)
    page, total = container.bulk.rows(p, run.id)
    assert total == 1
    assert page[0].row == 4
    assert page[0].problems[0][1] == "No such achievement in your organisation."
    assert _count(container, "credentials") == 3


def test_organisations_cannot_see_or_use_each_other(container: Container, acme) -> None:
    p, aid = acme
    other = _org(container, "globex")
    foreign = _achievement(container, other, "Globex Only")
    run = container.bulk.upload(p, _csv(_rows(aid, 2)), "a.csv", dry_run=True)
    with pytest.raises(NotFound):
        container.bulk.get(other, run.id)
    with pytest.raises(NotFound):
        container.bulk.rows(other, run.id)
    with pytest.raises(NotFound):
        container.bulk.confirm(other, run.id)
    assert container.bulk.runs(other) == []
    mixed = container.bulk.upload(
        p,
        _csv([f"a@example.org,,{foreign},,,,,", "b@example.org,,Globex Only,,,,,"]),
        "m.csv",
        dry_run=True,
    )
    page, _ = container.bulk.rows(p, mixed.id)
    assert [(r.row, r.problems[0][0], r.problems[0][1][:7]) for r in page] == [
        (2, "achievement", "unknown"),
        (3, "achievement", "unknown"),
    ]
    # the same external id in another organisation is another row
    container.bulk.confirm(p, run.id)
    theirs = container.bulk.upload(other, _csv(_rows(foreign, 2)), "o.csv", dry_run=False)
    _drain(container)
    assert container.bulk.get(other, theirs.id).issued == 2


def test_a_learner_cannot_bulk_issue(container: Container, acme) -> None:
    from microcred.domain.identity import Role, permissions_of
    from microcred.errors import PermissionDenied

    p, aid = acme
    learner = Principal(
        "u1", p.organisation_id, Role.LEARNER, "l@acme.test", permissions_of(Role.LEARNER)
    )
    with pytest.raises(PermissionDenied):
        container.bulk.upload(learner, _csv(_rows(aid, 1)), "x.csv", dry_run=True)


def test_two_workers_racing_on_the_same_rows_issue_each_once(
    container: Container, acme, database_url, monkeypatch
) -> None:
    """Two runs of one file processed at the same moment: both see no key, the unique key
    lets one commit and sends the other back to find "already issued". (SQLite serialises
    write transactions, so this race can only happen on PostgreSQL.)"""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race cannot happen there")
    p, aid = acme
    data = _csv(_rows(aid, 3)).getvalue()
    a = container.bulk.upload(p, io.BytesIO(data), "a.csv", dry_run=False)
    b = container.bulk.upload(p, io.BytesIO(data), "b.csv", dry_run=False)
    real = container.issuance.issue_within
    raced = threading.Event()

    def racing(*args: Any, **kwargs: Any) -> Any:
        if not raced.is_set():
            raced.set()  # while b's chunk is open, a's commits the same keys
            worker = threading.Thread(target=container.bulk._chunk, args=(p.organisation_id, a.id))
            worker.start()
            worker.join(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(container.issuance, "issue_within", racing)
    assert container.bulk._chunk(p.organisation_id, b.id) is True
    page, _ = container.bulk.rows(p, b.id, problems_only=False)
    assert {r.state for r in page} == {BulkRowState.ALREADY_ISSUED}
    assert _count(container, "credentials") == 3
    assert _count(container, "bulk_issuance_keys") == 3


def test_the_bulk_tables_are_exactly_the_migrated_schema(database_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, inspect

    from microcred.adapters.db import migrate
    from microcred.adapters.db.tables import Base

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert [d for d in diffs if "bulk_" in repr(d)] == []
        bulk = {"bulk_runs", "bulk_run_rows", "bulk_issuance_keys"}
        command.downgrade(migrate.alembic_config(database_url), "0007")
        assert not bulk & set(inspect(engine).get_table_names())
        migrate.upgrade(database_url)
        assert bulk <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_job_kind_is_wired(container: Container) -> None:
    assert container.jobs.handlers[BULK_JOB] == container.bulk.run


def test_a_big_run_hands_its_rest_to_follow_up_jobs(container: Container, acme) -> None:
    p, aid = acme
    container.bulk.chunk_rows, container.bulk.chunks_per_job = 2, 2
    run = container.bulk.upload(p, _csv(_rows(aid, 7)), "big.csv", dry_run=False)
    assert container.jobs.run_once()
    partial = container.bulk.get(p, run.id)
    assert (partial.state, partial.issued, partial.processed) == (BulkState.RUNNING, 4, 4)
    with container.uow() as uow:
        assert uow.jobs.pending(BULK_JOB) == 1
    _drain(container)
    done = container.bulk.get(p, run.id)
    assert (done.state, done.issued) == (BulkState.DONE, 7)
