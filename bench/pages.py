"""Server time of every page of the web product, at demo scale and with 100,000 people, beside a
static file measured in the same run.

Builds the app in-process on a fresh database and seeds two organisations:

  (a) the demo organisation, through the real services (``microcred demo``'s `seed_demo`);
  (b) an organisation of N people (default 100,000) from the talent bench's generator
      (`bench/talent.py`: 200 roles from ESCO occupations, the catalogue aligned to their skills,
      people with credentials for a random subset of their occupation's skills), bulk-inserted
      with SQL core inserts: one credential per generated credential, of the catalogue's
      micro-credential for its first skill; a real issued credential is the stored document's
      template. Sign-in users (admin, issuer, reviewer, manager, learner) are added through the
      identity service. (The seeding lives in `bench/pages_seed.py`.)

Every GET page route under ``web/pages/`` (enumerated from the app's routes, plus the credential
page that ``/credentials/<id>`` serves to browsers) is requested as the role that may see it,
``--repeats`` times after two warm-up requests (the first one's time is reported as "first":
it may build the skills index). A route whose path needs an id the organisation does not have
is listed as skipped, with the reason. Times are wall times of an in-process request
(``TestClient`` over ASGI), so the static file's row is the floor every page pays.

    python bench/pages.py [--people 100000] [--repeats 30] [--quick] [--db URL] [--json]

Targets: p95 < 100 ms at demo scale, < 300 ms with 100,000 people. The machine is shared and
loaded: read the ratios to the static file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from microcred.adapters.db import migrate
from microcred.bootstrap import build
from microcred.cli import demo_data
from microcred.config import Settings
from microcred.web.api.app import create_app
from pages_seed import PASSWORD, Org, seed_demo_org, seed_people_org
from skills_db import database

TARGET_MS = {"demo": 100.0, "people": 300.0}
STATIC = "/static/style.css"
#: who signs in for which pages (by path prefix); everything else is requested signed out
ROLE_BY_PREFIX = (
    ("/admin", "admin"),
    ("/instructor", "issuer"),
    ("/review", "reviewer"),
    ("/learn", "learner"),
    ("/skills", "manager"),
)
#: pages answered by web/api routes with content negotiation, measured as browsers see them
EXTRA_PAGES = (("/credentials/{credential_id}", "microcred.web.api.public (HTML for browsers)"),)
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
_PARAM = re.compile(r"{(\w+)}")


# ---------------------------------------------------------------------------------- routes


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included router
            yield from _walk(r.original_router.routes, prefix + (r.include_context.prefix or ""))
        elif isinstance(r, APIRoute):
            yield prefix + r.path, r


def page_routes(app: Any) -> list[tuple[str, str]]:
    """Every GET route whose handler lives under ``web/pages/``: (path, module)."""
    found = {
        path: route.endpoint.__module__
        for path, route in _walk(app.routes)
        if "GET" in route.methods and ".web.pages" in route.endpoint.__module__
    }
    found.update(dict(EXTRA_PAGES))
    return sorted(found.items())


def role_for(path: str) -> str | None:
    """The sign-in a page needs (None: anyone)."""
    return next((role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix)), None)


# ---------------------------------------------------------------------------------- timing


def sign_in(app: Any, slug: str, email: str) -> TestClient:
    """A browser signed in as ``email``."""
    web = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    form = _CSRF.search(web.get("/login").text)
    assert form, "the sign-in form carries a CSRF token"
    data = {"organisation": slug, "email": email, "password": PASSWORD, "csrf": form.group(1)}
    if slug == demo_data.SLUG:
        data["password"] = demo_data.PASSWORD
    r = web.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, f"sign-in as {email} failed: {r.status_code}"
    return web


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def timed(client: TestClient, path: str, repeats: int) -> tuple[int, float, list[float]]:
    """Status, the first request's ms, and ``repeats`` timed requests after a second warm-up."""
    headers = {"Accept": "text/html"}
    t = time.perf_counter()
    r = client.get(path, headers=headers, follow_redirects=False)
    first = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        return r.status_code, first, []
    client.get(path, headers=headers)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        client.get(path, headers=headers, follow_redirects=False)
        times.append((time.perf_counter() - t) * 1000)
    return 200, first, times


def _fill(path: str, org: Org) -> tuple[str | None, str]:
    """The path with its ids filled in, or None and why not."""
    role = role_for(path)
    filled = path
    for name in _PARAM.findall(path):
        key = name
        if role == "learner":
            key = f"{name}:learner"
        if path.startswith("/review/") and name == "submission_id" and "{digest}" in path:
            key = "submission_id:file"
        if path.startswith("/learn") and name == "submission_id":
            key = "submission_id:learner"
        if path.endswith(".jwt"):
            key = "credential_id:jwt"
        value = org.params.get(key)
        if value is None:
            why = org.missing.get(key) or MISSING.get(key) or f"no {name} to show"
            return None, why
        filled = filled.replace("{" + name + "}", value)
    return filled, ""


#: why an id is missing, unless an organisation says otherwise
MISSING = {
    "credential_id:jwt": "no credential issued as a VC-JWT",
    "submission_id:file": "no submitted file in the review queue",
    "digest": "no submitted file in the review queue",
    "submission_id": "nothing waiting for a reviewer",
    "submission_id:learner": "the learner has submitted nothing",
    "achievement_id:learner": "the learner is enrolled in nothing",
}


#: page routes that only answer a step of another party's flow
FLOW_ONLY = {
    "/login/sso": "starts single sign-on: the organisation has no OpenID Connect provider",
    "/login/sso/callback": "answers an OpenID Connect provider's redirect only",
    "/lti/{slug}/login": "answers an LTI platform's login initiation only",
}


def measure(app: Any, org: Org, repeats: int) -> list[dict[str, Any]]:
    """One row per page route: ms percentiles, or the reason it was skipped."""
    target = TARGET_MS[org.name]
    anonymous = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    clients: dict[str | None, TestClient] = {None: anonymous}
    _, _, floor = timed(anonymous, STATIC, repeats)
    static_p50 = statistics.median(floor)
    out: list[dict[str, Any]] = [
        {
            "org": org.name,
            "route": STATIC,
            "as": "anyone",
            "p50": static_p50,
            "p95": pct(floor, 95),
            "p99": pct(floor, 99),
            "first": None,
            "ratio": 1.0,
            "over": False,
        }
    ]
    for path, module in page_routes(app):
        role = role_for(path)
        row: dict[str, Any] = {"org": org.name, "route": path, "as": role or "anyone"}
        filled, why = _fill(path, org)
        if path in FLOW_ONLY:
            filled, why = None, FLOW_ONLY[path]
        if filled is None:
            out.append({**row, "skipped": why})
            continue
        if role not in clients:
            clients[role] = sign_in(app, org.slug, org.emails[role or ""])
        status, first, times = timed(clients[role], filled, repeats)
        if status != 200:
            out.append({**row, "skipped": f"answered {status} ({module})", "error": True})
            continue
        p95 = pct(times, 95)
        print(f"  {org.name} {path}: p50 {statistics.median(times):.1f} ms", file=sys.stderr)
        out.append(
            {
                **row,
                "p50": statistics.median(times),
                "p95": p95,
                "p99": pct(times, 99),
                "first": first,
                "ratio": statistics.median(times) / static_p50,
                "over": p95 > target,
            }
        )
    return out


def table(orgs: list[Org], rows: list[dict[str, Any]], repeats: int, backend: str) -> str:
    """The report: one line per page and organisation."""
    lines = [
        f"{backend}; {repeats} timed requests per page after 2 warm-ups; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared: read ratios)",
    ]
    for org in orgs:
        counts = ", ".join(f"{v:,} {k}" for k, v in org.counts.items())
        lines.append(f"  {org.name}: '{org.slug}', {counts}; seeded in {org.seed_s:.1f} s")
    for org in orgs:
        lines += [
            "",
            f"{org.name} (target p95 < {TARGET_MS[org.name]:.0f} ms)",
            f"{'page':<52}{'as':<10}{'p50':>8}{'p95':>8}{'p99':>8}{'first':>9}{'×static':>9}",
        ]
        for r in (r for r in rows if r["org"] == org.name):
            if "skipped" in r:
                what = "ERROR" if r.get("error") else "skipped"
                lines.append(f"{r['route']:<52}{r['as']:<10}  {what}: {r['skipped']}")
                continue
            first = f"{r['first']:.1f}" if r["first"] is not None else "-"
            flag = "  OVER" if r["over"] else ""
            lines.append(
                f"{r['route']:<52}{r['as']:<10}{r['p50']:>8.1f}{r['p95']:>8.1f}"
                f"{r['p99']:>8.1f}{first:>9}{r['ratio']:>8.1f}x{flag}"
            )
    over = [r for r in rows if r.get("over")]
    errors = [r for r in rows if r.get("error")]
    lines += [
        "",
        f"{len(over)} page(s) over target, {len(errors)} error(s); times in ms, wall time of an "
        "in-process request",
    ]
    return "\n".join(lines)


def run(
    people: int, repeats: int, db: str | None, seed: int, n_roles: int, skip_people: bool = False
) -> dict[str, Any]:
    """Seed, measure, and return the organisations and rows."""
    with tempfile.TemporaryDirectory() as folder:
        url, drop = database(db, Path(folder))
        try:
            migrate.upgrade(url)
            settings = Settings(
                environment="test",
                database_url=url,
                kek_secrets=["bench-kek-0123456789abcdef0123"],
                public_base_url="https://issuer.test",
                ledger_interval_ms=0,
                run_worker=False,
            )
            c = build(settings)
            try:
                app = create_app(c)
                orgs = [seed_demo_org(c)]
                if not skip_people:
                    orgs.append(seed_people_org(c, people, n_roles, seed))
                rows: list[dict[str, Any]] = []
                for org in orgs:
                    rows += measure(app, org, repeats)
            finally:
                c.close()
        finally:
            drop()
    return {
        "backend": "postgresql" if db else "sqlite",
        "repeats": repeats,
        "orgs": [
            {"name": o.name, "slug": o.slug, "counts": o.counts, "seed_s": o.seed_s} for o in orgs
        ],
        "rows": rows,
        "_orgs": orgs,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 1 when a page answered with an error."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="a PostgreSQL URL (a schema is made and dropped)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 people, 3 repeats")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.quick:
        args.people, args.repeats, args.roles = min(args.people, 300), 3, min(args.roles, 20)
    result = run(args.people, args.repeats, args.db, args.seed, args.roles)
    orgs = result.pop("_orgs")
    if args.json:
        print(json.dumps(result))
    else:
        print(table(orgs, result["rows"], result["repeats"], result["backend"]))
    sys.stdout.flush()
    return 1 if any(r.get("error") for r in result["rows"]) else 0


if __name__ == "__main__":
    sys.exit(main())
