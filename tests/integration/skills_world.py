"""A small world for the skills-intelligence tests: organisations with users, micro-credentials
aligned to skills, credentials issued through the real issuance service, and an API client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from microcred.bootstrap import Container
from microcred.domain.achievement import Alignment, StatusPurpose
from microcred.domain.credential import Recipient, StatusAction
from microcred.domain.identity import Principal, Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.credentials.issuance import IssueRequest, Suite
from microcred.services.identity.service import principal_of

PASSWORD = "a long enough password"
PY = "https://skills.example.org/python"
SQL = "https://skills.example.org/sql"
DOCKER = "https://skills.example.org/docker"
SPARK = "https://skills.example.org/spark"
LABELS = {PY: "Python", SQL: "SQL", DOCKER: "Docker", SPARK: "Spark"}


@dataclass
class Org:
    """One organisation: its admin, users (name → id, headers) and an API client."""

    c: Container
    client: TestClient
    slug: str
    admin: Principal
    headers: dict[str, str]
    users: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def org_id(self) -> str:
        return self.admin.organisation_id

    def email(self, name: str) -> str:
        return f"{name}@{self.slug}.test"

    def user(self, name: str, role: Role = Role.LEARNER) -> str:
        """Add a user; remember their id and an API token."""
        user = self.c.identity.add_user(
            self.admin, email=self.email(name), name=name.title(), role=role
        )
        self.users[name] = user.id
        token = self.c.identity.create_token(principal_of(user), "tests").token
        self.tokens[name] = {"Authorization": f"Bearer {token}"}
        return user.id

    def achievement(
        self,
        name: str,
        skills: list[tuple[str, int | None]],
        effort: float | None = None,
        *,
        validity_days: int | None = None,
        purpose: StatusPurpose = StatusPurpose.REVOCATION,
    ) -> str:
        """A micro-credential aligned to ``skills`` (URI, level)."""
        return self.c.achievements.create(
            self.admin,
            AchievementInput(
                name=name,
                description=f"{name}: a micro-credential.",
                criteria_narrative="Show the work.",
                alignments=[
                    Alignment(LABELS.get(uri, uri), uri, level=level) for uri, level in skills
                ],
                effort_hours=effort,
                validity_days=validity_days,
                status_purpose=purpose,
            ),
        ).id

    def issue(
        self,
        achievement_id: str,
        email: str | None = None,
        *,
        did: str | None = None,
        suite: Suite = Suite.EDDSA_JCS_2022,
    ) -> str:
        """Issue a credential through the real issuance service (JCS: the quick suite)."""
        issued = self.c.issuance.issue(
            self.admin,
            IssueRequest(achievement_id, Recipient(did=did, email=email), suite=suite),
        )
        return issued.id

    def give(self, name: str, *achievement_ids: str) -> list[str]:
        """Issue each achievement to user ``name``."""
        return [self.issue(a, self.email(name)) for a in achievement_ids]

    def change(self, credential_id: str, action: StatusAction) -> None:
        self.c.credentials.change_status(self.admin, credential_id, action, "test")

    def role(
        self,
        name: str,
        requirements: list[tuple[str, int] | tuple[str, int, float, bool]],
        headcount: int = 1,
    ) -> str:
        """A role from scratch, through the API."""
        reqs = []
        for q in requirements:
            item: dict[str, Any] = {"skill_uri": q[0], "level": q[1]}
            if len(q) == 4:
                item |= {"weight": q[2], "essential": q[3]}
            reqs.append(item)
        r = self.post("/api/v1/roles", {"name": name, "requirements": reqs, "headcount": headcount})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def place(self, name: str, team: str | None, role_id: str | None = None) -> None:
        r = self.put(
            f"/api/v1/people/{self.users[name]}/placement",
            {"team": team, "current_role_id": role_id},
        )
        assert r.status_code == 200, r.text

    # HTTP, as the admin unless ``as_`` names a user
    def _h(self, as_: str | None) -> dict[str, str]:
        return self.headers if as_ is None else self.tokens[as_]

    def get(self, path: str, as_: str | None = None, **params: Any) -> Any:
        return self.client.get(path, headers=self._h(as_), params=params or None)

    def post(self, path: str, body: Any = None, as_: str | None = None) -> Any:
        return self.client.post(path, json=body, headers=self._h(as_))

    def put(self, path: str, body: Any = None, as_: str | None = None) -> Any:
        return self.client.put(path, json=body, headers=self._h(as_))

    def delete(self, path: str, as_: str | None = None) -> Any:
        return self.client.delete(path, headers=self._h(as_))

    def ok(self, path: str, as_: str | None = None, **params: Any) -> Any:
        """GET that must succeed; the JSON body."""
        r = self.get(path, as_, **params)
        assert r.status_code == 200, r.text
        return r.json()


def make_org(c: Container, client: TestClient, slug: str) -> Org:
    """An organisation with its admin (and the admin's API token)."""
    _, admin = c.identity.create_organisation(
        slug=slug,
        name=f"{slug.title()} Ltd",
        admin_email=f"admin@{slug}.test",
        admin_password=PASSWORD,
    )
    p = principal_of(admin)
    token = c.identity.create_token(p, "tests").token
    return Org(c, client, slug, p, {"Authorization": f"Bearer {token}"})
