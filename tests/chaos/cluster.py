"""The many-process set-up the chaos run drives: a fresh PostgreSQL database, two `microcred
serve` processes, two `microcred worker`s and three witness processes, every one a real process
that can be SIGKILLed and restarted on the same port with the same state."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from microcred.adapters.db import migrate
from microcred.transparency.cosignature import CosignatureSigner

CLI = [sys.executable, "-m", "microcred.cli.main"]
SERVER = os.environ.get("MICROCRED_TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
KEK = "chaos-kek-0123456789abcdef"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``microcred ARGS`` to completion."""
    return subprocess.run(
        [*CLI, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Proc:
    """One microcred process; ``health`` is None for a worker (no port): started = alive."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    health: str | None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    starts: int = 0
    kills: int = 0
    ready: bool = False  # started and healthy, not killed since

    def start(self, timeout: float = 180) -> Proc:
        """Start and wait until healthy (a port that answers /healthz)."""
        with self.log.open("ab") as handle:
            handle.write(f"\n=== start {self.starts} at {time.time():.3f}\n".encode())
            handle.flush()
            self.proc = subprocess.Popen(
                [*CLI, *self.args],
                env={**os.environ, **self.env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            if self.health is None:
                time.sleep(1.0)  # a worker: give it its first claim
                self.ready = True
                return self
            try:
                if httpx.get(self.health, timeout=2).status_code == 200:
                    self.ready = True
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy: {self.log.read_text()[-3000:]}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL: no clean shutdown."""
        self.ready = False
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.kills += 1

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Database:
    """A database of its own on the shared PostgreSQL server, dropped at the end."""

    def __init__(self) -> None:
        self.name = f"chaos_{uuid.uuid4().hex[:12]}"
        self.dsn = f"{SERVER}/{self.name}"
        self.url = self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)

    def create(self) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def terminate_backends(self) -> int:
        """What a database restart looks like to this database's clients: every connection to
        it is cut at once (other databases on the shared server are untouched)."""
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.name,),
            ).fetchall()
        return len(rows)

    def restart_server(self) -> None:
        """A real restart of the whole PostgreSQL cluster (only when the operator asks for it:
        the server is shared)."""
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
            timeout=120,
        )


@dataclass
class Cluster:
    """Every process of the run, their shared settings and the log's public key."""

    tmp: Path
    db: Database
    env: dict[str, str] = field(default_factory=dict)
    servers: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    witnesses: list[Proc] = field(default_factory=list)
    witness_urls: list[str] = field(default_factory=list)
    witness_vkeys: list[str] = field(default_factory=list)
    log_vkey: str = ""

    @property
    def bases(self) -> list[str]:
        return [p.health.removesuffix("/healthz") for p in self.servers if p.health]

    @property
    def everyone(self) -> list[Proc]:
        return [*self.servers, *self.workers, *self.witnesses]

    def prepare(self) -> None:
        """Create and migrate the database; make the log key and three witnesses' keys."""
        self.db.create()
        ports = [free_port(), free_port()]
        base = f"http://127.0.0.1:{ports[0]}"
        self.env = {
            "MICROCRED_DATABASE_URL": self.db.url,
            "MICROCRED_PUBLIC_BASE_URL": base,  # one origin for the log, whichever serves
            "MICROCRED_KEK_SECRETS": KEK,
            "MICROCRED_BLOB_DIR": str(self.tmp / "blobs"),
            "MICROCRED_RUN_WORKER": "false",  # the two `microcred worker`s do the jobs
            "MICROCRED_LEDGER_INTERVAL_MS": "100",
            "MICROCRED_WITNESS_QUORUM": "2",
        }
        migrate.upgrade(self.db.url)
        r = run_cli("log", "key", env=self.env)
        self.log_vkey = r.stdout.strip()
        assert r.returncode == 0 and self.log_vkey, r.stderr
        for n in range(3):
            key = self.tmp / f"w{n}.key"
            signer = CosignatureSigner.generate(f"w{n}.chaos.example")
            key.touch(mode=0o600)
            key.write_text(signer.skey + "\n")
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            args = ["witness", "serve", "--key", str(key), "--log", self.log_vkey]
            args += ["--db", f"sqlite:///{self.tmp / f'w{n}.db'}", "--port", str(port)]
            self.witnesses.append(
                Proc(f"witness{n}", args, {}, self.tmp / f"w{n}.log", f"{url}/healthz")
            )
            self.witness_urls.append(url)
            self.witness_vkeys.append(signer.verifier.vkey)
        self.env["MICROCRED_WITNESSES"] = ",".join(
            f"{u} {k}" for u, k in zip(self.witness_urls, self.witness_vkeys, strict=True)
        )
        for n, port in enumerate(ports):
            health = f"http://127.0.0.1:{port}/healthz"
            args = ["serve", "--port", str(port)]
            self.servers.append(Proc(f"server{n}", args, self.env, self.tmp / f"s{n}.log", health))
        for n in range(2):
            self.workers.append(
                Proc(f"worker{n}", ["worker"], self.env, self.tmp / f"k{n}.log", None)
            )

    def start(self) -> None:
        """Start every process at once (witnesses and servers first: workers talk to both)."""
        _together([*self.witnesses, *self.servers])
        _together(self.workers)

    def revive(self) -> None:
        """Restart whatever is not running."""
        _together([p for p in self.everyone if not p.alive()])
        for p in self.everyone:
            p.ready = True

    def stop(self) -> None:
        for p in self.everyone:
            p.stop()


def _together(procs: list[Proc]) -> None:
    """Start ``procs`` in parallel; raise the first failure."""
    with ThreadPoolExecutor(max(1, len(procs))) as pool:
        for future in [pool.submit(p.start) for p in procs]:
            future.result()
