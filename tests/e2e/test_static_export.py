"""The static export outlives microcred: credentials issued by the real server at
http://127.0.0.1:PORT, one revoked, `microcred export --static DIR`, the server STOPPED, DIR
served by `python -m http.server` on the same port. Then, online against that static host:
`microcred vc verify` (signature, status list fetched from the host: the revoked one is revoked,
log proof under the served tlog-policy), `microcred log monitor` (checkpoint signature, every
tile and entry bundle), each credential's inclusion proof recomputed from the served tiles
against the served checkpoint, and the DCC verifier on documents fetched from the host."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dcc_verifier import ensure_installed, run_dcc_verifier
from procs import Api, run_cli, start_server, wait_for

from microcred.credentials.schema import ACHIEVEMENT_CREDENTIAL_SCHEMA
from microcred.transparency.checkpoint import open_checkpoint
from microcred.transparency.merkle import leaf_hash, verify_inclusion
from microcred.transparency.note import Ed25519NoteVerifier
from microcred.transparency.policy import Policy
from microcred.transparency.proof import TlogProof
from microcred.transparency.tiles import TiledLog

pytestmark = pytest.mark.e2e


def _serve_static(directory: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=directory,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/index.html", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, timeout=30, what="python -m http.server")
    return proc


class _HttpTiles:
    def __init__(self, base: str) -> None:
        self.base = base

    def read_tiles(self, tiles):  # type: ignore[no-untyped-def]
        return [httpx.get(f"{self.base}/log/{t.path}", timeout=10).content for t in tiles]


def test_static_export_verifies_online_with_microcred_stopped(tmp_path: Path) -> None:
    server, base, env = start_server(
        tmp_path,
        MICROCRED_ALLOW_INSECURE_HTTP="true",
        MICROCRED_FETCH_ALLOW_NETWORKS="127.0.0.1/32",
        MICROCRED_LEDGER_INTERVAL_MS="50",
    )
    port = int(base.rsplit(":", 1)[1])
    api = Api(base)
    try:
        auth = api.register("acme", "Acme Training")
        achievement = api.http.post(
            "/api/v1/achievements",
            headers=auth,
            json={
                "name": "Forklift safety",
                "description": "Drives a forklift safely.",
                "criteria": "Pass the practical test.",
            },
        ).json()
        issued = []
        for i in range(3):
            r = api.http.post(
                "/api/v1/credentials",
                headers=auth,
                json={
                    "achievement_id": achievement["id"],
                    "recipient": {"email": f"learner{i}@example.org"},
                },
            )
            assert r.status_code == 201, r.text
            issued.append(r.json())
        revoked = issued[0]["id"]
        r = api.http.post(
            f"/api/v1/credentials/{revoked}/status",
            headers=auth,
            json={"action": "revoke", "reason": "withdrawn"},
        )
        assert r.json()["status"] == "revoked", r.text

        def logged() -> bool:
            note = api.http.get("/log/checkpoint").text
            return int(note.splitlines()[1]) >= 4 if note.count("\n") > 2 else False

        wait_for(logged, what="the log to hold 3 issuances and 1 revocation")
    finally:
        server.stop()
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/healthz", timeout=2)

    # bad targets: refused with a clear message, nothing written
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    r = run_cli("export", "--static", str(full), env=env)
    assert r.returncode == 2 and "not empty" in r.stderr, r.stderr
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"]
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = run_cli("export", "--static", str(blocker / "site"), env=env)
    assert r.returncode == 2 and "cannot be written" in r.stderr, r.stderr
    r = run_cli("export", "--static", str(blocker), env=env)
    assert r.returncode == 2 and "not a folder" in r.stderr, r.stderr

    # the archive form of the same command still works beside --static, and they do not mix
    r = run_cli("export", str(tmp_path / "x.zip"), "--static", str(tmp_path / "d"), env=env)
    assert r.returncode == 2 and "not both" in r.stderr, r.stderr
    r = run_cli("export", env=env)
    assert r.returncode == 2 and "Name the archive" in r.stderr, r.stderr
    archive_env = {**env, "MICROCRED_EXPORT_PASSPHRASE": "a passphrase for the archive"}
    r = run_cli("export", str(tmp_path / "all.zip"), env=archive_env)
    assert r.returncode == 0 and json.loads(r.stdout)["records"]["credentials"] == 3, r.stderr

    site = tmp_path / "site"
    started = time.perf_counter()
    r = run_cli("export", "--static", str(site), env=env)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["credentials"] == 3 and summary["status_lists"] == 1, summary
    assert summary["log_size"] >= 4 and summary["pages"] == 2, summary
    print(f"static export: {summary} in {time.perf_counter() - started:.2f} s")
    assert not list(tmp_path.glob(".static-*"))  # the work folder was renamed into place

    static = _serve_static(site, port, tmp_path / "static.log")
    try:
        http = httpx.Client(base_url=base, timeout=10)
        # people's pages, rendered by the server's templates, and the index
        org_page = http.get("/orgs/acme", follow_redirects=True)
        assert org_page.status_code == 200 and "Forklift safety" in org_page.text
        page = http.get(f"/orgs/acme/achievements/{achievement['id']}/")
        assert "Pass the practical test." in page.text
        index = http.get("/")
        assert "/orgs/acme/" in index.text and f"/credentials/{issued[1]['id']}.json" in index.text
        listed = {f["path"] for f in http.get("/index.json").json()["files"]}
        assert f"credentials/{issued[1]['id']}" in listed and "log/checkpoint" in listed
        assert http.get("/orgs/acme/did.json").json()["id"].startswith("did:web:127.0.0.1")

        policy_text = http.get("/log/policy").text
        policy_file = tmp_path / "policy.txt"
        policy_file.write_text(policy_text)
        files = []
        for item in issued:
            body = http.get(f"/credentials/{item['id']}")
            assert body.status_code == 200
            assert body.json() == item["credential"]  # the very bytes the server issued
            path = tmp_path / f"{item['id']}.json"
            path.write_bytes(body.content)
            proof = http.get(f"/credentials/{item['id']}.tlog-proof")
            assert proof.status_code == 200, proof.text
            Path(f"{path}.tlog-proof").write_bytes(proof.content)
            files.append(str(path))
        r = run_cli("vc", "verify", "--json", "--policy", str(policy_file), *files, env=env)
        results = {Path(line["file"]).stem: line for line in map(json.loads, r.stdout.splitlines())}
        for item in issued:
            checks = {c["check"]: c for c in results[item["id"]]["checks"]}
            assert checks["proof"]["status"] == "passed", checks
            assert checks["log_inclusion"]["status"] == "passed", checks
            if item["id"] == revoked:
                assert not results[item["id"]]["verified"]
                assert checks["status"]["status"] == "failed", checks
                assert "revoked" in checks["status"]["message"].lower()
            else:
                assert results[item["id"]]["verified"], checks
                assert checks["status"]["status"] == "passed", checks  # fetched from the host

        # the log: microcred's own monitor reads checkpoint, tiles and entry bundles
        vkey = next(ln.split()[1] for ln in policy_text.splitlines() if ln.startswith("log "))
        r = run_cli(
            "log", "monitor", f"{base}/log", "--log-key", vkey, "--once",
            "--state", str(tmp_path / "monitor.json"), env=env,
        )  # fmt: skip
        assert r.returncode == 0 and "ok: size 0 ->" in r.stdout, r.stdout + r.stderr
        # and each credential's inclusion, recomputed from the served tiles
        verifier = Ed25519NoteVerifier.from_vkey(vkey)
        checkpoint = open_checkpoint(http.get("/log/checkpoint").text, [verifier]).checkpoint
        log = TiledLog(checkpoint.size, checkpoint.root_hash, _HttpTiles(base))
        log.check_root()
        for item in issued:
            tlog = TlogProof.parse(Path(tmp_path / f"{item['id']}.json.tlog-proof").read_bytes())
            leaf = leaf_hash(_entry_bytes(tlog))
            path = log.prove_inclusion(tlog.index, leaf)
            verify_inclusion(leaf, tlog.index, checkpoint.size, path, checkpoint.root_hash)
        assert Policy.parse(policy_text.encode())

        # the DCC verifier, on the documents as the static host serves them
        ensure_installed()
        status_url = issued[0]["credential"]["credentialStatus"]["statusListCredential"]
        assert status_url.startswith(base)
        from importlib import resources

        schema = json.loads(
            resources.files("microcred.credentials")
            .joinpath("schemas", "ob_v3p0_achievementcredential_schema.json")
            .read_text()
        )
        registry_url = f"{base}/registry/dcc-legacy.json"
        dcc = run_dcc_verifier(
            [item["credential"] for item in issued],
            {
                status_url: http.get(status_url).json(),
                ACHIEVEMENT_CREDENTIAL_SCHEMA: schema,
                registry_url: http.get(registry_url).json(),
            },
            known_did_registries=[
                {"type": "dcc-legacy", "name": "The static copy's registry", "url": registry_url}
            ],
        )
        for item, result in zip(issued, dcc, strict=True):
            assert result.checks["valid_signature"] == "passed", result.raw
            assert result.revoked is (item["id"] == revoked), result.raw
            # the DCC's registry client finds the issuer in the entry microcred wrote
            assert result.checks["registered_issuer"] == "passed", result.raw
    finally:
        static.terminate()
        static.wait(10)


def _entry_bytes(proof: TlogProof) -> bytes:
    from microcred.transparency.status_proof import decode_extra

    assert proof.extra is not None
    issuance, _ = decode_extra(proof.extra)
    return issuance
