"""LTI 1.3 launches: what the tool's steps cost, beside a baseline measured in the same run
(the tool's JWKS, one cheap page of the same app). A real platform (``lti1p3platform``, on
loopback, from tests/integration/lti_platform.py) launches microcred (in this process, SQLite
in a temporary folder) ``--launches`` times; each launch is timed in its parts: the login
initiation, the platform's auth answer (not ours: the platform signs the id_token), and the
launch POST (id_token checked against the platform's JWKS, from the cache after the first,
the state consumed, the session started). Then the score job: token request and score post.

    python bench/lti.py [--launches 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from fastapi.testclient import TestClient
from tests.integration.lti_platform import CLIENT_ID, DEPLOYMENT, launch_form, serve

from microcred.adapters.db import migrate
from microcred.bootstrap import build
from microcred.config import Settings
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.services.lti import PlatformSettings
from microcred.web.api.app import create_app

BASE = "https://issuer.test"


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "n": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--launches", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    migrate.upgrade(url)
    settings = Settings(
        environment="test",
        database_url=url,
        kek_secrets=["bench-kek-0123456789abcdef"],
        public_base_url=BASE,
        ledger_interval_ms=0,
        run_worker=False,
        allow_insecure_http=True,
        fetch_allow_networks=["127.0.0.1/32"],
        blob_dir=str(tmp / "blobs"),
    )  # type: ignore[call-arg]
    c = build(settings)
    platforms = serve()
    lms = next(platforms)
    rows: dict[str, list[float]] = {
        "baseline: GET jwks": [],
        "login initiation": [],
        "platform auth (not ours)": [],
        "launch POST": [],
    }
    try:
        _, admin_user = c.identity.create_organisation(
            slug="acme", name="Acme", admin_email="a@acme.test", admin_password="a long password!"
        )
        admin = principal_of(admin_user)
        aid = c.achievements.create(
            admin, AchievementInput(name="Lifting", description="D.", criteria_narrative="C.")
        ).id
        c.lti.registrations.save(
            admin,
            PlatformSettings(
                name="LMS",
                issuer=lms.issuer,
                client_id=CLIENT_ID,
                deployment_ids=[DEPLOYMENT],
                auth_login_url=f"{lms.url}/auth",
                auth_token_url=f"{lms.url}/token",
                jwks_url=f"{lms.url}/jwks",
                just_in_time=True,
            ),
        )
        urls = c.lti.registrations.tool_urls("acme")
        lms.connect(urls.login, urls.launch, c.lti.keys.jwks(admin.organisation_id))
        lms.plan.custom = {"achievement_id": aid}
        app = create_app(c)
        with TestClient(app, base_url=BASE) as web, httpx.Client(timeout=10) as http:
            for i in range(args.launches + 5):
                lms.plan.user_id, lms.plan.email = f"u{i}", f"u{i}@example.org"
                t0 = time.perf_counter()
                web.get("/lti/acme/jwks")
                t1 = time.perf_counter()
                r = web.get(lms.login_initiation().removeprefix(BASE), follow_redirects=False)
                t2 = time.perf_counter()
                action, fields = launch_form(http.get(r.headers["location"]).text)
                t3 = time.perf_counter()
                done = web.post(action.removeprefix(BASE), data=fields)
                t4 = time.perf_counter()
                assert done.status_code == 200, done.text[:300]
                if i >= 5:  # warm-up launches are not counted
                    for name, took in zip(rows, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                        rows[name].append(took)
        # the score job: one learner's decided submission, token request + score post
        with c.uow() as uow:
            user = uow.tenant(admin.organisation_id).users.by_email("u5@example.org")
        assert user is not None
        posts: list[float] = []
        for _ in range(20):
            s = c.learning.submit(principal_of(user), aid, texts=["work"])
            c.jobs.drain()
            c.review.decide(admin, s.id, passed=True)
            t0 = time.perf_counter()
            c.jobs.drain()
            posts.append(time.perf_counter() - t0)
        rows["score job (token + post)"] = posts
    finally:
        next(platforms, None)
        c.close()
    table = {name: _stats(samples) for name, samples in rows.items()}
    base = table["baseline: GET jwks"]["median_ms"]
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print(f"LTI 1.3 on SQLite, {args.launches} launches, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"{'step':28} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} {'x baseline':>10} {'n':>5}")
    for name, s in table.items():
        print(
            f"{name:28} {s['median_ms']:10.2f} {s['p95_ms']:8.2f} {s['p99_ms']:8.2f} "
            f"{s['median_ms'] / base:10.1f} {int(s['n']):5}"
        )


if __name__ == "__main__":
    main()
