"""Skills intelligence from the database: build an organisation's skills index from N stored
credentials, and serve API requests from the cached index, beside a naive baseline in the same
run (read and parse every stored credential document, then build the same index).

The organisation is generated straight into the tables (issuing 100,000 credentials through the
service would take an hour here): 200 micro-credentials aligned to 1–4 of 500 skills at levels
1–5, P people, N credentials copied from one really issued credential (so stored documents have
their real size), issued over three years, 30% with an expiry (some past), 2% revoked, 1%
suspended. A tenth of the micro-credentials were edited a year ago, so the credentials issued
before that are read from their stored documents (what they certified when issued). 20 roles of
10 requirements each; people in 10 teams.

    python bench/skills_db.py [--credentials 100000] [--people 20000] [--postgres URL] [--json]

Medians; the machine is shared and loaded, so read the ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, select, text, update

from microcred.adapters.db import migrate
from microcred.adapters.db.tables import AchievementRow, CredentialRow, UserRow
from microcred.bootstrap import build
from microcred.config import Settings
from microcred.domain.achievement import Alignment
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of
from microcred.services.skills.evidence import credential_name, document_skills
from microcred.services.skills.roles import RoleInput
from microcred.skills.index import Person, TalentIndex
from microcred.skills.roles import Requirement
from microcred.skills.skills_profile import SkillEvidence
from microcred.web.api.app import create_app

NOW = datetime(2026, 6, 1, tzinfo=UTC)
T = TypeVar("T")
SKILLS = [f"https://skills.example.org/s{i:03d}" for i in range(500)]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def median_ms(repeats: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def database(postgres: str | None, folder: Path) -> tuple[str, Callable[[], None]]:
    if postgres is None:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in postgres else "?"
    return f"{postgres}{sep}options=-csearch_path%3D{schema}", drop


def generate(url: str, n_credentials: int, n_people: int, seed: int) -> dict[str, Any]:
    """The organisation, its people, micro-credentials, roles and credentials."""
    rng = random.Random(seed)
    clock = Clock(NOW - timedelta(days=4 * 365))
    settings = Settings(
        environment="test",
        database_url=url,
        kek_secrets=["bench-kek-0123456789abcdef0123"],
        public_base_url="https://issuer.test",
        ledger_interval_ms=0,
        run_worker=False,
    )
    c = build(settings, clock=clock)
    org, admin_user = c.identity.create_organisation(
        slug="bench", name="Bench", admin_email="admin@bench.test", admin_password="x" * 12
    )
    admin = principal_of(admin_user)
    achievements = []
    for i in range(200):
        skills = rng.sample(SKILLS, rng.randint(1, 4))
        achievements.append(
            c.achievements.create(
                admin,
                AchievementInput(
                    name=f"Micro-credential {i}",
                    description="Generated.",
                    criteria_narrative="Generated.",
                    alignments=[Alignment(s[-4:], s, level=rng.randint(1, 5)) for s in skills],
                    effort_hours=float(rng.randint(2, 40)),
                ),
            )
        )
    template_issued = c.issuance.issue(
        admin,
        IssueRequest(
            achievements[0].id, Recipient(email="admin@bench.test"), suite=Suite.EDDSA_JCS_2022
        ),
    )
    template = template_issued.document
    edited = {a.id for a in rng.sample(achievements, 20)}
    edited_at = NOW - timedelta(days=365)
    with c.engine.begin() as conn:
        for a in achievements:
            conn.execute(
                update(AchievementRow)
                .where(AchievementRow.id == a.id)
                .values(updated_at=edited_at if a.id in edited else clock.current)
            )
    docs = {}
    for a in achievements:
        d = json.loads(json.dumps(template))
        subject = d["credentialSubject"]["achievement"]
        subject["name"] = a.name
        subject["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": x.target_name,
                "targetUrl": x.target_url,
                "targetDescription": f"Required proficiency level: {x.level}.",
            }
            for x in a.alignments
        ]
        docs[a.id] = json.dumps(d)
    emails = [f"p{i:06d}@bench.test" for i in range(n_people)]
    with c.engine.begin() as conn:
        for start in range(0, n_people, 5000):
            conn.execute(
                insert(UserRow),
                [
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "organisation_id": org.id,
                        "email": e,
                        "name": e.split("@")[0],
                        "role": Role.LEARNER.value,
                        "active": True,
                        "created_at": clock.current,
                    }
                    for e in emails[start : start + 5000]
                ],
            )
    span = 3 * 365 * 86400
    stale = 0
    with c.engine.begin() as conn:
        for start in range(0, n_credentials, 5000):
            rows = []
            for k in range(start, min(start + 5000, n_credentials)):
                a = rng.choice(achievements)
                issued = NOW - timedelta(seconds=rng.randint(0, span))
                stale += a.id in edited and issued <= edited_at
                roll = rng.random()
                status = "revoked" if roll < 0.02 else "suspended" if roll < 0.03 else "active"
                until = (
                    issued + timedelta(days=rng.randint(180, 1460)) if rng.random() < 0.3 else None
                )
                rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "organisation_id": org.id,
                        "achievement_id": a.id,
                        "credential_url": f"https://issuer.test/credentials/{k}",
                        "document": docs[a.id],
                        "suite": template_issued.suite,
                        "recipient_email": rng.choice(emails),
                        "status": status,
                        "status_purpose": template_issued.status_purpose.value,
                        "status_list_id": template_issued.status_list_id,
                        "status_index": k + 1 + template_issued.status_index,
                        "key_id": template_issued.key_id,
                        "issued_at": issued,
                        "valid_until": until,
                    }
                )
            conn.execute(insert(CredentialRow), rows)
    clock.current = NOW
    skills = c.skills
    roles = []
    for r in range(20):
        reqs = [Requirement(s, rng.randint(2, 4)) for s in rng.sample(SKILLS, 10)]
        roles.append(skills.roles.create(admin, RoleInput(f"Role {r}", "", reqs, 5)))
    with c.uow() as uow:
        ids = [u.id for u in uow.tenant(org.id).users.list()]
    for i, uid in enumerate(rng.sample(ids, min(len(ids), 2000))):
        skills.people.place(admin, uid, team=f"team {i % 10}", current_role_id=None)
    return {"c": c, "admin": admin, "org": org, "roles": roles, "skills": skills, "stale": stale}


def naive_build(c: Any, org_id: str) -> TalentIndex:
    """Read every credential with its document and parse all of them, then build the index."""
    with c.engine.connect() as conn:
        users = dict(
            conn.execute(
                select(UserRow.email, UserRow.id).where(UserRow.organisation_id == org_id)
            ).all()
        )
        rows = []
        result = conn.execute(
            select(
                CredentialRow.id,
                CredentialRow.achievement_id,
                CredentialRow.recipient_email,
                CredentialRow.status,
                CredentialRow.issued_at,
                CredentialRow.valid_until,
                CredentialRow.document,
            ).where(CredentialRow.organisation_id == org_id)
        )
        for cid, aid, email, status, issued, until, document in result:
            person = users.get(email)
            doc = json.loads(document)
            credential_name(doc)
            if person is None:
                continue
            for s in document_skills(doc):
                rows.append(
                    SkillEvidence(person, s.skill_uri, s.level, cid, issued, until, status, aid)
                )
    return TalentIndex.build(rows, as_of=NOW, people=[Person(u) for u in users.values()])


def run(n_credentials: int, n_people: int, postgres: str | None, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url, drop = database(postgres, Path(folder))
        try:
            migrate.upgrade(url)
            t = time.perf_counter()
            world = generate(url, n_credentials, n_people, seed)
            gen_s = time.perf_counter() - t
            return measure(
                world, n_credentials, n_people, gen_s, "postgresql" if postgres else "sqlite"
            )
        finally:
            drop()


def measure(
    world: dict[str, Any], n: int, people: int, gen_s: float, backend: str
) -> dict[str, Any]:
    c, admin, org, skills = world["c"], world["admin"], world["org"], world["skills"]
    cache = skills.cache
    rss0 = rss_mb()

    def cold() -> None:
        cache.forget(org.id)
        cache.get(org.id)

    build_ms = median_ms(3, cold)
    built = cache.get(org.id)
    rss1 = rss_mb()
    warm_ms = median_ms(30, lambda: cache.get(org.id))
    naive_ms = median_ms(3, lambda: naive_build(c, org.id))
    assert naive_build(c, org.id).entries == built.index.entries, "baseline disagrees"

    token = c.identity.create_token(admin, "bench").token
    h = {"Authorization": f"Bearer {token}"}
    client = TestClient(create_app(c))
    role = world["roles"][0].id
    someone = built.index.people[len(built.index.people) // 2].id
    requests = {
        "search (page of 20)": f"/api/v1/roles/{role}/candidates?limit=20",
        "person gap": f"/api/v1/people/{someone}/gaps?role={role}",
        "career path": f"/api/v1/people/{someone}/career-path?role={role}",
        "role matches": f"/api/v1/people/{someone}/role-matches",
        "roles heatmap (20 roles)": "/api/v1/heatmaps/roles",
        "teams heatmap": f"/api/v1/heatmaps/teams?role={role}",
        "organisation gaps": "/api/v1/organisation/skill-gaps",
        "team gaps (20 roles)": "/api/v1/teams/team%201/gaps",
    }
    latency = {}
    for name, path in requests.items():
        r = client.get(path, headers=h)
        assert r.status_code == 200, (path, r.text[:300])
        latency[name] = median_ms(15, lambda p=path: client.get(p, headers=h))
    # right after an issuance the next request pays for a rebuild
    achievement = built.catalogue.items[next(iter(built.catalogue.items))].id
    after = []
    for _ in range(3):
        c.issuance.issue(
            admin,
            IssueRequest(
                achievement, Recipient(email="admin@bench.test"), suite=Suite.EDDSA_JCS_2022
            ),
        )
        t = time.perf_counter()
        client.get(requests["search (page of 20)"], headers=h)
        after.append((time.perf_counter() - t) * 1000)
    latency["search right after an issuance"] = statistics.median(after)
    with c.uow() as uow:
        victims = [
            x.id for x in uow.tenant(org.id).credentials.list(limit=3) if x.status.value == "active"
        ]
    after = []
    for cid in victims:
        c.credentials.change_status(admin, cid, StatusAction.REVOKE, "bench")
        t = time.perf_counter()
        client.get(requests["search (page of 20)"], headers=h)
        after.append((time.perf_counter() - t) * 1000)
    latency["search right after a revocation"] = statistics.median(after)
    t = time.perf_counter()
    cache.forget(org.id)
    client.get(requests["search (page of 20)"], headers=h)
    latency["search on a cold cache (full read)"] = (time.perf_counter() - t) * 1000
    s = built.stats
    return {
        "backend": backend,
        "credentials": n,
        "people": people,
        "generate_s": round(gen_s, 1),
        "stale_credentials": world["stale"],
        "index": {
            "evidence_rows": s.rows,
            "entries": s.entries,
            "documents_read": s.documents_read,
            "unmatched": s.unmatched,
        },
        "build_ms": round(build_ms, 1),
        "naive_build_ms": round(naive_ms, 1),
        "cache_hit_ms": round(warm_ms, 2),
        "latency_ms": {k: round(v, 1) for k, v in latency.items()},
        "rss_mb": {"before_index": round(rss0), "with_index": round(rss1)},
    }


def table(r: dict[str, Any]) -> str:
    lines = [
        f"skills index from {r['backend']}: {r['credentials']:,} credentials,"
        f" {r['people']:,} people (generated in {r['generate_s']} s;"
        f" {r['stale_credentials']:,} issued before their micro-credential was edited)",
        f"  evidence rows {r['index']['evidence_rows']:,}, index entries {r['index']['entries']:,},"
        f" documents read {r['index']['documents_read']:,}, unmatched {r['index']['unmatched']}",
        f"  {'build from the database':<34} {r['build_ms']:>9.1f} ms",
        f"  {'naive: parse every document':<34} {r['naive_build_ms']:>9.1f} ms"
        f"   ({r['naive_build_ms'] / r['build_ms']:.1f}x)",
        f"  {'cache hit (fingerprint query)':<34} {r['cache_hit_ms']:>9.2f} ms",
        "  request latencies, warm cache (median of 15, in-process HTTP):",
    ]
    for k, v in r["latency_ms"].items():
        lines.append(f"    {k:<32} {v:>9.1f} ms")
    rss = r["rss_mb"]
    lines.append(f"  RSS {rss['before_index']} MB before the index, {rss['with_index']} MB with it")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--credentials", type=int, default=100_000)
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--postgres", default=None, help="a PostgreSQL URL (a schema is made in it)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.credentials <= 130_000:
        sys.exit("--credentials: 1–130,000 (one status list)")
    result = run(args.credentials, args.people, args.postgres, args.seed)
    print(json.dumps(result) if args.json else table(result))


if __name__ == "__main__":
    main()
