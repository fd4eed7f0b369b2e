"""What an error page costs now that it shows the signed-in visitor's navigation (a session
lookup, off the event loop), beside the baselines measured in the same run:

- ``404 JSON (API)``: the API's answer, no page and no session read (the floor);
- ``404 page, signed out``: the page with no session cookie (no lookup);
- ``404 page, signed in``: the same page with the visitor's navigation (one token lookup);
- ``403 page, signed in``: a learner on an admin page (the route's own lookup, then the page's);
- ``a page, signed in``: ``/learn`` for comparison (a real page's work).

In-process (Starlette's TestClient) on a fresh SQLite database, one client at a time, the rows
interleaved.

    python bench/error_pages.py [--count 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from microcred.adapters.db import migrate
from microcred.bootstrap import Container, build
from microcred.config import Settings
from microcred.domain.identity import Role
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

PASSWORD = "a long enough password"
HTML = {"Accept": "text/html"}


def _session(app: object, slug: str, email: str) -> TestClient:
    web = TestClient(app, base_url="https://testserver")  # type: ignore[arg-type]
    page = web.get("/login").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    data = {"organisation": slug, "email": email, "password": PASSWORD, "csrf": csrf}
    assert web.post("/login", data=data, follow_redirects=False).status_code == 303
    return web


def _time(
    rows: list[tuple[str, Callable[[], int], int]], count: int
) -> list[tuple[str, float, float]]:
    """Median and p95 milliseconds of each row, the rows interleaved (so a noisy moment on a
    shared machine falls on every row alike)."""
    samples: dict[str, list[float]] = {name: [] for name, _, _ in rows}
    for i in range(count + 10):
        for name, call, expect in rows:
            start = time.perf_counter()
            status = call()
            elapsed = (time.perf_counter() - start) * 1000
            assert status == expect, (name, status)
            if i >= 10:  # the first ten warm up
                samples[name].append(elapsed)
    found = []
    for name, _, _ in rows:
        ordered = sorted(samples[name])
        found.append((name, statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]))
    return found


@contextmanager
def fresh_container() -> Iterator[Container]:
    """microcred on a fresh, migrated SQLite database in a temporary folder (no worker)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        settings = Settings(
            environment="test",
            database_url=url,
            kek_secrets=["bench-kek-secret-0123456789abcdef"],
            public_base_url="https://issuer.test",
            run_worker=False,
        )
        c = build(settings)
        try:
            yield c
        finally:
            c.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    count = parser.parse_args().count
    with fresh_container() as c:
        _, admin = c.identity.create_organisation(
            slug="bench", name="Bench", admin_email="admin@bench.test", admin_password=PASSWORD
        )
        c.identity.add_user(
            principal_of(admin),
            email="lea@bench.test",
            name="Lea",
            role=Role.LEARNER,
            password=PASSWORD,
        )
        with TestClient(create_app(c), base_url="https://testserver") as anonymous:
            app = anonymous.app
            admin_web = _session(app, "bench", "admin@bench.test")
            learner = _session(app, "bench", "lea@bench.test")
            rows = [
                ("404 JSON (API)", lambda: anonymous.get("/api/v1/nope").status_code, 404),
                (
                    "404 page, signed out",
                    lambda: anonymous.get("/nope", headers=HTML).status_code,
                    404,
                ),
                (
                    "404 page, signed in",
                    lambda: admin_web.get("/nope", headers=HTML).status_code,
                    404,
                ),
                (
                    "403 page, signed in",
                    lambda: learner.get("/admin/people", headers=HTML).status_code,
                    403,
                ),
                ("a page, signed in", lambda: learner.get("/learn").status_code, 200),
            ]
            results = _time(rows, count)
    floor = results[1][1]
    print(f"{count} requests each, in-process, SQLite")
    print(f"{'request':<24} {'median ms':>10} {'p95 ms':>8} {'× signed-out 404':>17}")
    for name, median, p95 in results:
        print(f"{name:<24} {median:>10.2f} {p95:>8.2f} {median / floor:>17.2f}")


if __name__ == "__main__":
    main()
