"""Rows written by earlier versions still load, on SQLite and PostgreSQL: literal old-shape review
and decision JSON put straight into the submissions table reads back typed through the
repository and comes out of the API in its wire shape; a row in no known shape gets a clear
error, not a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from tests.review_shapes import (
    CODE_DECISION,
    CODE_REVIEW,
    LLM_REVIEW,
    NO_AI_REVIEW,
    OLD_CODE_REVIEW,
    OLD_RUBRIC_DECISION,
    PLAIN_DECISION,
    RUBRIC_REVIEW,
)

from microcred.adapters.db.learning.tables import SubmissionRow
from microcred.bootstrap import Container
from microcred.domain.identity import Role
from microcred.domain.learning import SubmissionStatus
from microcred.domain.review import (
    CodeDecision,
    DecidedBy,
    NoAIReview,
    PlainDecision,
    ReviewerKind,
    RubricDecision,
    RubricReview,
    TestsReview,
)
from microcred.services.credentials.achievements import AchievementInput
from microcred.services.identity.service import principal_of
from microcred.web.api.app import create_app

PASSWORD = "reviewer password"


@pytest.fixture
def world(container: Container) -> Iterator[tuple[Container, TestClient, Any, str, dict[str, str]]]:
    c = container
    _, admin_user = c.identity.create_organisation(
        slug="old", name="Old rows", admin_email="admin@old.test", admin_password=PASSWORD
    )
    admin = principal_of(admin_user)
    learner = principal_of(
        c.identity.add_user(
            admin, email="lea@old.test", name="Lea", role=Role.LEARNER, password=PASSWORD
        )
    )
    c.identity.add_user(
        admin, email="rob@old.test", name="Rob", role=Role.REVIEWER, password=PASSWORD
    )
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        r = client.post(
            "/api/v1/auth/token",
            json={"organisation": "old", "email": "rob@old.test", "password": PASSWORD},
        )
        assert r.status_code == 201, r.text
        yield c, client, (admin, learner), {"Authorization": f"Bearer {r.json()['token']}"}


def _stored(
    c: Container,
    people: tuple[Any, Any],
    status: SubmissionStatus,
    review: object,
    decision: object = None,
) -> str:
    """A submission (to a micro-credential of its own: a new one would supersede it) whose row
    holds ``review`` and ``decision`` exactly as given."""
    admin, learner = people
    achievement = c.achievements.create(
        admin,
        AchievementInput(name="Runbook", description="Runbooks.", criteria_narrative="A runbook."),
    ).id
    sub = c.learning.submit(learner, achievement, texts=["Restart the worker."])
    with c.engine.begin() as conn:
        conn.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == sub.id)
            .values(status=status.value, review=review, decision=decision)
        )
    return sub.id


def test_old_rows_load_typed_and_keep_their_wire_shape(world) -> None:
    c, client, people, auth = world
    learner = people[1]
    rows = {
        "trained": (SubmissionStatus.IN_HUMAN_REVIEW, json.loads(RUBRIC_REVIEW), None),
        "llm": (SubmissionStatus.IN_HUMAN_REVIEW, json.loads(LLM_REVIEW), None),
        "old code": (SubmissionStatus.IN_HUMAN_REVIEW, json.loads(OLD_CODE_REVIEW), None),
        "old rubric decision": (
            SubmissionStatus.PASSED,
            json.loads(RUBRIC_REVIEW),
            json.loads(OLD_RUBRIC_DECISION),
        ),
        "plain": (
            SubmissionStatus.NOT_YET,
            json.loads(NO_AI_REVIEW),
            json.loads(PLAIN_DECISION),
        ),
        "code decision": (
            SubmissionStatus.PASSED,
            json.loads(CODE_REVIEW),
            json.loads(CODE_DECISION),
        ),
    }
    ids = {name: _stored(c, people, *row) for name, row in rows.items()}

    trained = c.learning.submission(learner, ids["trained"])
    assert isinstance(trained.review, RubricReview) and trained.decision is None
    assert trained.review.kind is ReviewerKind.RUBRIC and trained.review.review.points == 1.0
    llm = c.learning.submission(learner, ids["llm"]).review
    assert isinstance(llm, RubricReview) and llm.kind is ReviewerKind.LLM
    old_code = c.learning.submission(learner, ids["old code"]).review
    assert isinstance(old_code, TestsReview) and (old_code.audit, old_code.tests) == (False, None)
    old_decision = c.learning.submission(learner, ids["old rubric decision"]).decision
    assert isinstance(old_decision, RubricDecision) and old_decision.reviewer_id is None
    assert old_decision.decided_by is DecidedBy.HUMAN
    plain = c.learning.submission(learner, ids["plain"])
    assert isinstance(plain.review, NoAIReview) and isinstance(plain.decision, PlainDecision)
    code = c.learning.submission(learner, ids["code decision"]).decision
    assert isinstance(code, CodeDecision) and code.passed

    # the API answers each in the stored wire shape (old rows gain only the defaulted keys)
    for name, (_, _, decision) in rows.items():
        r = client.get(f"/api/v1/submissions/{ids[name]}", headers=auth)
        assert r.status_code == 200, (name, r.text)
        expected = None if decision is None else dict(decision)
        if name == "old rubric decision":
            expected = (expected or {}) | {"decidedByUser": None}
        assert r.json()["decision"] == expected, name
    queue = client.get("/api/v1/review-queue", headers=auth)
    assert queue.status_code == 200, queue.text
    by_id = {s["id"]: s["ai_review"] for s in queue.json()}
    assert by_id[ids["trained"]] == json.loads(RUBRIC_REVIEW)
    assert by_id[ids["llm"]] == json.loads(LLM_REVIEW)
    assert by_id[ids["old code"]] == json.loads(OLD_CODE_REVIEW) | {"audit": False, "tests": None}

    item = client.get(f"/api/v1/review-queue/{ids['old code']}", headers=auth).json()
    assert item["ai_suggestion"] is None
    assert item["why_a_person"].startswith("The run was not clean")
    assert item["tests_verdict"] == {
        "passed": False,
        "points": 1.0,
        "maxPoints": 2.0,
        "criteria": [
            {"id": "works", "points": 1.0, "maxPoints": 2.0, "failedTests": ["test_a.py::test_b"]}
        ],
        "feedback": "1 of 2 tests failed.",
    }
    item = client.get(f"/api/v1/review-queue/{ids['trained']}", headers=auth).json()
    assert item["ai_suggestion"] == json.loads(RUBRIC_REVIEW) and item["tests_verdict"] is None


def test_a_row_in_no_known_shape_is_a_clear_error(world) -> None:
    c, client, people, auth = world
    broken = _stored(c, people, SubmissionStatus.IN_HUMAN_REVIEW, {"points": "lots"})
    r = client.get(f"/api/v1/submissions/{broken}", headers=auth)
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert body["error"] == "unreadable_review", body
    assert "no known shape" in body["message"] and "points" in body["message"]
    assert "Traceback" not in r.text
