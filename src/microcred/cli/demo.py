"""Seeding the demo organisation that ``make run`` shows, through the real services only.

Each step skips what is already there (people by e-mail, roles, micro-credentials and pathways
by name), so a rerun adds nothing and takes seconds. The story (submissions reviewed by the AI
alone and by a person, some still waiting; credentials issued, revoked, suspended and expired)
runs once, while the organisation has no credentials yet.

Expired credentials are issued by the same issuance service on a container whose clock is set
back (as if issued 400 days ago, valid for a year): their ``validUntil`` has passed, so every
verifier reports them expired, and the log entry and signatures are real.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from microcred.bootstrap import Container, Skills, build
from microcred.cli import demo_data as data
from microcred.domain.achievement import Alignment, ResultDescription, RubricLevel, StatusPurpose
from microcred.domain.credential import (
    CredentialStatus,
    Evidence,
    IssuedCredential,
    Recipient,
    StatusAction,
)
from microcred.domain.identity import Organisation, Principal, Role, User, permissions_of
from microcred.errors import Conflict
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest

DEMO_SLUG = data.SLUG
DEMO_EMAIL = f"admin@{data.DOMAIN}"
DEMO_PASSWORD = data.PASSWORD

#: which micro-credentials people in each job role already hold (issued after workshops)
HELD_BY_ROLE: dict[str, tuple[str, ...]] = {
    "software-developer": ("programming", "design-patterns", "documentation"),
    "cloud-engineer": ("debugging", "db-security", "programming"),
    "data-analyst": ("sql", "cleansing", "statistics"),
    "data-scientist": ("statistics", "sql", "programming"),
    "database-administrator": ("sql", "db-security"),
    "security-administrator": ("db-security", "debugging"),
    "web-developer": ("web", "programming"),
    "ui-designer": ("web", "documentation"),
    "software-tester": ("debugging", "programming"),
    "project-manager": ("project", "documentation"),
}
#: the pathway each team's learners enrol in
TEAM_PATHWAY = {
    "Data & Analytics": "data-pathway",
    "Platform Engineering": "engineering-pathway",
    "Quality Engineering": "engineering-pathway",
    "Security Operations": "operations-pathway",
}
#: steps the progress bar counts
STEPS = 8


def _principal(user: User) -> Principal:
    return Principal(
        user.id, user.organisation_id, user.role, user.email, permissions_of(user.role)
    )


@dataclass
class Seeded:
    """What the seeding found or made, by key."""

    org: Organisation
    admin: Principal
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    achievements: dict[str, str] = field(default_factory=dict)
    pathways: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)


def seed_demo(c: Container, advance: Callable[[int], None] | None = None) -> str:
    """Seed the demo organisation (once; a rerun adds nothing) and say how to use it."""
    step = advance or (lambda _n: None)
    with c.uow() as uow:
        org = uow.organisations.by_slug(DEMO_SLUG)
    staff = data.people()
    if org is None:
        org, _ = c.identity.create_organisation(
            slug=DEMO_SLUG,
            name=data.NAME,
            admin_email=DEMO_EMAIL,
            admin_password=DEMO_PASSWORD,
            admin_name=staff[0].name,
            url="https://demo.example",
            description="A digital services company that grows its people with micro-credentials.",
        )
    with c.uow() as uow:
        admin_user = uow.tenant(org.id).users.by_email(DEMO_EMAIL)
    assert admin_user is not None
    s = Seeded(org, _principal(admin_user))
    skills = c.skills
    _people(c, s, staff)
    step(1)
    _roles(skills, s)
    step(1)
    _placements(skills, s, staff)
    step(1)
    _micro_credentials(c, s)
    step(1)
    _pathways(c, s)
    step(1)
    _story(c, s, staff, step)
    return _report(c, s, staff)


def _people(c: Container, s: Seeded, staff: list[data.Person]) -> None:
    with c.uow() as uow:
        existing = {u.email: u for u in uow.tenant(s.org.id).users.list()}
    for person in staff:
        user = existing.get(person.email)
        if user is None:
            user = c.identity.add_user(
                s.admin,
                email=person.email,
                name=person.name,
                role=person.role,
                password=DEMO_PASSWORD if person.sign_in else None,
            )
            s.created.append(f"person {person.email}")
        s.users[person.email] = user


def _roles(skills: Skills, s: Seeded) -> None:
    existing, _ = skills.roles.list(s.admin, limit=200)
    by_source = {r.source_occupation: r.id for r in existing}
    headcount: dict[str, int] = {}
    for person in data.people():
        if person.job_role:
            headcount[person.job_role] = headcount.get(person.job_role, 0) + 1
    for key, occupation in data.ROLES:
        uri = data.ESCO_OCCUPATION + occupation
        if uri not in by_source:
            role = skills.roles.from_occupation(
                s.admin, uri, include_optional=False, headcount=headcount.get(key, 1)
            )
            by_source[uri] = role.id
            s.created.append(f"role {role.name}")
        s.roles[key] = by_source[uri]


def _placements(skills: Skills, s: Seeded, staff: list[data.Person]) -> None:
    placed, _ = skills.people.list_people(s.admin, limit=200)
    done = {v.user.id: v.placement for v in placed}
    for person in staff:
        if person.team is None:
            continue
        user = s.users[person.email]
        role_id = s.roles[person.job_role] if person.job_role else None
        current = done.get(user.id)
        if current is None or (current.team, current.current_role_id) != (person.team, role_id):
            skills.people.place(s.admin, user.id, team=person.team, current_role_id=role_id)


def _achievement_input(
    mc: data.MicroCredential, taxonomy_label: Callable[[str], str]
) -> AchievementInput:
    alignments = [
        Alignment(
            target_name=taxonomy_label(data.ESCO_SKILL + skill),
            target_url=data.ESCO_SKILL + skill,
            target_framework="ESCO v1.1.1",
            target_code=skill,
            level=level,
        )
        for skill, level in mc.skills
    ]
    levels = (*data.LEVELS, data.COMPLETE)
    result = ResultDescription(
        f"urn:demo:{mc.key}:work",
        mc.criterion,
        levels=tuple(
            RubricLevel(f"urn:demo:{mc.key}:level:{lv['points']}", str(lv["name"])) for lv in levels
        ),
        required_level=f"urn:demo:{mc.key}:level:2",
    )
    return AchievementInput(
        name=mc.name,
        description=mc.description,
        criteria_narrative=mc.criteria,
        alignments=alignments,
        effort_hours=mc.effort_hours,
        validity_days=mc.validity_days,
        result_descriptions=[result],
        tags=list(mc.tags),
        status_purpose=StatusPurpose(mc.status_purpose),
    )


def _micro_credentials(c: Container, s: Seeded) -> None:
    from microcred.services.skills.taxonomy import Reference  # noqa: PLC0415
    from microcred.skills.skill_matching import default_matcher  # noqa: PLC0415

    def label(uri: str) -> str:  # the taxonomy loads (about a second) only when needed
        return Reference(default_matcher).taxonomy.skill(uri).label

    existing = {a.name: a.id for a in c.achievements.list(s.admin, limit=200)}
    for mc in data.MICRO_CREDENTIALS:
        if mc.name not in existing:
            made = c.achievements.create(s.admin, _achievement_input(mc, label))
            existing[mc.name] = made.id
            s.created.append(f"micro-credential {mc.name}")
            rubric = {
                "title": mc.name,
                "task": mc.task,
                "human_agreement": 0.8,
                "pass_points": 2,
                "criteria": [
                    {
                        "id": "work",
                        "description": mc.criterion,
                        "levels": [*data.LEVELS, data.COMPLETE],
                    }
                ],
            }
            c.rubrics.set_rubric(s.admin, made.id, rubric)
            if mc.key in data.ANSWERS:
                c.rubrics.import_graded(s.admin, made.id, data.graded_examples(mc.key))
        s.achievements[mc.key] = existing[mc.name]
    for p in data.PATHWAYS:
        if p.name not in existing:
            made = c.achievements.create(
                s.admin,
                AchievementInput(
                    name=p.name,
                    description=p.description,
                    criteria_narrative="Earn every micro-credential of the pathway: "
                    + ", ".join(_mc(k).name for k in p.parts)
                    + ".",
                    achievement_type="LearningProgram",
                    effort_hours=sum(_mc(k).effort_hours for k in p.parts),
                    validity_days=None,
                ),
            )
            existing[p.name] = made.id
            s.created.append(f"pathway credential {p.name}")
        s.achievements[p.key] = existing[p.name]


def _mc(key: str) -> data.MicroCredential:
    return next(m for m in data.MICRO_CREDENTIALS if m.key == key)


def _pathways(c: Container, s: Seeded) -> None:
    existing = {p.name: p.id for p in c.learning.pathways(s.admin)}
    for p in data.PATHWAYS:
        if p.name not in existing:
            a = s.achievements
            made = c.learning.create_pathway(
                s.admin,
                name=p.name,
                description=p.description,
                kind="pathway",
                achievement_id=a[p.key],
                requirement={"all_of": [{"earn": a[k]} for k in p.parts]},
                prerequisites={a[k]: [a[x] for x in v] for k, v in p.prerequisites.items()},
            )
            existing[p.name] = made.id
            s.created.append(f"pathway {p.name}")
        s.pathways[p.key] = existing[p.name]


# --- the story: reviews, issuance, status changes -----------------------------------------------
@dataclass(frozen=True, slots=True)
class _Submit:
    email: str
    key: str
    level: int


def _story(c: Container, s: Seeded, staff: list[data.Person], step: Callable[[int], None]) -> None:
    """Enrolments, credentials already held, submissions and their reviews, status changes;
    each part skips what an earlier (perhaps interrupted) run already did."""
    learners = [p for p in staff if p.role is Role.LEARNER]
    for person in learners:
        pathway = TEAM_PATHWAY.get(person.team or "")
        if pathway:
            try:
                c.learning.enrol(_principal(s.users[person.email]), pathway_id=s.pathways[pathway])
                s.created.append(f"enrolment of {person.email}")
            except Conflict:
                pass  # enrolled by an earlier run
    ai_alone, by_person, waiting = _submissions(learners)
    story = {(x.email, x.key) for x in (*ai_alone, *by_person, *waiting)}
    issued = _issued(c, s)
    now = c.clock.now()
    if not any(x.valid_until and x.valid_until < now for x in issued):
        _expired(c, s, staff)  # first: the long-ago issuance opens the suspension list back then
        s.created.append("expired credentials")
    held_pairs = {(x.recipient_email, x.achievement_id) for x in issued}
    rng = random.Random(data.SEED)  # noqa: S311 — deterministic demo data
    held: list[tuple[data.Person, str]] = []
    for person in staff:
        if person.job_role is None:
            continue
        keep = [
            k
            for k in HELD_BY_ROLE[person.job_role]
            if rng.random() < 0.55 and (person.email, k) not in story
        ]
        if person.email == by_person[0].email:  # the pathway finisher holds two parts already
            keep = ["sql", "cleansing"]
        held += [(person, k) for k in keep if (person.email, s.achievements[k]) not in held_pairs]
    if held:
        _issue(c, s, held)
        s.created.append(f"{len(held)} credentials")
    step(1)
    for n, sub in enumerate((*ai_alone, *by_person, *waiting)):
        learner = _principal(s.users[sub.email])
        if any(
            x.achievement_id == s.achievements[sub.key] for x in c.learning.my_submissions(learner)
        ):
            continue
        c.learning.submit(
            learner, s.achievements[sub.key], texts=[data.answer(sub.key, sub.level, n)]
        )
        s.created.append(f"submission of {sub.email}")
    c.jobs.drain()
    step(1)
    reviewer = _principal(s.users[f"reviewer@{data.DOMAIN}"])
    queue = {(x.user_id, x.achievement_id): x for x in c.review.queue(reviewer, limit=200)}
    for sub in by_person:
        item = queue.get((s.users[sub.email].id, s.achievements[sub.key]))
        if item is None:
            continue  # decided by an earlier run
        c.review.decide(
            reviewer,
            item.id,
            points={"work": float(sub.level)},
            feedback="Clear and complete; well done."
            if sub.level == 2
            else "Good start: add the missing parts and resubmit.",
        )
    if not any(x.status is not CredentialStatus.ACTIVE for x in issued):
        _status_changes(c, s)
    step(1)


def _submissions(learners: list[data.Person]) -> tuple[list[_Submit], list[_Submit], list[_Submit]]:
    """Who submits what: decided by the AI alone (its two trained rubrics), by a person, and
    waiting for one."""
    data_people = [p.email for p in learners if p.team == "Data & Analytics"]
    eng_people = [
        p.email for p in learners if p.team in ("Platform Engineering", "Quality Engineering")
    ]
    web_people = [p.email for p in learners if p.team == "Web & Design"]
    ops_people = [p.email for p in learners if p.team == "Security Operations"]
    lead = f"learner@{data.DOMAIN}"
    ai_alone = [
        _Submit(lead, "debugging", 2),
        *(_Submit(e, "sql", 2) for e in data_people[:4]),
        *(_Submit(e, "debugging", 2) for e in ops_people[:3]),
        _Submit(data_people[4], "sql", 0),
    ]
    by_person = [
        _Submit(data_people[5], "statistics", 2),  # completes the Data Analyst Pathway
        *(_Submit(e, "programming", 2) for e in eng_people[1:4]),
        _Submit(eng_people[4], "documentation", 1),
        _Submit(web_people[0], "web", 2),
    ]
    waiting = [
        _Submit(lead, "programming", 2),
        _Submit(data_people[6], "cleansing", 1),
        _Submit(web_people[1], "web", 2),
        _Submit(eng_people[5], "documentation", 2),
        _Submit(ops_people[3], "db-security", 2),
    ]
    return ai_alone, by_person, waiting


def _issued(c: Container, s: Seeded) -> list[IssuedCredential]:
    out: list[IssuedCredential] = []
    while page := c.credentials.list(s.admin, offset=len(out), limit=200):
        out += page
    return out


def _issue(c: Container, s: Seeded, held: list[tuple[data.Person, str]]) -> None:
    """Issue credentials for workshop assessments, all in one transaction (one commit: on
    SQLite that is several times faster than one transaction per credential)."""
    with c.uow() as uow:
        for person, key in held:
            c.issuance.issue_within(
                uow,
                s.org.id,
                IssueRequest(
                    s.achievements[key],
                    Recipient(email=person.email, name=person.name),
                    [
                        Evidence(
                            name="Workshop assessment",
                            narrative=f"Assessed at the {_mc(key).name} workshop.",
                        )
                    ],
                ),
            )
        uow.commit()


def _status_changes(c: Container, s: Seeded) -> None:
    now = c.clock.now()
    active = [
        x
        for x in c.credentials.list(s.admin, status=CredentialStatus.ACTIVE, limit=200)
        if not (x.valid_until and x.valid_until < now)
    ]
    suspendable = [x for x in active if x.achievement_id == s.achievements["db-security"]]
    for credential in suspendable[:2]:
        c.credentials.change_status(
            s.admin, credential.id, StatusAction.SUSPEND, "Production database access under review."
        )
    revocable = [x for x in active if x.achievement_id == s.achievements["programming"]]
    reasons = ("Issued to the wrong person.", "The assessed work was found to be copied.")
    for credential, reason in zip(revocable[:2], reasons, strict=False):
        c.credentials.change_status(s.admin, credential.id, StatusAction.REVOKE, reason)


class _BackdatedClock:
    """The system clock, set back by a fixed offset (for credentials issued long ago)."""

    def __init__(self, offset: timedelta) -> None:
        self._offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) - self._offset


def _expired(c: Container, s: Seeded, staff: list[data.Person]) -> None:
    past = build(c.settings, clock=_BackdatedClock(timedelta(days=400)))
    try:
        people = [p for p in staff if p.job_role in ("database-administrator", "cloud-engineer")]
        _issue(past, s, [(person, "db-security") for person in people[:3]])
    finally:
        past.close()


# --- the report --------------------------------------------------------------------------------
def _report(c: Container, s: Seeded, staff: list[data.Person]) -> str:
    base = c.settings.public_base_url
    credentials = c.credentials.list(s.admin, limit=200)
    counts: dict[str, int] = {}
    now = c.clock.now()
    for x in credentials:
        state = "expired" if x.valid_until and x.valid_until < now else x.status.value
        counts[state] = counts.get(state, 0) + 1
    reviewer = _principal(s.users[f"reviewer@{data.DOMAIN}"])
    waiting = len(c.review.queue(reviewer, limit=200))
    teams = len({p.team for p in staff if p.team})
    token = c.identity.create_token_for(DEMO_SLUG, DEMO_EMAIL, "demo").token
    what = "created" if s.created else "already present (nothing added)"
    lines = [
        f"Demo organisation '{DEMO_SLUG}' ({data.NAME}) {what}.",
        f"  people:    {len(s.users)} in {teams} teams with managers; {len(s.roles)} job roles "
        f"from ESCO; {len(s.pathways)} pathways",
        "  credentials: "
        + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        + f"; {waiting} submissions waiting for a reviewer",
        *_witnessed_log(c),
        f"  sign in at {base}/login  (organisation {DEMO_SLUG}, password {DEMO_PASSWORD}):",
        *(f"    {p.sign_in:<20} {p.email}" for p in staff if p.sign_in),
        f"  verify:    {base}/  (paste any credential)",
        f"  API token: {token}",
        f"  API docs:  {base}/docs",
        f"  list:      curl -H 'Authorization: Bearer {token}' {base}/api/v1/credentials",
    ]
    return "\n".join(lines)


def _witnessed_log(c: Container, wait_seconds: float = 15.0) -> list[str]:
    """Sequence the seeded entries and have every configured witness cosign the checkpoint
    (waiting a little for a witness that is still starting); lines saying what happened."""
    while c.ledger.sequence() is not None:
        pass
    with c.uow() as uow:
        latest = uow.ledger.latest_checkpoint()
    size = latest[0] if latest else 0
    if not c.witnessing.endpoints:
        return [
            f"  log:       checkpoint of size {size}; no witness configured (MICROCRED_WITNESSES), "
            "so the audit could not detect a rollback"
        ]
    lines = []
    for name, problem in c.witnessing.bring_up_to_date(wait_seconds).items():
        if problem is None:
            lines.append(f"  log:       checkpoint of size {size} cosigned by the witness {name}")
        else:
            lines.append(
                f"  log:       checkpoint of size {size} not cosigned by {name} yet: {problem}"
            )
    return lines
