"""End-to-end issuance speed: the service in-process and the HTTP API of a real server.

Three measurements in one run, with the same suite and the same organisation key:

* **signing alone** (the baseline): `data_integrity.sign` of an unsigned credential of the
  organisation, the cryptographic work an issuance cannot avoid;
* **service**: `IssuanceService.issue` called directly, one credential per transaction, on
  SQLite (a temporary file) and, with ``--postgres URL``, on PostgreSQL (a fresh schema);
* **HTTP**: ``POST /api/v1/credentials`` against one and two ``microcred serve`` subprocesses
  on SQLite (and on PostgreSQL with ``--postgres``), ``--clients`` concurrent httpx clients
  spread over the processes, an API token obtained as the end-to-end tests obtain it. ``--rate``
  also offers a fixed load (for p99 at an offered rate);
* **HTTP bulk**: a CSV file of ``--bulk`` rows uploaded to ``POST /api/v1/credentials/bulk``
  and issued by the server's worker (upload, confirm and the run until done, timed together).

Beside wall-clock rates, each HTTP row gives the **server CPU milliseconds per credential**
(user + system time of the server processes over the run, from ``/proc``): on a shared, noisy
machine that figure moves far less than throughput does.

    python bench/issuance.py [--n 400] [--clients 8] [--suite eddsa-rdfc-2022] [--bulk 2000]
                             [--processes 1,2] [--postgres URL] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.credentials.proofs import data_integrity
from microcred.crypto.keys import Ed25519KeyPair
from microcred.domain.credential import Recipient
from microcred.domain.identity import Principal
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of

PASSWORD = "a long enough password"
KEK = "bench-kek-secret-0123456789abcdef"


def summary(samples: list[float], wall: float) -> dict[str, float]:
    """Throughput and latency quantiles (ms) of ``samples`` (seconds) taken over ``wall``."""
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {
        "n": len(ordered),
        "per_s": len(ordered) / wall if wall else 0.0,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def _settings(url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        kek_secrets=[KEK],
        public_base_url="https://issuer.bench",
        ledger_interval_ms=0,
        run_worker=False,
    )


def _setup(url: str) -> tuple[Container, Principal, str]:
    migrate.upgrade(url)
    c = build(_settings(url))
    _, admin = c.identity.create_organisation(
        slug="bench", name="Bench Academy", admin_email="admin@bench.test", admin_password=PASSWORD
    )
    p = principal_of(admin)
    aid = c.achievements.create(
        p,
        AchievementInput(
            name="Cloud Security Fundamentals",
            description="Secures workloads on a public cloud.",
            criteria_narrative="Harden an exposed bucket and rotate leaked keys.",
            validity_days=730,
        ),
    ).id
    return c, p, aid


def signing_alone(c: Container, p: Principal, aid: str, suite: Suite, n: int) -> dict[str, float]:
    """Sign the unsigned form of one of the organisation's credentials ``n`` times."""
    issued = c.issuance.issue(
        p, IssueRequest(aid, Recipient(email="baseline@example.org"), suite=suite)
    )
    unsigned = {k: v for k, v in issued.document.items() if k != "proof"}
    with c.uow() as uow:
        org = uow.organisations.get(p.organisation_id)
        assert org is not None
        signer = c.keys.signer(uow.tenant(org.id), org)
    assert isinstance(signer.key, Ed25519KeyPair)
    cryptosuite = data_integrity.Cryptosuite(suite.value)
    samples = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        data_integrity.sign(
            unsigned,
            signer.key,
            verification_method=signer.verification_method,
            cryptosuite=cryptosuite,
            created=unsigned["validFrom"],
        )
        samples.append(time.perf_counter() - t)
    return summary(samples, time.perf_counter() - start)


def service(url: str, suite: Suite, n: int, sign_n: int) -> dict[str, dict[str, float]]:
    """Service-level issuance (and signing alone on the same key) on ``url``."""
    c, p, aid = _setup(url)
    try:
        baseline = signing_alone(c, p, aid, suite, sign_n)
        for i in range(5):  # warm caches (contexts, connections)
            c.issuance.issue(
                p, IssueRequest(aid, Recipient(email=f"w{i}@example.org"), suite=suite)
            )
        samples = []
        start = time.perf_counter()
        for i in range(n):
            request = IssueRequest(aid, Recipient(email=f"s{i}@example.org"), suite=suite)
            t = time.perf_counter()
            c.issuance.issue(p, request)
            samples.append(time.perf_counter() - t)
        wall = time.perf_counter() - start
        c.jobs.drain(limit=1_000_000)
        return {"sign": baseline, "service": summary(samples, wall)}
    finally:
        c.close()


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU seconds the processes ``pids`` have used (Linux ``/proc``)."""
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


@contextmanager
def served(url: str, folder: Path, workers: int = 1) -> Iterator[tuple[str, list[int]]]:
    """A migrated database served by ``workers`` ``microcred serve`` processes (one port each);
    yields their base URLs (comma-separated; all share the database) and process ids."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.e2e.procs import Proc, free_port, run_cli  # noqa: PLC0415

    env = {
        "MICROCRED_DATABASE_URL": url,
        "MICROCRED_KEK_SECRETS": KEK,
        "MICROCRED_BLOB_DIR": str(folder / "blobs"),
        "MICROCRED_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    ports = [free_port() for _ in range(workers)]
    env["MICROCRED_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports[0]}"
    migrated = run_cli("db", "upgrade", env=env)
    if migrated.returncode != 0:
        raise RuntimeError(migrated.stderr)
    procs = []
    try:
        for i, port in enumerate(ports):
            base = f"http://127.0.0.1:{port}"
            proc = Proc(
                ["serve", "--port", str(port)], env, folder / f"server{i}.log", f"{base}/healthz"
            )
            procs.append(proc.start())
        pids = [proc.proc.pid for proc in procs if proc.proc is not None]
        yield ",".join(f"http://127.0.0.1:{port}" for port in ports), pids
    finally:
        for proc in procs:
            proc.stop()


def _prepare(base: str, slug: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.post(
            "/api/v1/organisations",
            json={
                "slug": slug,
                "name": "Bench Academy",
                "admin_email": f"admin@{slug}.test",
                "admin_password": PASSWORD,
            },
        )
        r.raise_for_status()
        r = http.post(
            "/api/v1/auth/token",
            json={"organisation": slug, "email": f"admin@{slug}.test", "password": PASSWORD},
        )
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        r = http.post(
            "/api/v1/achievements",
            headers=auth,
            json={
                "name": "Cloud Security Fundamentals",
                "description": "Secures cloud workloads.",
                "criteria": "Harden an exposed bucket and rotate leaked keys.",
            },
        )
        r.raise_for_status()
        return auth, str(r.json()["id"])


def over_http(
    served_by: tuple[str, list[int]],
    suite: Suite,
    n: int,
    clients: int,
    rate: float | None = None,
) -> dict[str, float]:
    """``n`` issuances by ``clients`` threads over the servers in ``served_by`` (clients are
    spread over them). With ``rate``, requests are started at that offered rate."""
    bases, pids = served_by
    urls = bases.split(",")
    auth, aid = _prepare(urls[0], "b" + secrets.token_hex(4))
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n))
    start_at = time.perf_counter() + 0.2

    def client(k: int) -> None:
        with httpx.Client(base_url=urls[k % len(urls)], timeout=60, headers=auth) as http:
            for _ in range(3):  # warm the connection and the server
                http.post(
                    "/api/v1/credentials",
                    json={
                        "achievement_id": aid,
                        "recipient": {"email": f"warm{k}@example.org"},
                        "suite": suite.value,
                    },
                )
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                if rate:
                    delay = start_at + i / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                t = time.perf_counter()
                r = http.post(
                    "/api/v1/credentials",
                    json={
                        "achievement_id": aid,
                        "recipient": {"email": f"h{i}@example.org"},
                        "suite": suite.value,
                    },
                )
                elapsed = time.perf_counter() - t
                with lock:
                    if r.status_code == 201:
                        samples.append(elapsed)
                    else:
                        errors.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    cpu_before = cpu_seconds(pids)
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - start
    cpu_after = cpu_seconds(pids)
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    result = summary(samples, wall)
    if cpu_before is not None and cpu_after is not None:  # warm-up requests included
        result["cpu_ms"] = (cpu_after - cpu_before) * 1000 / (n + 3 * clients)
    return result


def bulk_over_http(served_by: tuple[str, list[int]], rows: int) -> dict[str, float]:
    """Upload a CSV file of ``rows`` rows, confirm it and wait until the server's worker has
    issued every row; the rate is rows over the whole time, upload included."""
    bases, pids = served_by
    base = bases.split(",")[0]
    auth, aid = _prepare(base, "k" + secrets.token_hex(4))
    lines = ["email,name,achievement,issued_on,external_id"]
    lines += [f"bulk{i}@example.org,Learner {i},{aid},2026-03-01,EMP-{i:07d}" for i in range(rows)]
    data = ("\r\n".join(lines) + "\r\n").encode()
    cpu_before = cpu_seconds(pids)
    start = time.perf_counter()
    with httpx.Client(base_url=base, timeout=120, headers=auth) as http:
        r = http.post(
            "/api/v1/credentials/bulk",
            params={"dry_run": "false"},
            files={"file": ("bench.csv", data, "text/csv")},
        )
        r.raise_for_status()
        run_id = r.json()["id"]
        while True:
            got = http.get(f"/api/v1/credentials/bulk/{run_id}")
            if got.status_code != 200:
                raise RuntimeError(f"bulk run status: {got.status_code} {got.text[:300]}")
            state = got.json()["run"]
            if state["state"] in ("done", "failed", "rejected"):
                break
            time.sleep(0.05)
    wall = time.perf_counter() - start
    cpu_after = cpu_seconds(pids)
    if state["state"] != "done" or state["issued"] != rows:
        raise RuntimeError(f"bulk run ended {state['state']}: {state.get('error')}")
    result = {"n": rows, "per_s": rows / wall, "seconds": wall}  # one run: no latencies
    if cpu_before is not None and cpu_after is not None:
        result["cpu_ms"] = (cpu_after - cpu_before) * 1000 / rows
    return result


def _fresh_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """A fresh schema on ``url`` (dropped by the returned function)."""
    import sqlalchemy as sa  # noqa: PLC0415

    schema = "bench_" + secrets.token_hex(4)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options=-csearch_path%3D{schema}"

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()

    return scoped, drop


def _http_rows(
    url: str, folder: Path, args: argparse.Namespace, suite: Suite
) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for procs in args.processes:
        with served(url(), folder, workers=procs) as by:
            rows[f"http{procs}"] = over_http(by, suite, args.n, args.clients)
            if args.rate and procs == args.processes[-1]:
                rows[f"rate{procs}"] = over_http(by, suite, args.n, args.clients, args.rate)
            if args.bulk and procs == args.processes[0]:
                rows[f"bulk{procs}"] = bulk_over_http(by, args.bulk)
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Every measurement the arguments ask for."""
    suite = Suite(args.suite)
    results: dict[str, Any] = {"suite": suite.value, "clients": args.clients}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sqlite = f"sqlite:///{folder / 'service.db'}"
        results["sqlite"] = service(sqlite, suite, args.n, args.n)
        if not args.no_http:
            names = iter(range(1_000))
            results["sqlite"] |= _http_rows(
                lambda: f"sqlite:///{folder / f'http{next(names)}.db'}", folder, args, suite
            )
        if args.postgres:
            url, drop = _fresh_postgres(args.postgres)
            try:
                results["postgresql"] = service(url, suite, args.n, args.n)
            finally:
                drop()
            if not args.no_http:
                url, drop = _fresh_postgres(args.postgres)
                try:  # one schema: each process count gets its own organisation
                    results["postgresql"] |= _http_rows(lambda: url, folder, args, suite)
                finally:
                    drop()
    return results


def main() -> None:
    """Parse arguments, run, print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="issuances per measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument(
        "--suite",
        default=Suite.EDDSA_RDFC_2022.value,
        choices=[Suite.EDDSA_RDFC_2022.value, Suite.EDDSA_JCS_2022.value],
    )
    parser.add_argument("--rate", type=float, default=None, help="also offer this many req/s")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL (a schema is created)")
    parser.add_argument(
        "--processes", default="1,2", help="server process counts to measure (comma-separated)"
    )
    parser.add_argument("--bulk", type=int, default=2000, help="rows of the bulk run (0: none)")
    parser.add_argument("--no-http", action="store_true", help="service level only")
    parser.add_argument("--quick", action="store_true", help="a smoke test: few issuances")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    args.processes = [int(x) for x in str(args.processes).split(",") if x.strip()]
    if args.quick:
        args.n, args.clients, args.bulk = 20, 2, 20
    result = run(args)
    if args.json:
        print(json.dumps(result))
        return
    print(f"issuance, suite {result['suite']}, {result['clients']} HTTP clients")
    print(f"{'':<44}{'per s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'n':>6}{'cpu ms':>8}")
    for db in ("sqlite", "postgresql"):
        for name, row in result.get(db, {}).items():
            label = {
                "sign": "signing alone (baseline)",
                "service": "IssuanceService.issue",
            }.get(name)
            if label is None:
                kind, procs = name[:4], name[4:]
                label = {
                    "http": "HTTP POST /credentials",
                    "rate": f"HTTP at {args.rate}/s offered",
                    "bulk": "HTTP bulk CSV run",
                }[kind] + f" ({procs} proc{'s' if procs != '1' else ''})"
            cpu = f"{row['cpu_ms']:>8.2f}" if "cpu_ms" in row else f"{'':>8}"
            cuts = "".join(
                f"{row[k]:>9.2f}" if k in row else f"{'-':>9}"
                for k in ("p50_ms", "p95_ms", "p99_ms")
            )
            print(f"{db + ': ' + label:<44}{row['per_s']:>9.1f}{cuts}{row['n']:>6}{cpu}")


if __name__ == "__main__":
    main()
