"""SCIM provisioning over HTTP (in-process ASGI client, a fresh database): creating Users,
reading one, filtering (``userName eq``, ``emails.value co``, ``and``), a page of 100, a PATCH,
and adding members to a Group, beside the baseline of the same run — an authenticated
``GET /api/v1/organisations/me`` (one token check, one row) — so the table shows what SCIM
itself costs.

    python bench/scim.py [--users 500] [--repeats 50] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from microcred.adapters.db import migrate
from microcred.bootstrap import build
from microcred.config import Settings
from microcred.web.api.app import create_app

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _timed(call: Callable[[int], Any], n: int) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        r = call(i)
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code in (200, 201), r.text
    return out


def run(users: int, repeats: int, database_url: str | None) -> list[dict[str, Any]]:
    """One row per operation: median, p95, p99 in ms and the ratio to the baseline."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{tmp}/bench.sqlite"
        migrate.upgrade(url)
        settings = Settings(
            environment="test",
            database_url=url,
            kek_secrets=["bench-kek-0123456789abcdef"],
            public_base_url="https://issuer.test",
            run_worker=False,
            mail_outbox_dir=f"{tmp}/outbox",
        )
        c = build(settings)
        with TestClient(create_app(c), raise_server_exceptions=False) as client:
            r = client.post(
                "/api/v1/organisations",
                json={
                    "slug": "bench",
                    "name": "Bench",
                    "admin_email": "admin@bench.test",
                    "admin_password": "a long enough password",
                },
            )
            assert r.status_code == 201, r.text
            token = client.post(
                "/api/v1/auth/token",
                json={
                    "organisation": "bench",
                    "email": "admin@bench.test",
                    "password": "a long enough password",
                },
            ).json()["token"]
            admin = {"Authorization": f"Bearer {token}"}
            scim_token = client.post("/api/v1/scim/token", headers=admin).json()["token"]
            h = {"Authorization": f"Bearer {scim_token}", "Content-Type": "application/scim+json"}
            ids: list[str] = []

            def create(i: int) -> Any:
                body = {
                    "schemas": [USER],
                    "userName": f"person{i:05d}",
                    "displayName": f"Person {i}",
                    "emails": [{"value": f"p{i}@corp{i % 7}.example", "primary": True}],
                }
                r = client.post("/scim/v2/Users", json=body, headers=h)
                ids.append(r.json()["id"])
                return r

            rows: dict[str, list[float]] = {}
            rows["baseline: GET /api/v1/organisations/me"] = _timed(
                lambda i: client.get("/api/v1/organisations/me", headers=admin), repeats
            )
            rows[f"POST /Users (×{users})"] = _timed(create, users)
            rows["GET /Users/{id}"] = _timed(
                lambda i: client.get(f"/scim/v2/Users/{ids[i % len(ids)]}", headers=h), repeats
            )
            filters = {
                "filter userName eq": lambda i: f'userName eq "person{i % users:05d}"',
                "filter emails.value co": lambda i: f'emails.value co "corp{i % 7}"',
                "filter … and active eq true": lambda i: (
                    f'userName sw "person{i % 10}" and active eq true'
                ),
            }
            for name, text in filters.items():
                rows[f"GET /Users?{name} (count 10)"] = _timed(
                    lambda i, t=text: client.get(  # type: ignore[misc]
                        "/scim/v2/Users", params={"filter": t(i), "count": 10}, headers=h
                    ),
                    repeats,
                )
            rows["GET /Users (a page of 100)"] = _timed(
                lambda i: client.get("/scim/v2/Users", params={"count": 100}, headers=h), repeats
            )
            rows["PATCH /Users/{id} (replace displayName)"] = _timed(
                lambda i: client.patch(
                    f"/scim/v2/Users/{ids[i % len(ids)]}",
                    json={
                        "schemas": [PATCH],
                        "Operations": [{"op": "replace", "path": "displayName", "value": f"P{i}"}],
                    },
                    headers=h,
                ),
                repeats,
            )
            group = client.post(
                "/scim/v2/Groups", json={"schemas": [GROUP], "displayName": "Team"}, headers=h
            ).json()["id"]
            rows["PATCH /Groups/{id} (add one member)"] = _timed(
                lambda i: client.patch(
                    f"/scim/v2/Groups/{group}",
                    json={
                        "schemas": [PATCH],
                        "Operations": [
                            {"op": "add", "path": "members", "value": [{"value": ids[i]}]}
                        ],
                    },
                    headers=h,
                ),
                min(repeats, len(ids)),
            )
        c.close()
    base = statistics.median(next(iter(rows.values())))
    return [
        {
            "operation": name,
            "n": len(s),
            "median_ms": statistics.median(s),
            "p95_ms": _pct(s, 95),
            "p99_ms": _pct(s, 99),
            "x_baseline": statistics.median(s) / base,
        }
        for name, s in rows.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.users, args.repeats, args.database_url)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'operation':58} {'n':>5} {'median':>9} {'p95':>9} {'p99':>9} {'× base':>7}")
    for r in rows:
        print(
            f"{r['operation']:58} {r['n']:>5} {r['median_ms']:>7.2f}ms {r['p95_ms']:>7.2f}ms "
            f"{r['p99_ms']:>7.2f}ms {r['x_baseline']:>7.1f}"
        )


if __name__ == "__main__":
    main()
