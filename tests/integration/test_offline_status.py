"""``microcred vc verify --offline --policy`` (the real command, in a subprocess) reports a
revocation that is in the log: the credential's tlog-proof carries its latest status change
with an inclusion proof in the same checkpoint. Without one, the result says the status was not
checked; bundles in the original form still verify. Real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from microcred.bootstrap import Container
from microcred.domain.credential import Recipient, StatusAction
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of
from microcred.services.ledger.service import log_policy, tlog_proof
from microcred.transparency.proof import TlogProof
from microcred.transparency.status_proof import EXTRA_HEADER


def _verify(folder: Path, name: str) -> tuple[int, str, dict]:
    args = [sys.executable, "-m", "microcred.cli.main", "vc", "verify", "--offline"]
    args += ["--policy", str(folder / "policy.txt")]
    text = subprocess.run(
        [*args, str(folder / name)], capture_output=True, text=True, timeout=120, check=False
    )
    as_json = subprocess.run(
        [*args, "--json", str(folder / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert as_json.returncode == text.returncode
    return text.returncode, text.stdout, json.loads(as_json.stdout)


def test_offline_verification_reports_a_logged_revocation(
    container: Container, tmp_path: Path
) -> None:
    _, admin = container.identity.create_organisation(
        slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long enough password"
    )
    p = principal_of(admin)
    aid = container.achievements.create(
        p, AchievementInput(name="Welding", description="MIG.", criteria_narrative="Bench test.")
    ).id
    kept, revoked = (
        container.issuance.issue(p, IssueRequest(aid, Recipient(email=f"l{i}@x.test")))
        for i in range(2)
    )
    container.jobs.drain()
    with container.uow() as uow:
        old_bundle = tlog_proof(uow, revoked.id, 0).format()  # before the revocation
    container.credentials.change_status(p, revoked.id, StatusAction.REVOKE, "withdrawn")
    container.jobs.drain()
    with container.uow() as uow:
        vkey = container.ledger.keys.verifier(uow).vkey
        bundles = {c.id: tlog_proof(uow, c.id, 0) for c in (kept, revoked)}
    (tmp_path / "policy.txt").write_text(log_policy(vkey, "https://issuer.test/log", [], 0))
    for name, credential in (("kept.json", kept), ("revoked.json", revoked)):
        (tmp_path / name).write_text(json.dumps(credential.document))
        (tmp_path / f"{name}.tlog-proof").write_text(bundles[credential.id].format())
    # with no status change the bundle keeps the original form: the bare issuance entry
    assert not (TlogProof.parse(old_bundle).extra or b"").startswith(EXTRA_HEADER)
    assert (bundles[revoked.id].extra or b"").startswith(EXTRA_HEADER)

    code, out, report = _verify(tmp_path, "revoked.json")
    checks = {c["check"]: c for c in report["checks"]}
    assert code == 1 and "NOT VERIFIED" in out, out
    assert checks["log_inclusion"]["status"] == "passed"
    assert checks["log_status"]["status"] == "failed"
    assert "revoked this credential" in checks["log_status"]["message"]

    code, out, report = _verify(tmp_path, "kept.json")
    assert code == 0 and "VERIFIED, STATUS NOT CHECKED" in out, out
    assert report["verified"] is True and report["status_checked"] is False
    assert {c["check"]: c["status"] for c in report["checks"]}["log_status"] == "skipped"

    # a bundle in the original form (fetched before the revocation) still verifies its
    # inclusion, and the result says plainly that the status was not checked
    (tmp_path / "revoked.json.tlog-proof").write_text(old_bundle)
    code, out, report = _verify(tmp_path, "revoked.json")
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["log_inclusion"]["status"] == "passed"
    assert (
        checks["log_status"]["status"] == "skipped"
        and "Status not checked" in (checks["log_status"]["message"])
    )
    assert report["status_checked"] is False and "STATUS NOT CHECKED" in out
