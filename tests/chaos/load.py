"""The chaos run's own client: continuous issuance, revocation, and submissions a reviewer
decides, alternating between the two servers, with a record of what each server acknowledged.

Every issuance names a recipient DID never used before, so the final check can tell each
attempt's fate from the database. An attempt's outcome is one of:

* ``acked``: 201 — the credential must be present exactly once;
* ``unsent``: the connection was refused (nothing reached a server) — must not be visible;
* ``refused``: a 4xx answer — must not be visible;
* ``doubt``: a 5xx answer, a reset or a timeout — the commit may or may not have happened, so
  it may be visible, but at most once.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "a long enough password"
RUBRIC = {
    "title": "Incident write-up",
    "task": "Write a blameless post-incident review.",
    "human_agreement": 0.8,
    "pass_points": 2,
    "criteria": [
        {
            "id": "review",
            "description": "Timeline, root cause, action items",
            "levels": [
                {"name": "missing", "points": 0},
                {"name": "partial", "points": 1},
                {"name": "complete", "points": 2},
            ],
        }
    ],
}
ANSWER = (
    "The timeline shows the outage began at 09:12 when the deploy rolled out; the root cause was "
    "a missing database index; action items: add the index, add a load test, alert on latency."
)


@dataclass
class Record:
    """What the client saw, shared by its threads."""

    attempts: dict[str, str] = field(default_factory=dict)  # recipient DID -> outcome
    acked: dict[str, str] = field(default_factory=dict)  # recipient DID -> credential id
    revoked: set[str] = field(default_factory=set)  # acknowledged revocations
    submissions: set[str] = field(default_factory=set)  # acknowledged submissions
    passed: set[str] = field(default_factory=set)  # acknowledged passing decisions
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


class Client:
    """One thread's HTTP client, alternating between the servers."""

    def __init__(self, bases: list[str], record: Record, seed: int) -> None:
        self.https = [httpx.Client(base_url=b, timeout=15) for b in bases]
        self.turn = itertools.cycle(range(len(bases)))
        self.record = record
        self.rng = random.Random(seed)

    def send(self, method: str, path: str, **kw: Any) -> tuple[str, httpx.Response | None]:
        """One attempt on the next server: (outcome, response)."""
        http = self.https[next(self.turn)]
        try:
            r = http.request(method, path, **kw)
        except httpx.ConnectError:
            self.record.note("connect refused")
            return "unsent", None
        except httpx.HTTPError as exc:
            self.record.note(type(exc).__name__)
            return "doubt", None
        if r.status_code >= 500:
            self.record.note(f"HTTP {r.status_code}")
            return "doubt", r
        if r.status_code >= 400:
            self.record.note(f"HTTP {r.status_code}")
            return "refused", r
        return "ok", r

    def read(self, path: str, headers: dict[str, str], tries: int = 30) -> httpx.Response | None:
        """A GET retried on the other server until it answers 200."""
        for _ in range(tries):
            outcome, r = self.send("GET", path, headers=headers)
            if outcome == "ok" and r is not None:
                return r
            time.sleep(0.2)
        return None

    def close(self) -> None:
        for h in self.https:
            h.close()


@dataclass
class Org:
    """The organisation the run works in."""

    admin: dict[str, str]
    reviewer: dict[str, str]
    learners: list[dict[str, str]]
    achievement: str  # issued directly
    reviewed: str  # earned by a submission a person passes


def setup(base: str, learners: int) -> Org:
    """Register the organisation, its people and two achievements (before any fault)."""
    http = httpx.Client(base_url=base, timeout=60)
    r = http.post(
        "/api/v1/organisations",
        json={
            "slug": "chaos",
            "name": "Chaos Works",
            "admin_email": "admin@chaos.test",
            "admin_password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text

    def login(email: str) -> dict[str, str]:
        r = http.post(
            "/api/v1/auth/token",
            json={"organisation": "chaos", "email": email, "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    admin = login("admin@chaos.test")

    def user(email: str, role: str) -> dict[str, str]:
        name = email.split("@", maxsplit=1)[0]
        body = {"email": email, "name": name, "role": role, "password": PASSWORD}
        r = http.post("/api/v1/users", headers=admin, json=body)
        assert r.status_code == 201, r.text
        return login(email)

    def achievement(name: str) -> str:
        body = {"name": name, "description": name, "criteria": f"Earn {name}."}
        r = http.post("/api/v1/achievements", headers=admin, json=body)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    direct, reviewed = achievement("Crane operation"), achievement("Incident write-up")
    r = http.put(f"/api/v1/achievements/{reviewed}/rubric", headers=admin, json=RUBRIC)
    assert r.status_code == 200, r.text
    org = Org(
        admin,
        user("rita@chaos.test", "reviewer"),
        [user(f"lea{n}@chaos.test", "learner") for n in range(learners)],
        direct,
        reviewed,
    )
    http.close()
    return org


def issuer(client: Client, org: Org, stop: threading.Event, tag: str, pause: float) -> None:
    """Issue credentials until stopped, each to a DID never used before."""
    record = client.record
    for n in itertools.count():
        if stop.is_set():
            return
        did = f"did:example:{tag}-{n}"
        body = {"achievement_id": org.achievement, "recipient": {"did": did}}
        outcome, r = client.send("POST", "/api/v1/credentials", headers=org.admin, json=body)
        if outcome == "ok" and r is not None and r.status_code != 201:
            outcome = "refused"
        with record.lock:
            record.attempts[did] = "acked" if outcome == "ok" else outcome
            if outcome == "ok" and r is not None:
                record.acked[did] = str(r.json()["id"])
        time.sleep(pause if outcome == "ok" else 0.2)  # no hot loop while a server is down


def revoker(client: Client, org: Org, stop: threading.Event, pause: float) -> None:
    """Revoke a random acknowledged credential now and then."""
    record = client.record
    while not stop.wait(pause):
        with record.lock:
            candidates = sorted(set(record.acked.values()) - record.revoked)
        if not candidates:
            continue
        cid = client.rng.choice(candidates)
        body = {"action": "revoke", "reason": "chaos"}
        outcome, _ = client.send(
            "POST", f"/api/v1/credentials/{cid}/status", headers=org.admin, json=body
        )
        if outcome == "ok":
            with record.lock:
                record.revoked.add(cid)


def learner(
    client: Client, org: Org, who: dict[str, str], stop: threading.Event, patience: float
) -> None:
    """Submit evidence, wait for the AI review job, have the reviewer pass it; repeat."""
    record = client.record
    while not stop.is_set():
        body = {"achievement_id": org.reviewed, "texts": [ANSWER]}
        outcome, r = client.send("POST", "/api/v1/submissions", headers=who, json=body)
        if outcome != "ok" or r is None:
            time.sleep(0.5)
            continue
        sid = str(r.json()["id"])
        with record.lock:
            record.submissions.add(sid)
        deadline = time.monotonic() + patience
        status = "submitted"
        while status == "submitted" and time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.3)
            got = client.read(f"/api/v1/submissions/{sid}", who, tries=3)
            status = str(got.json()["status"]) if got is not None else status
        if status != "in_human_review":
            if status == "submitted":
                record.note("submission not reviewed in time")
            continue
        decision = {"points": {"review": 2}, "feedback": "Clear and safe."}
        for _ in range(20):  # retried until answered: a decision is idempotent-or-409
            outcome, r = client.send(
                "POST", f"/api/v1/review-queue/{sid}/decision", headers=org.reviewer, json=decision
            )
            if outcome == "ok" and r is not None and r.json()["status"] == "passed":
                with record.lock:
                    record.passed.add(sid)
                break
            if outcome == "refused":
                break  # already decided (an earlier attempt committed) or superseded
            time.sleep(0.3)
