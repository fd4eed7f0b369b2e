"""``export --static`` in process (real SQLite and PostgreSQL): what goes in (public credentials
at their id, status lists re-signed for the long window, DID documents, the log's checkpoint and
every tile the latest tree needs, pages rendered by the server's templates) and what stays out
(private credentials); the folder is all or nothing. The online check with the server stopped
is tests/e2e/test_static_export.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from microcred.bootstrap import Container
from microcred.cli.static_site import check_target, write_static
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Role
from microcred.errors import InvalidInput
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.portability.static import tile_paths
from microcred.transparency.tiles import parse_tile_path, tile_at


def _seed(c: Container) -> tuple[str, list[str]]:
    _, admin = c.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p, AchievementInput(name="Forklift safety", description="D.", criteria_narrative="Pass.")
    ).id
    ids = [
        c.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test"))).id for i in range(3)
    ]
    c.credentials.change_status(p, ids[0], StatusAction.REVOKE, "cheated")
    learner = c.identity.add_user(
        p, email="l2@x.test", name="L", role=Role.LEARNER, password="learner password!"
    )
    c.credentials.set_private(principal_of(learner), ids[2], True)
    c.jobs.drain()
    return aid, ids


def test_the_public_part_and_only_it(container: Container, tmp_path: Path) -> None:
    aid, ids = _seed(container)
    site = tmp_path / "site"
    summary = write_static(container, site, None, 365)
    assert (summary.credentials, summary.skipped_private, summary.status_lists) == (2, 1, 1)
    for cid in ids[:2]:
        on_disk = json.loads((site / "credentials" / cid).read_text())
        assert on_disk == container.public.credential(cid).document
        assert (site / "credentials" / f"{cid}.tlog-proof").read_text().startswith("c2sp.org/")
    assert not (site / "credentials" / ids[2]).exists()  # private: out
    assert ids[2] not in (site / "index.html").read_text()
    assert ids[2] not in (site / "index.json").read_text()
    # the status list: the stored bits, re-signed with the long window, and it verifies
    doc = container.public.credential(ids[0]).document
    list_id = doc["credentialStatus"]["statusListCredential"].rsplit("/", 1)[1]
    status = json.loads((site / "status" / list_id).read_text())
    until = datetime.fromisoformat(status["validUntil"].replace("Z", "+00:00"))
    assert until - container.clock.now() > timedelta(days=364)
    report = container.verification.verify(
        doc, documents={doc["credentialStatus"]["statusListCredential"]: status}
    )
    assert report.get("proof").status.value == "passed"
    assert report.get("status").status.value == "failed"  # revoked in the copy too
    # DID document, log, pages
    did = json.loads((site / "orgs" / "acme" / "did.json").read_text())
    assert did == container.public.did_document("acme")
    assert (site / "log" / "checkpoint").read_text() == container.public_log.checkpoint()
    for path in tile_paths(summary.log_size):
        assert (site / "log" / "tile" / path).read_bytes() == container.public_log.tile(path).body
    page = (site / "orgs" / "acme" / "achievements" / aid / "index.html").read_text()
    assert "Forklift safety" in page and "<html" in page
    assert (site / "static" / "style.css").exists()
    listed = json.loads((site / "index.json").read_text())
    assert len(listed["files"]) == summary.files - 1  # every file but the index itself


def test_tile_paths_are_exactly_the_tiles_a_tree_has() -> None:
    assert tile_paths(0) == []
    assert tile_paths(1) == ["0/000.p/1", "entries/000.p/1"]
    assert tile_paths(256) == ["0/000", "entries/000", "1/000.p/1"]
    for size in (5, 256, 257, 70_000):
        paths = tile_paths(size)
        assert len(paths) == len(set(paths))
        for path in paths:
            tile = parse_tile_path("tile/" + path)
            level = tile.level if not tile.is_entries else 0
            found = tile_at(level, tile.index, size)
            assert found is not None and found.width == tile.width, (size, path)


def test_the_folder_is_all_or_nothing(container: Container, tmp_path: Path) -> None:
    _seed(container)
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep")
    with pytest.raises(InvalidInput, match="not empty"):
        write_static(container, full, None, 365)
    assert [p.name for p in full.iterdir()] == ["mine.txt"]
    with pytest.raises(InvalidInput, match="not a folder"):
        check_target(full / "mine.txt")
    with pytest.raises(InvalidInput, match="cannot be written"):
        check_target(full / "mine.txt" / "site")
    with pytest.raises(InvalidInput, match="between 1 and 36500"):
        write_static(container, tmp_path / "bad", None, 0)
    assert not (tmp_path / "bad").exists()
    assert not list(tmp_path.glob(".static-*"))  # the work folder is gone
    empty = tmp_path / "empty"
    empty.mkdir()
    write_static(container, empty, None, 30)
    assert (empty / "README.md").read_text().startswith("# A static copy of")


def test_a_credential_not_yet_logged_goes_without_its_proof(
    container: Container, tmp_path: Path
) -> None:
    aid, ids = _seed(container)
    with container.uow() as uow:
        org = uow.organisations.by_slug("acme")
        admin = uow.tenant(org.id).users.by_email("a@acme.test")
    late = container.issuance.issue(
        principal_of(admin), IssueRequest(aid, Recipient(email="late@x.test"))
    ).id  # no job drained: not sequenced
    site = tmp_path / "site"
    summary = write_static(container, site, None, 365)
    assert summary.credentials == 3
    assert (site / "credentials" / late).exists()
    assert not (site / "credentials" / f"{late}.tlog-proof").exists()
    assert (site / "credentials" / f"{ids[1]}.tlog-proof").exists()
