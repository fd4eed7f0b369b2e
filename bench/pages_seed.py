"""Seeding for `bench/pages.py`: the demo organisation through the services, and an organisation
of N people from the talent bench's generator (`bench/talent.py`) bulk-inserted with SQL core
inserts, each with the ids its pages take."""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from microcred.adapters.db import mapping
from microcred.adapters.db.learning.tables import EnrolmentRow, SubmissionRow
from microcred.adapters.db.skills.tables import UserTeamRow
from microcred.adapters.db.tables import AchievementRow, CredentialRow, OrganisationRow, UserRow
from microcred.bootstrap import Container
from microcred.cli import demo_data
from microcred.cli.demo import seed_demo
from microcred.domain.achievement import Achievement, Alignment
from microcred.domain.credential import Recipient
from microcred.domain.identity import Role
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of
from microcred.services.skills.roles import RoleInput
from microcred.skills.catalogue import Catalogue, CatalogueItem, SkillGrant
from microcred.skills.roles import RoleProfile
from microcred.skills.skills_profile import SkillEvidence
from talent import RELATIONS, make_catalogue, make_people, make_roles, occupation_links

PASSWORD = "bench-password-0123"
BIG_SLUG = "big"
#: the micro-credential of credentials whose skills no role needs (people of other occupations)
GENERAL = CatalogueItem(
    "general",
    "General workplace practice",
    (SkillGrant("https://skills.example.org/general", 2),),
    8,
)


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
