"""The demo organisation's content: its people (names generated from a seed, nobody real), teams,
job roles from bundled ESCO occupations, micro-credentials with rubrics, pathways, and the
answers learners submit. Pure data; `microcred.cli.demo` seeds it through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from microcred.domain.identity import Role

SLUG = "demo"
NAME = "Northwind Digital"
DOMAIN = "demo.example"
PASSWORD = "demo-password-change-me"  # noqa: S105 — development demo only
SEED = 20261202

ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"

#: job roles: (key, ESCO occupation id); the role's name and skills come from the taxonomy
ROLES: tuple[tuple[str, str], ...] = (
    ("software-developer", "f2b15a0e-e65a-438a-affb-29b9d50b77d1"),
    ("cloud-engineer", "349ee6f6-c295-4c38-9b98-48765b55280e"),
    ("data-analyst", "d3edb8f8-3a06-47a0-8fb9-9b212c006aa2"),
    ("data-scientist", "258e46f9-0075-4a2e-adae-1ff0477e0f30"),
    ("database-administrator", "8c57af09-719c-42b3-be40-6ed4946236cc"),
    ("security-administrator", "0464b062-cea6-4164-b10d-956c61956ae7"),
    ("web-developer", "c40a2919-48a9-40ea-b506-1f34f693496d"),
    ("ui-designer", "96e20037-0a25-4bf6-a25e-808d1605d890"),
    ("software-tester", "106f79e4-6264-45f1-9e7a-297435cd684b"),
    ("project-manager", "8b6388a4-4904-471b-9331-d3b1211f5525"),
)


@dataclass(frozen=True, slots=True)
class Team:
    """A team: its name, the job roles its members hold, and how many members (with the
    manager)."""

    name: str
    roles: tuple[str, ...]
    size: int


TEAMS: tuple[Team, ...] = (
    Team("Platform Engineering", ("software-developer", "cloud-engineer"), 10),
    Team("Data & Analytics", ("data-analyst", "data-scientist", "database-administrator"), 10),
    Team("Security Operations", ("security-administrator",), 8),
    Team("Web & Design", ("web-developer", "ui-designer"), 9),
    Team("Quality Engineering", ("software-tester",), 8),
    Team("Delivery Office", ("project-manager",), 7),
)

FIRST_NAMES = [
    "Ada",
    "Ben",
    "Cleo",
    "Dara",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quin",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Vic",
    "Wren",
    "Xena",
    "Yuri",
    "Zoe",
    "Alba",
    "Bram",
    "Cora",
    "Dov",
    "Edda",
    "Finn",
    "Gala",
    "Hugo",
    "Iris",
    "Joel",
    "Kira",
    "Luca",
    "Maya",
    "Nico",
    "Olga",
    "Pavel",
    "Rhea",
    "Soren",
    "Tova",
    "Ugo",
    "Vera",
    "Wim",
    "Yara",
    "Zeno",
]
LAST_NAMES = [
    "Abara",
    "Berglund",
    "Castell",
    "Dunmore",
    "Ekwueme",
    "Faraday",
    "Grunwald",
    "Halvorsen",
    "Ibarra",
    "Jansky",
    "Kowal",
    "Lindqvist",
    "Marchetti",
    "Novak",
    "Okafor",
    "Petrov",
    "Quesnel",
    "Rasmussen",
    "Sandoval",
    "Takeda",
    "Urquhart",
    "Valdivia",
    "Whitlock",
    "Xiong",
    "Yilmaz",
    "Zielinski",
]


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in the demo organisation."""

    email: str
    name: str
    role: Role
    team: str | None = None
    job_role: str | None = None
    #: printed as a sign-in (and so given the demo password)
    sign_in: str | None = None


def _names(count: int) -> list[str]:
    rng = random.Random(SEED)  # noqa: S311 — deterministic demo data
    pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(pairs)
    return [f"{f} {last}" for f, last in pairs[:count]]


def people() -> list[Person]:
    """Everyone, deterministically: the staff who run learning, then each team (its manager
    first). The first member of the first team is the learner whose sign-in is printed."""
    total = 4 + sum(t.size for t in TEAMS)
    names = iter(_names(total))
    staff = [
        Person(f"admin@{DOMAIN}", next(names), Role.ADMIN, sign_in="admin"),
        Person(f"issuer@{DOMAIN}", next(names), Role.ISSUER, sign_in="issuer / instructor"),
        Person(f"reviewer@{DOMAIN}", next(names), Role.REVIEWER, sign_in="reviewer"),
        Person(f"reviewer2@{DOMAIN}", next(names), Role.REVIEWER),
    ]
    out = list(staff)
    for t_index, team in enumerate(TEAMS):
        for i in range(team.size):
            name = next(names)
            job = team.roles[i % len(team.roles)]
            if i == 0:
                email = f"manager@{DOMAIN}" if t_index == 0 else _email(name)
                out.append(
                    Person(
                        email,
                        name,
                        Role.EMPLOYER_VIEWER,
                        team.name,
                        "project-manager",
                        sign_in="manager / HR" if t_index == 0 else None,
                    )
                )
                continue
            first = t_index == 0 and i == 1
            out.append(
                Person(
                    f"learner@{DOMAIN}" if first else _email(name),
                    name,
                    Role.LEARNER,
                    team.name,
                    job,
                    sign_in="learner" if first else None,
                )
            )
    return out


def _email(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@{DOMAIN}"


@dataclass(frozen=True, slots=True)
class MicroCredential:
    """A micro-credential: its skills (ESCO skill id, level 1–5), rubric and terms."""

    key: str
    name: str
    description: str
    criteria: str
    skills: tuple[tuple[str, int], ...]
    task: str
    criterion: str
    effort_hours: float
    validity_days: int | None = 730
    #: "suspension" for credentials that may be suspended and reinstated
    status_purpose: str = "revocation"
    tags: tuple[str, ...] = ()


MICRO_CREDENTIALS: tuple[MicroCredential, ...] = (
    MicroCredential(
        "sql",
        "SQL for Data Analysis",
        "Writes correct, readable SQL queries that answer business questions.",
        "Answer the three warehouse questions in SQL; the rubric grades them complete.",
        (("9cf681c7-89ec-470c-b651-7fe03786f586", 3), ("4463a721-69f3-413d-8321-43e3af13a4f1", 3)),
        "Write the SQL that answers: revenue per region last quarter, the ten best customers, "
        "and the month-on-month change in orders. Explain each query's joins and filters.",
        "Correct queries with joins, grouping and filters explained",
        6,
        tags=("data", "sql"),
    ),
    MicroCredential(
        "cleansing",
        "Data Cleansing and Quality",
        "Finds and fixes duplicates, gaps and inconsistent values in a data set.",
        "A cleansing report on the sample customer file, with rules and before/after counts.",
        (("50b100ea-74fd-4706-99db-3e4ca55e51b8", 3), ("cc7370dd-69fa-4c67-a96f-d4d135d38700", 2)),
        "Clean the sample customer file: describe the duplicates, missing values and "
        "inconsistent formats you found, the rules you applied and the counts before and after.",
        "Problems found, rules applied, counts before and after",
        8,
        tags=("data",),
    ),
    MicroCredential(
        "statistics",
        "Applied Statistics and Visualisation",
        "Chooses a suitable statistical test and presents the result in a clear chart.",
        "An analysis of the A/B test data with the test chosen, the result and one chart.",
        (("7ee4c2ea-b349-4bd2-81a3-ec31475d4833", 3), ("348b74cd-49ce-4844-8bdf-ec188b497213", 2)),
        "Analyse the A/B test: which test did you choose and why, what is the result with its "
        "uncertainty, and what does your chart show?",
        "Suitable test, result with uncertainty, a clear chart",
        10,
        tags=("data",),
    ),
    MicroCredential(
        "programming",
        "Programming Fundamentals",
        "Writes small, tested programs with clear structure.",
        "A tested solution to the exercises, explained.",
        (("21d2f96d-35f7-4e3f-9745-c533d2dd6e97", 3), ("8b94aa1e-89c9-459d-b3b4-1dfab8dec2df", 2)),
        "Describe your solution to the exercises: its structure, the tests you wrote, and one "
        "design choice you would revisit.",
        "Structure, tests and reasoning",
        12,
        tags=("engineering",),
    ),
    MicroCredential(
        "debugging",
        "Debugging and Incident Analysis",
        "Finds the root cause of a failure and writes a blameless incident review.",
        "A post-incident review the rubric grades complete.",
        (("2522a6ce-3202-4ac8-9f5b-b9cb5a3a83a1", 3), ("744442ac-c157-4350-8be0-ce454df4f5c5", 3)),
        "Write a blameless post-incident review of the outage in the exercise: the timeline, "
        "the root cause and the action items with owners.",
        "Timeline, root cause, action items",
        6,
        tags=("engineering", "operations"),
    ),
    MicroCredential(
        "design-patterns",
        "Software Design Patterns",
        "Applies common design patterns where they simplify the code.",
        "A refactoring of the sample service using at least two patterns, explained.",
        (("2b7a79e5-84d8-4880-be66-3d9bb05bea17", 3), ("f28617ad-afdd-4041-814c-216153a38998", 2)),
        "Refactor the sample service: which patterns did you apply, where, and what did each "
        "simplify?",
        "Patterns chosen, where applied, what improved",
        10,
        tags=("engineering",),
    ),
    MicroCredential(
        "documentation",
        "Technical Documentation",
        "Writes documentation that a new colleague can follow without help.",
        "A how-to guide and a reference page for the sample API.",
        (("04dfd9fb-e0cf-40f6-96c6-9d2280c4347e", 3), ("85c11255-469f-41bd-a6d1-382bc4a87783", 2)),
        "Write a how-to guide and a reference page for the sample API, for a colleague who "
        "has never used it.",
        "Accurate, complete and easy to follow",
        5,
        tags=("engineering",),
    ),
    MicroCredential(
        "db-security",
        "Database Security and Backup",
        "Secures a database and proves that its backups restore.",
        "A hardening checklist applied to the training database and a tested restore.",
        (("ec85cc63-4e24-4631-bf92-8789db2605c0", 3), ("47ca0da1-cae5-4395-ae6b-fd97b9ff48d3", 3)),
        "Harden the training database (accounts, privileges, encryption, auditing) and show "
        "a backup that you restored, with the time it took.",
        "Hardening applied and a restore tested",
        8,
        validity_days=365,
        status_purpose="suspension",
        tags=("operations", "security"),
    ),
    MicroCredential(
        "web",
        "Accessible Web Front Ends",
        "Builds pages in standard markup that pass an accessibility check.",
        "A page of the sample site rebuilt to WCAG 2.2 AA, with the checks you ran.",
        (("69bbd53f-fbb0-4476-b4b2-ef7844464e28", 3), ("8696aff0-18c0-4ba6-a4d0-9a21861b3e5e", 2)),
        "Rebuild the sample page in semantic markup: what did you change for accessibility, "
        "and which checks did you run?",
        "Semantic markup, accessibility, checks run",
        8,
        tags=("web",),
    ),
    MicroCredential(
        "project",
        "Agile Project Delivery",
        "Plans and tracks a small project and manages its risks.",
        "A project plan with milestones, risks and a status report.",
        (("cd5efa8c-e44d-4cbc-91c6-796018dbed68", 3), ("d9e5349e-8791-49c2-8ba4-839fdd1606c2", 2)),
        "Plan the sample project: milestones, the three biggest risks with mitigations, and a "
        "one-page status report.",
        "Milestones, risks with mitigations, status",
        6,
        validity_days=None,
        tags=("delivery",),
    ),
)

LEVELS = ({"name": "Missing", "points": 0}, {"name": "Partial", "points": 1})
COMPLETE = {"name": "Complete", "points": 2}


@dataclass(frozen=True, slots=True)
class PathwaySpec:
    """A pathway: the credential it awards, its parts (all required), and prerequisites."""

    key: str
    name: str
    description: str
    parts: tuple[str, ...]
    prerequisites: dict[str, tuple[str, ...]] = field(default_factory=dict)


PATHWAYS: tuple[PathwaySpec, ...] = (
    PathwaySpec(
        "data-pathway",
        "Data Analyst Pathway",
        "From querying to cleansing to statistics: the data analyst's foundations.",
        ("sql", "cleansing", "statistics"),
        {"statistics": ("sql",)},
    ),
    PathwaySpec(
        "engineering-pathway",
        "Software Engineering Foundations",
        "Programming, debugging, design and documentation for new engineers.",
        ("programming", "debugging", "design-patterns", "documentation"),
        {"design-patterns": ("programming",)},
    ),
    PathwaySpec(
        "operations-pathway",
        "Secure Operations",
        "Keeping services running and data safe.",
        ("debugging", "db-security"),
    ),
)

#: answers for the two rubrics the AI has learned (and examples of each level it learns from)
ANSWERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "debugging": (
        (
            "I like pizza and the weather is nice today.",
            "No idea.",
            "lol",
            "The quick brown fox jumps over the lazy dog.",
        ),
        (
            "Something broke after a deploy. We rolled back. We should test more next time.",
            "The service was down for an hour because of a bad config. We fixed it.",
            "There was an incident with the database and it was slow; it got better later.",
        ),
        (
            "The timeline shows the outage began at 09:12 when the deploy rolled out; the root "
            "cause was a missing database index; action items: add the index, add a load test, "
            "alert on latency.",
            "Root cause: an expired TLS certificate. Timeline from first alert to recovery is "
            "listed. Action items with owners: automate renewal, add expiry alerts.",
            "We reconstructed the timeline minute by minute, found the root cause in a config "
            "push without review, and wrote action items: two-person review, canary deploys, "
            "rollback drill.",
        ),
    ),
    "sql": (
        (
            "I did not get to the queries.",
            "Databases are useful for storing things.",
            "See attached (nothing attached).",
            "My favourite colour is blue.",
        ),
        (
            "SELECT * FROM orders; then I added up the revenue in a spreadsheet.",
            "I used a query on the customers table but it returned duplicates.",
            "SELECT region, amount FROM sales WHERE year = 2026 and I sorted them by hand.",
        ),
        (
            "SELECT r.name, SUM(o.amount) FROM orders o JOIN regions r ON r.id = o.region_id "
            "WHERE o.placed >= DATE '2026-07-01' GROUP BY r.name; the join maps orders to "
            "regions and the filter keeps last quarter.",
            "Top customers: SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY "
            "customer_id ORDER BY total DESC LIMIT 10; grouping per customer, ordered by total.",
            "Month-on-month: a GROUP BY on date_trunc('month', placed) with COUNT(*), then LAG() "
            "over the months gives the change; the join to customers filters test accounts.",
        ),
    ),
}


def graded_examples(key: str, count: int = 90) -> list[dict[str, object]]:
    """Human-graded answers for ``key``'s rubric, from which the AI learns (and is measured)."""
    rng = random.Random(f"{SEED}-{key}")  # noqa: S311 — deterministic demo data
    pools = ANSWERS[key]
    items: list[dict[str, object]] = []
    for i in range(count):
        level = i % 3
        text = rng.choice(pools[level])
        if level == 2:
            text += f" Exercise {i}: the full working is attached."
        items.append({"text": text, "points": {"work": float(level)}})
    return items


def answer(key: str, level: int, n: int) -> str:
    """A learner's answer to ``key`` at a level (0 missing, 1 partial, 2 complete)."""
    pools = ANSWERS.get(key)
    if pools is None:
        generic = (
            "I have not finished this yet.",
            f"A first draft of the exercise for {key}; some parts are still missing.",
            f"My complete work on the {key} exercise: every part of the task is answered, "
            "with the reasoning for each step and the results checked against the brief.",
        )
        return generic[level]
    pool = pools[level]
    return pool[n % len(pool)] + (" The full working is attached." if level == 2 else "")
