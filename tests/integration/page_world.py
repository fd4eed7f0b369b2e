"""A world for the tests that walk every page route: organisations each with people in every
role (signed in through the form, as browsers), a micro-credential with a rubric, a pathway, an
issued credential, a submission with a file, a role profile and a team; and the app's page
routes enumerated from its router."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from starlette.routing import Mount
from tests.integration.skills_world import PASSWORD, PY, Org, make_org
from tests.integration.web_forms import signed_in

from microcred.bootstrap import Container
from microcred.domain.achievement import Alignment
from microcred.domain.identity import Role
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.services.learning.evidence import Upload

HTML = {"Accept": "text/html"}
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
#: every role a person can hold, by the short name the tests use
ROLES = {
    "admin": Role.ADMIN,
    "issuer": Role.ISSUER,
    "reviewer": Role.REVIEWER,
    "learner": Role.LEARNER,
    "viewer": Role.EMPLOYER_VIEWER,
}
RUBRIC: dict[str, Any] = {
    "title": "Write-up",
    "task": "Write it up.",
    "pass_points": 1,
    "criteria": [
        {
            "id": "done",
            "description": "Done",
            "levels": [{"name": "no", "points": 0}, {"name": "yes", "points": 1}],
        }
    ],
}


@dataclass(frozen=True, slots=True)
class PageRoute:
    """A route outside the API: its methods, path template and path parameter names."""

    methods: frozenset[str]
    path: str

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)

    def fill(self, values: dict[str, str]) -> str:
        """The path with each parameter replaced by ``values[name]``."""
        return PARAM.sub(lambda m: values[m.group(1)], self.path)


def _flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI ≥ 0.160)
            yield from route.effective_route_contexts()
        else:
            yield route


def page_routes(app: Any) -> list[PageRoute]:
    """Every route of ``app`` that is not the JSON API and not a static mount."""
    found = []
    for route in _flat(app.routes):
        if isinstance(route, Mount) or isinstance(getattr(route, "starlette_route", None), Mount):
            continue
        path = str(route.path)
        if path.startswith(("/api/", "/scim/")):  # JSON APIs (SCIM: tests/integration/test_scim*)
            continue
        found.append(PageRoute(frozenset(route.methods or ()) - {"HEAD"}, path))
    return found


@dataclass
class World:
    """One organisation with a little of everything, and a signed-in browser per role."""

    org: Org
    users: dict[str, str] = field(default_factory=dict)  # role name -> user id
    browsers: dict[str, tuple[TestClient, str]] = field(default_factory=dict)  # -> (web, csrf)
    achievement: str = ""
    capstone: str = ""
    pathway: str = ""
    credential: str = ""
    submission: str = ""
    digest: str = ""
    role: str = ""
    status_list: str = ""
    bulk_run: str = ""
    webhook: str = ""
    imported: str = ""
    export: str = ""

    @property
    def slug(self) -> str:
        return self.org.slug

    def email(self, who: str) -> str:
        return f"{who}@{self.slug}.test"

    def name(self, who: str) -> str:
        return f"{who.title()} Of{self.slug.title()}"

    @property
    def values(self) -> dict[str, str]:
        """What fills each path parameter with this organisation's own ids."""
        return {
            "credential_id": self.credential,
            "achievement_id": self.achievement,
            "submission_id": self.submission,
            "digest": self.digest,
            "user_id": self.users["learner"],
            "role_id": self.role,
            "slug": self.slug,
            "list_id": self.status_list,
            "webhook_id": self.webhook,
            "path": "0/000",
            "run_id": self.bulk_run,
            "ext": "svg",
            "imported_id": self.imported,
            "export_id": self.export,
            "action": "verify",
            # e-mail links (claim, unsubscribe): a well-formed token that matches nothing
            "token": "0" * 43,
            "code": "no-such-offer",  # an OpenID4VCI offer by reference: unknown, so 404
        }

    @property
    def secrets(self) -> dict[str, str]:
        """What no other organisation's member may ever read (private by design): the name of
        each thing, every person's e-mail and name, the evidence, and the ids."""
        s = self.slug.title()
        found = {
            "achievement name": f"{s} Secret Skill",
            "capstone name": f"{s} Capstone",
            "pathway name": f"{s} secret pathway",
            "rubric task": f"{s} secret task",
            "evidence": f"{s} secret evidence",
            "file name": f"{self.slug}-notes.txt",
            "role name": f"{s} secret role",
            "team": f"{self.slug}-secret-team",
            "organisation name": f"{s} Ltd",
            "admin e-mail": f"admin@{self.slug}.test",
            "achievement id": self.achievement,
            "capstone id": self.capstone,
            "pathway id": self.pathway,
            "credential id": self.credential,
            "submission id": self.submission,
            "role id": self.role,
            "bulk file name": f"{self.slug}-secret.csv",
            "bulk recipient": f"{s} Bulk Recipient",
            "bulk run id": self.bulk_run,
        }
        for who, user_id in self.users.items():
            found |= {
                f"{who}'s e-mail": self.email(who),
                f"{who}'s name": self.name(who),
                f"{who}'s id": user_id,
            }
        return found

    @property
    def personal(self) -> dict[str, str]:
        """What even the public pages never show: people and their work."""
        keep = ("e-mail", "'s name", "evidence", "file name", "team", "rubric task")
        return {k: v for k, v in self.secrets.items() if any(w in k for w in keep)}


def build_world(c: Container, client: TestClient, slug: str) -> World:
    """An organisation with people in every role, each signed in as a browser, and data."""
    w = World(make_org(c, client, slug))
    admin = w.org.admin
    w.users["admin"] = admin.user_id
    s = slug.title()
    for who, role in ROLES.items():
        if who != "admin":
            user = c.identity.add_user(
                admin, email=w.email(who), name=w.name(who), role=role, password=PASSWORD
            )
            w.users[who] = user.id
    for who in ROLES:
        w.browsers[who] = signed_in(client.app, slug, w.email(who), PASSWORD)

    def achievement(name: str) -> str:
        data = AchievementInput(
            name=name,
            description=f"{name}, described.",
            criteria_narrative="Show the work.",
            alignments=[Alignment("Python", PY, level=3)],
        )
        return c.achievements.create(admin, data).id

    w.achievement = achievement(f"{s} Secret Skill")
    w.capstone = achievement(f"{s} Capstone")
    c.rubrics.set_rubric(admin, w.achievement, RUBRIC | {"task": f"{s} secret task"})
    w.pathway = c.learning.create_pathway(
        admin,
        name=f"{s} secret pathway",
        description="",
        kind="pathway",
        achievement_id=w.capstone,
        requirement={"all_of": [{"earn": w.achievement}]},
    ).id
    w.credential = w.org.issue(w.achievement, w.email("learner"))
    # a public IP literal: vetted without a DNS lookup, never posted to (no job runs here)
    w.webhook = c.webhooks.subscriptions.create(
        admin, "https://93.184.216.34/hooks", ["credential.revoked"], f"{s} secret webhook"
    ).subscription.id
    # an export, run to the end (the job, called directly: no worker runs here)
    w.export = c.portability.runs.start(admin, f"{s} export passphrase").id
    c.portability.runs.run({"organisation_id": w.org.org_id, "run_id": w.export})
    with c.uow() as uow:
        learner = principal_of(uow.tenant(w.org.org_id).users.get(w.users["learner"]))
    submitted = c.learning.submit(
        learner,
        w.achievement,
        texts=[f"{s} secret evidence"],
        files=[Upload(f"{slug}-notes.txt", f"{slug} notes".encode())],
    )
    w.submission = submitted.id
    w.digest = next(p.blob for p in submitted.parts if p.blob)
    w.role = w.org.role(f"{s} secret role", [(PY, 3)])
    r = w.org.put(
        f"/api/v1/people/{w.users['learner']}/placement",
        {"team": f"{slug}-secret-team", "current_role_id": w.role},
    )
    assert r.status_code == 200, r.text
    document = c.public.credential(w.credential).document
    status = document["credentialStatus"]
    status = status[0] if isinstance(status, list) else status
    w.status_list = str(status["statusListCredential"]).rstrip("/").rsplit("/", 1)[-1]
    w.imported = c.imports.import_text(learner, json.dumps(document)).id
    bulk_csv = (
        "Recipient E-mail,Name,Achievement,Issue date\r\n"
        f"{w.email('bulk')},{s} Bulk Recipient,{w.achievement},2026-10-01\r\n"
    )
    w.bulk_run = c.bulk.upload(
        admin, io.BytesIO(bulk_csv.encode()), f"{slug}-secret.csv", dry_run=True
    ).id
    return w


def state_changing_forms(w: World) -> dict[str, tuple[str, dict[str, str]]]:
    """Each state-changing route: who posts it, and a body that would change something."""
    rubric = {"rows": "1", "c0_description": "Forged", "c0_levels": "0 no\n1 yes"}
    return {
        "/logout": ("admin", {}),
        "/review/{submission_id}": ("reviewer", {"points:done": "1", "feedback": "forged"}),
        "/learn/enrol": ("learner", {"pathway_id": w.pathway}),
        "/learn/credentials/{credential_id}/visibility": ("learner", {"visibility": "private"}),
        "/learn/credentials/{credential_id}/oid4vci": ("learner", {}),
        "/learn/credentials/{credential_id}/dcc-wallet": ("learner", {}),
        "/learn/{achievement_id}/submit": ("learner", {"text": "forged evidence"}),
        "/learn/imports": ("learner", {"text": "{}"}),
        "/learn/imports/{imported_id}/{action}": ("learner", {}),
        "/learn/offers/{credential_id}": ("learner", {"answer": "decline"}),
        "/learn/email-preferences": ("learner", {"reminders": "off"}),
        "/admin/credentials": ("issuer", {"achievement_id": w.achievement, "email": "x@y.test"}),
        "/admin/credentials/{credential_id}/status": (
            "issuer",
            {"action": "revoke", "reason": "forged"},
        ),
        "/admin/achievements/new": ("admin", {"name": "Forged", "criteria": "C", "op": "save"}),
        "/admin/achievements/{achievement_id}": (
            "admin",
            {"name": "Forged", "criteria": "C", "op": "save"},
        ),
        "/admin/achievements/{achievement_id}/rubric": ("admin", rubric),
        "/admin/pathways": (
            "admin",
            {"name": "Forged", "kind": "pathway", "achievement_id": w.capstone, "rule": "all"},
        ),
        "/admin/people": (
            "admin",
            {"email": f"forged@{w.slug}.test", "role": "admin", "password": PASSWORD},
        ),
        "/admin/people/{user_id}": ("admin", {"op": "role", "role": "admin"}),
        "/admin/keys/rotate": ("admin", {}),
        "/admin/credentials/bulk": ("issuer", {}),  # the file part matters only after the token
        "/admin/credentials/bulk/{run_id}/issue": ("issuer", {}),
        "/admin/webhooks": (
            "admin",
            {"url": "https://93.184.216.34/forged", "event": "credential.issued"},
        ),
        "/admin/webhooks/{webhook_id}": ("admin", {"op": "off"}),
        "/admin/exports": (
            "admin",
            {"passphrase": "forged passphrase", "confirm": "forged passphrase"},
        ),
        "/admin/lti": (
            "admin",
            {
                "op": "save",
                "name": "Forged",
                "issuer": "https://93.184.216.34",
                "client_id": "forged",
                "deployment_ids": "1",
                "auth_login_url": "https://93.184.216.34/auth",
                "auth_token_url": "https://93.184.216.34/token",
                "jwks_url": "https://93.184.216.34/jwks",
            },
        ),
        # single sign-on (the CSRF check comes before the issuer is ever fetched)
        "/admin/sso": (
            "admin",
            {
                "op": "save",
                "display_name": "Forged",
                "issuer": "https://93.184.216.34",
                "client_id": "forged",
                "client_secret": "forged-secret",
            },
        ),
        "/admin/scim": ("admin", {"op": "create"}),
    }


def database(c: Container) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the state a forged form must leave as it was)."""
    with c.engine.connect() as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            n: sorted(
                (tuple(map(repr, row)) for row in conn.execute(text(f'SELECT * FROM "{n}"'))),
            )
            for n in names
            if n != "alembic_version"
        }
