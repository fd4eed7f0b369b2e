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
      identity service.

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
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from microcred.adapters.db import (
    mapping,
    migrate,
)
from microcred.adapters.db.learning.tables import EnrolmentRow, SubmissionRow
from microcred.adapters.db.skills.tables import UserTeamRow
from microcred.adapters.db.tables import (
    AchievementRow,
    CredentialRow,
    OrganisationRow,
    UserRow,
)
from microcred.bootstrap import Container, build
from microcred.cli import demo_data
from microcred.cli.demo import seed_demo
from microcred.config import Settings
from microcred.domain.achievement import Achievement, Alignment
from microcred.domain.credential import Recipient
from microcred.domain.identity import Role
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of
from microcred.services.skills.roles import RoleInput
from microcred.skills.catalogue import Catalogue, CatalogueItem, SkillGrant
from microcred.skills.roles import RoleProfile
from microcred.skills.skills_profile import SkillEvidence
from microcred.web.api.app import create_app
from skills_db import database
from talent import RELATIONS, make_catalogue, make_people, make_roles, occupation_links

TARGET_MS = {"demo": 100.0, "people": 300.0}
STATIC = "/static/style.css"
PASSWORD = "bench-password-0123"
BIG_SLUG = "big"
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
#: the micro-credential of credentials whose skills no role needs (people of other occupations)
GENERAL = CatalogueItem(
    "general",
    "General workplace practice",
    (SkillGrant("https://skills.example.org/general", 2),),
    8,
)
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


# ---------------------------------------------------------------------------------- the data


@dataclass
class Org:
    """An organisation to measure: its slug, sign-ins by role and the ids its pages take."""

    name: str
    slug: str
    emails: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    #: why a parameter has no value here
    missing: dict[str, str] = field(default_factory=dict)
    seed_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _synthetic_links(rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    """Occupation → skills links shaped like ESCO's, for a smoke run where ESCO is absent."""
    skills = [f"https://skills.example.org/s{i:04d}" for i in range(600)]
    return {
        f"https://occupations.example.org/o{o:04d}": [
            (s, "essential" if rng.random() < 0.6 else "optional")
            for s in rng.sample(skills, rng.randint(15, 40))
        ]
        for o in range(300)
    }


def _ids(c: Container, org_id: str, learner_id: str | None, reviewer_sees: bool) -> dict[str, str]:
    """Ids the pages take, read from the organisation's rows."""
    out: dict[str, str] = {}
    with c.engine.connect() as conn:
        for key, where in (
            ("credential_id", CredentialRow.id.is_not(None)),
            ("credential_id:jwt", CredentialRow.jwt.is_not(None)),
        ):
            found = conn.scalar(
                select(CredentialRow.id)
                .where(CredentialRow.organisation_id == org_id, where)
                .order_by(CredentialRow.issued_at.desc())
                .limit(1)
            )
            if found:
                out[key] = found
        if learner_id:
            mine = conn.execute(
                select(SubmissionRow.id, SubmissionRow.achievement_id)
                .where(SubmissionRow.user_id == learner_id)
                .limit(1)
            ).first()
            if mine:
                out["submission_id:learner"] = mine[0]
            enrolled = conn.scalar(
                select(EnrolmentRow.achievement_id).where(EnrolmentRow.user_id == learner_id)
            )
            if enrolled:
                out["achievement_id:learner"] = enrolled
        if reviewer_sees:
            waiting = conn.execute(
                select(SubmissionRow.id, SubmissionRow.parts)
                .where(
                    SubmissionRow.organisation_id == org_id,
                    SubmissionRow.status == "in_human_review",
                )
                .order_by(SubmissionRow.created_at)
            ).all()
            if waiting:
                out["submission_id"] = waiting[0][0]
            for sid, parts in waiting:
                digest = next(
                    (p.get("digest") for p in parts if isinstance(p, dict) and p.get("digest")),
                    None,
                )
                if digest:
                    out["submission_id:file"], out["digest"] = sid, str(digest)
                    break
        achievement = conn.scalar(
            select(AchievementRow.id)
            .where(AchievementRow.organisation_id == org_id)
            .order_by(AchievementRow.created_at)
            .limit(1)
        )
        if achievement:
            out["achievement_id"] = achievement
    return out


def _skills_ids(c: Container, org: Org, admin: Any) -> None:
    """A person in a role with verified skills (the median by credentials held) and a role
    they are not in."""
    with c.engine.connect() as conn:
        org_id = conn.scalar(select(OrganisationRow.id).where(OrganisationRow.slug == org.slug))
        held = conn.execute(
            select(UserRow.id, func.count(CredentialRow.id))
            .join(UserTeamRow, UserTeamRow.user_id == UserRow.id)
            .join(
                CredentialRow,
                (CredentialRow.recipient_email == UserRow.email)
                & (CredentialRow.organisation_id == org_id),
            )
            .where(UserRow.organisation_id == org_id, UserTeamRow.current_role_id.is_not(None))
            .group_by(UserRow.id)
            .order_by(func.count(CredentialRow.id), UserRow.id)
        ).all()
    if not held:
        org.missing["user_id"] = "nobody in a role holds a credential"
        return
    person = held[len(held) // 2][0]
    org.params["user_id"] = person
    mine = c.skills.people.get(admin, person).placement.current_role_id
    roles, _ = c.skills.roles.list(admin, 0, 200)
    other = next((r.id for r in roles if r.id != mine), None)
    if other:
        org.params["role_id"] = other


def seed_demo_org(c: Container) -> Org:
    """The demo organisation, through the real services."""
    t = time.perf_counter()
    seed_demo(c)
    emails = {
        "admin": f"admin@{demo_data.DOMAIN}",
        "issuer": f"issuer@{demo_data.DOMAIN}",
        "reviewer": f"reviewer@{demo_data.DOMAIN}",
        "manager": f"manager@{demo_data.DOMAIN}",
        "learner": f"learner@{demo_data.DOMAIN}",
    }
    org = Org("demo", demo_data.SLUG, emails, seed_s=time.perf_counter() - t)
    with c.uow() as uow:
        found = uow.organisations.by_slug(demo_data.SLUG)
        assert found is not None
        users = {u.email: u for u in uow.tenant(found.id).users.list()}
    admin = principal_of(users[emails["admin"]])
    org.params.update(_ids(c, found.id, users[emails["learner"]].id, reviewer_sees=True))
    org.params["slug"] = demo_data.SLUG
    _skills_ids(c, org, admin)
    org.counts = _counts(c, found.id)
    return org


def _counts(c: Container, org_id: str) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {
            "people": conn.scalar(
                select(func.count()).select_from(UserRow).where(UserRow.organisation_id == org_id)
            )
            or 0,
            "credentials": conn.scalar(
                select(func.count())
                .select_from(CredentialRow)
                .where(CredentialRow.organisation_id == org_id)
            )
            or 0,
            "micro-credentials": conn.scalar(
                select(func.count())
                .select_from(AchievementRow)
                .where(AchievementRow.organisation_id == org_id)
            )
            or 0,
        }


def _achievement_rows(org_id: str, catalogue: Any, edited: datetime) -> list[dict[str, Any]]:
    rows = []
    for item in catalogue.items.values():
        a = Achievement(
            id=str(uuid.uuid4()),
            organisation_id=org_id,
            name=item.name[-280:],
            description="Generated by bench/pages.py.",
            criteria_narrative="Show the skill in hands-on work.",
            alignments=[
                Alignment(g.skill_id.rsplit("/", 1)[-1][:60], g.skill_id, level=g.level)
                for g in item.grants
            ],
            effort_hours=float(item.effort_hours) or None,
            created_at=edited,
            updated_at=edited,
        )
        row = mapping.achievement_to_row(a, AchievementRow())
        rows.append({col.key: getattr(row, col.key) for col in AchievementRow.__table__.columns})
        rows[-1]["_item"] = item.id
    return rows


def seed_people_org(c: Container, n: int, n_roles: int, seed: int) -> Org:
    """An organisation of ``n`` people from the talent bench's generator, bulk-inserted."""
    t = time.perf_counter()
    rng = random.Random(seed)
    links = occupation_links() if RELATIONS.exists() else _synthetic_links(rng)
    roles: list[RoleProfile] = make_roles(links, n_roles, rng)
    catalogue = make_catalogue(roles, rng)
    people, evidence = make_people(n, roles, links, rng)
    found, admin_user = c.identity.create_organisation(
        slug=BIG_SLUG, name="Big", admin_email=f"admin@{BIG_SLUG}.test", admin_password=PASSWORD
    )
    admin = principal_of(admin_user)
    emails = {"admin": f"admin@{BIG_SLUG}.test"}
    for role, kind in (
        ("issuer", Role.ISSUER),
        ("reviewer", Role.REVIEWER),
        ("manager", Role.EMPLOYER_VIEWER),
        ("learner", Role.LEARNER),
    ):
        emails[role] = f"{role}@{BIG_SLUG}.test"
        c.identity.add_user(admin, email=emails[role], name=role, role=kind, password=PASSWORD)
    stored = {
        r.id: c.skills.roles.create(
            admin, RoleInput(r.name, "", r.requirements, rng.randint(5, 400), r.source)
        ).id
        for r in roles
    }
    edited = datetime.now(UTC) - timedelta(days=6 * 365)  # before every generated credential
    achievements = _achievement_rows(found.id, catalogue, edited)
    by_item = {a.pop("_item"): a for a in achievements}
    general = _achievement_rows(found.id, Catalogue([GENERAL]), edited)[0]
    general.pop("_item")
    achievements.append(general)
    with c.engine.begin() as conn:
        for start in range(0, len(achievements), 2000):
            conn.execute(insert(AchievementRow), achievements[start : start + 2000])
    # one really issued credential: the template of every stored document, and the page's id
    first = next(iter(by_item.values()))
    template = c.issuance.issue(
        admin,
        IssueRequest(first["id"], Recipient(email=emails["learner"]), suite=Suite.EDDSA_JCS_2022),
    )
    docs: dict[str, str] = {}

    def document(a: dict[str, Any]) -> str:
        if a["id"] not in docs:
            d = json.loads(json.dumps(template.document))
            subject = d["credentialSubject"]["achievement"]
            subject["name"] = a["name"]
            subject["alignment"] = [
                {
                    "type": ["Alignment"],
                    "targetName": x["target_name"],
                    "targetUrl": x["target_url"],
                    "targetDescription": f"Required proficiency level: {x['level']}.",
                }
                for x in a["details"]["alignments"]
            ]
            docs[a["id"]] = json.dumps(d)
        return docs[a["id"]]

    names = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia")
    surnames = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Perlman")
    user_ids = {p.id: str(uuid.UUID(int=rng.getrandbits(128))) for p in people}
    mail = {p.id: f"{p.id}@{BIG_SLUG}.test" for p in people}
    now = datetime.now(UTC)
    with c.engine.begin() as conn:
        for start in range(0, len(people), 5000):
            part = people[start : start + 5000]
            conn.execute(
                insert(UserRow),
                [
                    {
                        "id": user_ids[p.id],
                        "organisation_id": found.id,
                        "email": mail[p.id],
                        "name": f"{rng.choice(names)} {rng.choice(surnames)} {p.id[-6:]}",
                        "role": Role.LEARNER.value,
                        "active": True,
                        "created_at": now,
                    }
                    for p in part
                ],
            )
            conn.execute(
                insert(UserTeamRow),
                [
                    {
                        "user_id": user_ids[p.id],
                        "organisation_id": found.id,
                        "team": p.team,
                        "current_role_id": stored.get(p.role_id or ""),
                        "updated_at": now,
                    }
                    for p in part
                ],
            )
    # one credential per generated credential: the micro-credential for its first skill
    grants: dict[str, dict[int, str]] = {}
    for item in catalogue.items.values():
        if len(item.grants) == 1:
            g = item.grants[0]
            grants.setdefault(g.skill_id, {})[g.level] = item.id
    rows: list[dict[str, Any]] = []
    index = template.status_index

    def flush() -> None:
        with c.engine.begin() as conn:
            conn.execute(insert(CredentialRow), rows)
        rows.clear()

    groups: dict[str, list[SkillEvidence]] = {}
    for e in evidence:
        groups.setdefault(e.credential_id, []).append(e)
    for group in groups.values():
        e = next((x for x in group if x.skill_id in grants), group[0])
        levels = grants.get(e.skill_id)
        if levels is None:  # skills of an occupation no role needs: one general credential
            a = general
        else:
            a = by_item[levels[min(levels, key=lambda lv: (abs(lv - e.level), lv))]]
        index += 1
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "organisation_id": found.id,
                "achievement_id": a["id"],
                "credential_url": f"https://issuer.test/credentials/{e.credential_id}",
                "document": document(a),
                "suite": template.suite,
                "recipient_email": mail[e.person_id],
                "status": e.status,
                "status_purpose": template.status_purpose.value,
                "status_list_id": template.status_list_id,
                "status_index": index,
                "key_id": template.key_id,
                "issued_at": e.valid_from,
                "valid_until": e.valid_until,
            }
        )
        if len(rows) == 5000:
            flush()
    if rows:
        flush()
    if c.engine.dialect.name == "postgresql":
        # what autovacuum does after a bulk load: without statistics the planner takes 100,000
        # rows for a few hundred and picks bitmap scans and sorts (SQLite keeps none unless told)
        with c.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (
                "users",
                "user_teams",
                "credentials",
                "achievements",
                "role_requirements",
            ):
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    org = Org("people", BIG_SLUG, emails, seed_s=time.perf_counter() - t)
    org.params.update(_ids(c, found.id, None, reviewer_sees=True))
    org.params["credential_id"] = template.id
    org.params["slug"] = BIG_SLUG
    for key in ("submission_id", "submission_id:file", "digest"):
        org.missing[key] = "no submissions in a bulk-seeded organisation"
    _skills_ids(c, org, admin)
    org.counts = _counts(c, found.id)
    return org


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
