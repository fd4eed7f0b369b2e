"""The ledger with real processes on loopback: one issuing server, two independent witness
servers. Issue and revoke; kill a witness mid-run and restart it; verify a credential offline
with its tlog-proof; then tamper with the issuer's database: the witnesses refuse the next
checkpoint, a monitor reports the misbehaviour, and `microcred audit` names the change. Also a
crash test: kill -9 the server during a burst of issuances."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
from procs import Proc, free_port, run_cli, wait_for

from microcred.transparency.checkpoint import Checkpoint
from microcred.transparency.merkle import leaf_hash, new_nodes
from microcred.transparency.note import parse_note

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"


class Issuer:
    """Talks to the issuing server over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=60)
        self.auth: dict[str, str] = {}
        self.achievement = ""

    def setup(self) -> None:
        r = self.http.post(
            "/api/v1/organisations",
            json={
                "slug": "acme",
                "name": "Acme",
                "admin_email": "admin@acme.test",
                "admin_password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        token = self.http.post(
            "/api/v1/auth/token",
            json={"organisation": "acme", "email": "admin@acme.test", "password": PASSWORD},
        ).json()
        self.auth = {"Authorization": f"Bearer {token['token']}"}
        r = self.http.post(
            "/api/v1/achievements",
            headers=self.auth,
            json={
                "name": "Crane operation",
                "description": "Operates a tower crane.",
                "criteria": "Pass the practical.",
            },
        )
        self.achievement = r.json()["id"]

    def issue(self, who: str) -> dict:
        r = self.http.post(
            "/api/v1/credentials",
            headers=self.auth,
            json={"achievement_id": self.achievement, "recipient": {"did": f"did:example:{who}"}},
        )
        assert r.status_code == 201, r.text
        return r.json()

    def revoke(self, credential_id: str) -> None:
        r = self.http.post(
            f"/api/v1/credentials/{credential_id}/status",
            headers=self.auth,
            json={"action": "revoke", "reason": "e2e"},
        )
        assert r.status_code == 200, r.text

    def checkpoint(self) -> tuple[int, int]:
        """(size, number of cosignatures) of the served checkpoint."""
        r = self.http.get("/log/checkpoint")
        if r.status_code != 200:
            return (0, 0)
        note = parse_note(r.text)
        return Checkpoint.parse(note.text).size, len(note.signatures) - 1


def _witness(tmp: Path, name: str, log_vkey: str) -> tuple[Proc, str, str]:
    key = tmp / f"{name}.key"
    r = run_cli("witness", "keygen", f"{name}.example", "--out", str(key), env={})
    assert r.returncode == 0, r.stderr
    port = free_port()
    proc = Proc(
        [
            "witness",
            "serve",
            "--key",
            str(key),
            "--log",
            log_vkey,
            "--db",
            f"sqlite:///{tmp / f'{name}.db'}",
            "--port",
            str(port),
        ],
        {},
        tmp / f"{name}.log",
        f"http://127.0.0.1:{port}/healthz",
    )
    return proc, f"http://127.0.0.1:{port}", r.stdout.strip()


def _rewrite_entry(db: Path, index: int) -> None:
    """What a dishonest operator would do: change a logged event and rebuild the tree."""
    con = sqlite3.connect(db)
    data = con.execute("SELECT data FROM log_entries WHERE leaf_index = ?", (index,)).fetchone()[0]
    forged = bytes(data).replace(b"event issued", b"event revoked")
    con.execute(
        "UPDATE log_entries SET data = ?, leaf_hash = ? WHERE leaf_index = ?",
        (forged, leaf_hash(forged), index),
    )
    hashes = [
        bytes(h)
        for (h,) in con.execute(
            "SELECT leaf_hash FROM log_entries WHERE leaf_index IS NOT NULL ORDER BY leaf_index"
        )
    ]
    con.execute("DELETE FROM log_nodes")

    class Empty:
        def get(self, level: int, i: int) -> bytes:
            raise KeyError((level, i))

    for level, row in enumerate(new_nodes(Empty(), 0, hashes)):
        con.executemany(
            "INSERT INTO log_nodes (level, idx, hash) VALUES (?, ?, ?)",
            [(level, i, h) for i, h in enumerate(row)],
        )
    con.commit()
    con.close()


def test_issuer_and_two_witnesses(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "issuer.db"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{db}",
        "MICROCRED_PUBLIC_BASE_URL": base,
        "MICROCRED_KEK_SECRETS": "e2e-ledger-kek-0123456789",
        "MICROCRED_LEDGER_INTERVAL_MS": "50",
    }
    assert run_cli("db", "upgrade", env=env).returncode == 0
    log_vkey = run_cli("log", "key", env=env).stdout.strip()
    w1, w1_url, w1_vkey = _witness(tmp_path, "w1", log_vkey)
    w2, w2_url, w2_vkey = _witness(tmp_path, "w2", log_vkey)
    env["MICROCRED_WITNESSES"] = f"{w1_url} {w1_vkey},{w2_url} {w2_vkey}"
    issuer_proc = Proc(
        ["serve", "--port", str(port)], env, tmp_path / "issuer.log", f"{base}/healthz"
    )
    procs = [w1.start(), w2.start(), issuer_proc.start()]
    try:
        issuer = Issuer(base)
        issuer.setup()
        creds = [issuer.issue(f"p{i}") for i in range(3)]
        issuer.revoke(creds[0]["id"])
        wait_for(lambda: issuer.checkpoint() == (4, 2), what="size 4 cosigned by both")

        w2.kill9()  # a witness dies mid-run
        creds += [issuer.issue(f"q{i}") for i in range(2)]
        wait_for(lambda: issuer.checkpoint() == (6, 1), what="size 6 cosigned by w1 only")
        w2.start()  # it comes back with its state intact
        creds.append(issuer.issue("r"))
        wait_for(lambda: issuer.checkpoint() == (7, 2), what="size 7 cosigned by both again")

        # offline verification with the credential's tlog-proof and the log's policy
        cred_file = tmp_path / "cred.json"
        cred_file.write_text(json.dumps(creds[1]["credential"]))
        proof = issuer.http.get(f"/credentials/{creds[1]['id']}/tlog-proof")
        assert proof.status_code == 200, proof.text
        (tmp_path / "cred.json.tlog-proof").write_text(proof.text)
        policy = tmp_path / "policy.txt"
        policy.write_text(issuer.http.get("/log/policy").text)
        r = run_cli(
            "vc", "verify", "--offline", "--json", "--policy", str(policy), str(cred_file), env={}
        )
        checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
        assert checks["log_inclusion"]["status"] == "passed", checks
        assert checks["witnesses"]["status"] == "passed", checks
        assert checks["status"]["status"] == "skipped"  # offline: revocation not checked

        # a third party follows the log
        state = tmp_path / "monitor.json"
        r = run_cli(
            "log",
            "monitor",
            f"{base}/log",
            "--log-key",
            log_vkey,
            "--once",
            "--state",
            str(state),
            env={},
        )
        assert r.returncode == 0 and "ok: size 0 -> 7" in r.stdout, r.stdout + r.stderr
        assert r.stdout.count("issued") == 6 and r.stdout.count("revoked") == 1
        assert json.loads(state.read_text())["size"] == 7

        # the operator tampers with the log
        issuer_proc.stop()
        _rewrite_entry(db, 2)
        issuer_proc.start()
        issuer.issue("after-tampering")
        wait_for(lambda: issuer.checkpoint()[0] == 8, what="a checkpoint of size 8")

        def refused(witness_db: str) -> tuple[list[str], int] | None:
            con = sqlite3.connect(tmp_path / witness_db)
            kinds = [k for (k,) in con.execute("SELECT kind FROM witness_evidence")]
            size = con.execute("SELECT size FROM witness_logs").fetchone()[0]
            con.close()
            return (kinds, size) if kinds else None

        for witness_db in ("w1.db", "w2.db"):
            kinds, size = wait_for(lambda w=witness_db: refused(w), what=f"{witness_db} refusal")
            assert kinds == ["inconsistent"] and size == 7, (witness_db, kinds, size)
        assert issuer.checkpoint() == (8, 0)  # nobody cosigned the forged history
        r = run_cli(
            "log",
            "monitor",
            f"{base}/log",
            "--log-key",
            log_vkey,
            "--once",
            "--state",
            str(state),
            env={},
        )
        assert r.returncode == 1 and "MISBEHAVIOUR" in r.stderr, r.stdout + r.stderr
        r = run_cli("audit", "--json", env=env)
        assert r.returncode == 1, r.stdout + r.stderr
        findings = json.loads(r.stdout)["findings"]
        kinds = {f["kind"] for f in findings}
        assert {"tree_mismatch", "fork", "status_mismatch"} <= kinds, findings
        assert any("entry 2" in f["message"] for f in findings), findings
    finally:
        for p in procs:
            p.stop()


def test_kill_9_during_a_burst_loses_nothing_and_logs_nothing_twice(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = tmp_path / "issuer.db"
    env = {
        "MICROCRED_DATABASE_URL": f"sqlite:///{db}",
        "MICROCRED_PUBLIC_BASE_URL": base,
        "MICROCRED_KEK_SECRETS": "e2e-crash-kek-0123456789",
        "MICROCRED_LEDGER_INTERVAL_MS": "20",
    }
    assert run_cli("db", "upgrade", env=env).returncode == 0
    server = Proc(["serve", "--port", str(port)], env, tmp_path / "issuer.log", f"{base}/healthz")
    server.start()
    issuer = Issuer(base)
    issuer.setup()
    accepted: list[str] = []
    lock = threading.Lock()

    def burst(n: int) -> None:
        http = httpx.Client(base_url=base, timeout=30)
        for i in range(40):
            try:
                r = http.post(
                    "/api/v1/credentials",
                    headers=issuer.auth,
                    json={
                        "achievement_id": issuer.achievement,
                        "recipient": {"did": f"did:example:t{n}-{i}"},
                    },
                )
            except httpx.HTTPError:
                return  # the server died under us
            if r.status_code == 201:
                with lock:
                    accepted.append(r.json()["id"])

    threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    wait_for(lambda: len(accepted) >= 15, what="some issuances")
    server.kill9()
    for t in threads:
        t.join(60)
    server.start()  # restart: the worker sequences whatever was staged
    try:
        r = run_cli("log", "sequence", env=env)
        assert r.returncode == 0, r.stderr
        r = run_cli("audit", "--offline", "--json", env=env)
        report = json.loads(r.stdout)
        assert r.returncode == 0 and report["clean"], report
        con = sqlite3.connect(db)
        stored = {cid for (cid,) in con.execute("SELECT id FROM credentials")}
        logged = [
            cid
            for (cid,) in con.execute(
                "SELECT credential_id FROM log_entries WHERE event = 'issued'"
            )
        ]
        unsequenced = con.execute(
            "SELECT COUNT(*) FROM log_entries WHERE leaf_index IS NULL"
        ).fetchone()[0]
        con.close()
        assert set(accepted) <= stored  # everything acknowledged survived
        assert sorted(logged) == sorted(stored)  # one issuance entry per credential, no twins
        assert unsequenced == 0 and report["entries"] == len(stored)
    finally:
        server.stop()
