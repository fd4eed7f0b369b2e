"""`microcred audit --against FILE` as an operator runs it on a real SQLite database: a kept
checkpoint is named as independent evidence, a rolled-back log (newest entry, its checkpoint and
the revocation gone, the status set back) is caught against it and unseen without it, and a
missing, oversized, binary, malformed or forged FILE gets a clear error and a non-zero exit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from procs import run_cli

pytestmark = pytest.mark.e2e


def _ok(*args: str, env: dict[str, str]) -> str:
    r = run_cli(*args, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture
def log_of_four(
    tmp_path: Path,
) -> tuple[dict[str, str], Path, Path, list[tuple[str, str, bytes]]]:
    """Three issuances and a revocation, sequenced as checkpoints 3 and 4; (env, database,
    the checkpoint of size 4 kept by a third party, the status lists before the revocation)."""
    db = tmp_path / "audit.db"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{db}",
        "MICROCRED_PUBLIC_BASE_URL": "http://127.0.0.1:8799",
        "MICROCRED_KEK_SECRETS": "e2e-audit-kek-0123456789",
        "MICROCRED_BLOB_DIR": str(tmp_path / "blobs"),
        "MICROCRED_WITNESSES": "",
    }
    _ok("db", "upgrade", env=env)
    _ok(
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--admin-email",
        "a@acme.test",
        "--admin-password",
        "a long enough password",
        env=env,
    )
    definition = tmp_path / "achievement.json"
    definition.write_text(
        json.dumps({"name": "Forklift safety", "description": "Drives.", "criteria": "Pass."})
    )
    achievement = json.loads(
        _ok("achievement", "create", "--org", "acme", str(definition), env=env)
    )["id"]
    ids = [
        _ok(
            "issue",
            "--org",
            "acme",
            "--achievement",
            achievement,
            "--email",
            f"l{i}@x.test",
            "--out",
            str(tmp_path / f"c{i}.json"),
            env=env,
        ).strip()
        for i in range(3)
    ]
    _ok("log", "sequence", env=env)
    con = sqlite3.connect(db)
    lists = [
        (i, d, bytes(b))
        for i, d, b in con.execute("SELECT id, signed_document, bits FROM status_lists")
    ]
    con.close()
    _ok("revoke", "--org", "acme", ids[0], "--reason", "withdrawn", env=env)
    assert "checkpoint 4 " in _ok("log", "sequence", env=env)
    con = sqlite3.connect(db)
    (note,) = con.execute("SELECT note FROM log_checkpoints WHERE size = 4").fetchone()
    con.close()
    kept = tmp_path / "kept.note"
    kept.write_text(note)
    return env, db, kept, lists


def test_audit_against_a_kept_checkpoint_catches_a_rollback(log_of_four) -> None:
    env, db, kept, lists = log_of_four
    clean = run_cli("audit", "--against", str(kept), env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"compared with checkpoint file {kept}: checkpoint of size 4" in clean.stdout
    assert "WARNING" not in clean.stdout and "own checkpoints only" not in clean.stdout

    # the rollback: the newest entry, its tree nodes and checkpoint go; the status is set back
    con = sqlite3.connect(db)
    con.executescript(
        """
        DELETE FROM log_checkpoints WHERE size = 4;
        DELETE FROM log_nodes WHERE (level, idx) IN ((0, 3), (1, 1), (2, 0));
        DELETE FROM log_entries WHERE leaf_index = 3;
        DELETE FROM status_changes;
        UPDATE credentials SET status = 'active';
        """
    )
    con.executemany(
        "UPDATE status_lists SET signed_document = ?, bits = ? WHERE id = ?",
        [(d, b, i) for i, d, b in lists],
    )
    con.commit()
    con.close()
    silent = run_cli("audit", env=env)
    assert silent.returncode == 0, silent.stdout + silent.stderr
    assert "WARNING: No independent evidence" in silent.stdout
    assert "(this database's own checkpoints only)" in silent.stdout

    caught = run_cli("audit", "--json", "--against", str(kept), env=env)
    assert caught.returncode == 1, caught.stdout + caught.stderr
    report = json.loads(caught.stdout)
    assert not report["clean"] and report["entries"] == 3 and report["warnings"] == []
    assert report["independent_evidence"] == [f"checkpoint file {kept}: checkpoint of size 4"]
    [rollback] = [f for f in report["findings"] if f["kind"] == "rollback"]
    assert "4 entries" in rollback["message"] and "now has 3" in rollback["message"]


def test_audit_refuses_a_file_that_is_no_checkpoint(log_of_four, tmp_path: Path) -> None:
    env, _db, kept, _lists = log_of_four
    cases = {
        "missing": (tmp_path / "absent.note", "cannot be read"),
        "oversized": (tmp_path / "big.note", "at most 131072 bytes"),
        "binary": (tmp_path / "binary.note", "is not a checkpoint note"),
        "garbage": (tmp_path / "garbage.note", "is not a checkpoint note"),
        "a note, no checkpoint": (tmp_path / "prose.note", "is not a checkpoint note"),
    }
    (tmp_path / "big.note").write_text("x" * 200_000)
    (tmp_path / "binary.note").write_bytes(b"\xff\xfe\x00\x01" * 64)
    (tmp_path / "garbage.note").write_text("<html>not a note</html>\n")
    note_text, _, signatures = kept.read_text().partition("\n\n")
    (tmp_path / "prose.note").write_text("hello\n\n" + signatures)
    for what, (path, expected) in cases.items():
        r = run_cli("audit", "--against", str(path), env=env)
        assert r.returncode == 2, (what, r.stdout, r.stderr)
        assert r.stderr.startswith(f"error: {path} ") and expected in r.stderr, (what, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == "", what

    # well formed, but not signed by this log: named as a forged checkpoint, exit 1
    lines = note_text.splitlines()
    forged = tmp_path / "forged.note"
    forged.write_text("\n".join([lines[0], "5", lines[2]]) + "\n\n" + signatures)
    r = run_cli("audit", "--json", "--against", str(forged), env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    findings = json.loads(r.stdout)["findings"]
    assert [f["kind"] for f in findings] == ["checkpoint_forged"], findings
    assert str(forged) in findings[0]["message"]
