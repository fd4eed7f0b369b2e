"""Seeding the demo organisation that ``make run`` shows."""

from __future__ import annotations

from microcred.bootstrap import Container
from microcred.cli.common import operator
from microcred.domain.achievement import Alignment, ResultDescription, RubricLevel
from microcred.domain.credential import Evidence, Recipient
from microcred.domain.identity import Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest
from microcred.services.identity.service import principal_of

DEMO_SLUG = "demo"
DEMO_EMAIL = "admin@demo.example"
DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 — development demo only


def seed_demo(c: Container) -> str:
    """Create the demo organisation, one micro-credential and one credential (once)."""
    with c.uow() as uow:
        org = uow.organisations.by_slug(DEMO_SLUG)
    created = org is None
    if org is None:
        org, _ = c.identity.create_organisation(
            slug=DEMO_SLUG,
            name="Demo Training Co.",
            admin_email=DEMO_EMAIL,
            admin_password=DEMO_PASSWORD,
            url="https://demo.example",
        )
    principal = operator(c, DEMO_SLUG, "operator:demo")
    if created:
        achievement = c.achievements.create(
            principal,
            AchievementInput(
                name="SQL for Data Analysis",
                description="Writes correct, efficient SQL queries to answer business questions.",
                criteria_narrative="Submit three queries against the sample warehouse that a "
                "reviewer grades at 'proficient' or above on the rubric.",
                alignments=[
                    Alignment(
                        target_name="SQL",
                        target_url="http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742",
                        target_framework="ESCO v1.1.1",
                        target_code="598de5b0",
                        level=3,
                    )
                ],
                effort_hours=6,
                validity_days=730,
                result_descriptions=[
                    ResultDescription(
                        "urn:uuid:7e4f8a0c-1d5b-4c7e-9a55-2f9b3c1d0e01",
                        "Query quality",
                        levels=(
                            RubricLevel(
                                "urn:uuid:7e4f8a0c-1d5b-4c7e-9a55-2f9b3c1d0e02", "Developing"
                            ),
                            RubricLevel(
                                "urn:uuid:7e4f8a0c-1d5b-4c7e-9a55-2f9b3c1d0e03", "Proficient"
                            ),
                            RubricLevel("urn:uuid:7e4f8a0c-1d5b-4c7e-9a55-2f9b3c1d0e04", "Expert"),
                        ),
                        required_level="urn:uuid:7e4f8a0c-1d5b-4c7e-9a55-2f9b3c1d0e03",
                    )
                ],
            ),
        )
        learner = c.identity.add_user(
            principal,
            email="learner@demo.example",
            name="Lea Learner",
            role=Role.LEARNER,
            password=DEMO_PASSWORD,
        )
        c.identity.add_user(
            principal,
            email="reviewer@demo.example",
            name="Rob Reviewer",
            role=Role.REVIEWER,
            password=DEMO_PASSWORD,
        )
        c.rubrics.set_rubric(
            principal,
            achievement.id,
            {
                "title": "Query quality",
                "task": "Answer the three business questions in SQL.",
                "pass_points": 2,
                "criteria": [
                    {
                        "id": "queries",
                        "description": "Correct, readable, efficient queries",
                        "levels": [
                            {"name": "Developing", "points": 1},
                            {"name": "Proficient", "points": 2},
                            {"name": "Expert", "points": 3},
                        ],
                    }
                ],
            },
        )
        c.learning.enrol(principal_of(learner), achievement_id=achievement.id)
        c.issuance.issue(
            principal,
            IssueRequest(
                achievement.id,
                Recipient(email="learner@demo.example"),
                [Evidence(name="Warehouse queries", narrative="Three graded SQL queries.")],
            ),
        )
    token = c.identity.create_token_for(DEMO_SLUG, DEMO_EMAIL, "demo").token
    base = c.settings.public_base_url
    return "\n".join(
        [
            f"Demo organisation '{DEMO_SLUG}' {'created' if created else 'already present'}.",
            f"  sign in:   {base}/login  organisation={DEMO_SLUG} password={DEMO_PASSWORD}",
            f"             as {DEMO_EMAIL}, learner@demo.example or reviewer@demo.example",
            f"  verify:    {base}/  (paste any credential)",
            f"  API token: {token}",
            f"  API docs:  {base}/docs",
            f"  list:      curl -H 'Authorization: Bearer {token}' {base}/api/v1/credentials",
        ]
    )
