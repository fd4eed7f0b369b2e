"""The one codec of review verdicts and decisions: every shape microcred ever stored is read
(literal JSON as rows hold it, old shapes included: ``tests/review_shapes.py``), today's shapes
are written back exactly, and anything else is refused with an error naming what is wrong."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tests.review_shapes import (
    CODE_DECISION,
    CODE_REVIEW,
    LLM_REVIEW,
    NO_AI_REVIEW,
    OLD_CODE_REVIEW,
    OLD_RUBRIC_DECISION,
    PLAIN_DECISION,
    RUBRIC_DECISION,
    RUBRIC_REVIEW,
)

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
from microcred.domain.review_json import (
    UnreadableReview,
    decision_from_json,
    decision_to_json,
    review_from_json,
    review_to_json,
)


def _load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.mark.parametrize("text", [RUBRIC_REVIEW, LLM_REVIEW, CODE_REVIEW, NO_AI_REVIEW])
def test_todays_reviews_are_written_back_exactly(text: str) -> None:
    stored = _load(text)
    assert review_to_json(review_from_json(copy.deepcopy(stored))) == stored


@pytest.mark.parametrize("text", [RUBRIC_DECISION, PLAIN_DECISION, CODE_DECISION])
def test_todays_decisions_are_written_back_exactly(text: str) -> None:
    stored = _load(text)
    assert decision_to_json(decision_from_json(copy.deepcopy(stored))) == stored


def test_rubric_and_llm_reviews_read_as_rubric_reviews_of_their_kind() -> None:
    trained = review_from_json(_load(RUBRIC_REVIEW))
    assert isinstance(trained, RubricReview) and trained.kind is ReviewerKind.RUBRIC
    assert trained.review.scores[0].level == "partial" and trained.review.confidence == 0.4312
    assert trained.agreement is not None and trained.agreement.n == 90
    assert trained.route.startswith("Confidence 0.43")
    llm = review_from_json(_load(LLM_REVIEW))
    assert isinstance(llm, RubricReview) and llm.kind is ReviewerKind.LLM
    assert llm.review.points == 2 and llm.review.passed and llm.agreement is None


def test_code_reviews_old_and_new() -> None:
    old = review_from_json(_load(OLD_CODE_REVIEW))
    assert isinstance(old, TestsReview) and old.kind is ReviewerKind.CODE
    assert (old.audit, old.tests) == (False, None)
    assert old.verdict.criteria[0].failed_tests == ("test_a.py::test_b",)
    assert not old.verdict.passed and old.verdict.measured_agreement is None
    # written back with the fields added since, defaulted; nothing else changes
    assert review_to_json(old) == _load(OLD_CODE_REVIEW) | {"audit": False, "tests": None}
    new = review_from_json(_load(CODE_REVIEW))
    assert isinstance(new, TestsReview) and new.audit and new.tests == "ab12"
    assert new.verdict.measured_agreement is not None
    assert new.verdict.measured_agreement.false_passes == 1


def test_a_routing_reason_alone_is_no_ai_review() -> None:
    review = review_from_json(_load(NO_AI_REVIEW))
    assert isinstance(review, NoAIReview) and review.kind is ReviewerKind.NONE
    assert review.route.startswith("No rubric")


def test_decisions_old_and_new() -> None:
    old = decision_from_json(_load(OLD_RUBRIC_DECISION))
    assert isinstance(old, RubricDecision) and old.decided_by is DecidedBy.HUMAN
    assert old.reviewer_id is None and old.reviewer == "trained/minilm-static"
    assert old.agreement is not None and old.agreement.qwk == 0.8123
    assert decision_to_json(old) == _load(OLD_RUBRIC_DECISION) | {"decidedByUser": None}
    accepted = decision_from_json(_load(RUBRIC_DECISION))
    assert isinstance(accepted, RubricDecision)
    assert accepted.decided_by is DecidedBy.AI_ACCEPTED_BY_HUMAN and accepted.reviewer_id == "u-7"
    plain = decision_from_json(_load(PLAIN_DECISION))
    assert isinstance(plain, PlainDecision) and plain.decided_by is DecidedBy.HUMAN
    assert (plain.passed, plain.reviewer_id, plain.points) == (False, "u-7", None)
    code = decision_from_json(_load(CODE_DECISION))
    assert isinstance(code, CodeDecision) and code.decided_by is DecidedBy.AI
    assert code.passed and code.points == 2.0 and code.reviewer_id is None


def _with(text: str, **changes: Any) -> dict[str, Any]:
    data = _load(text)
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not an object", "not a JSON object"),
        ([1, 2], "not a JSON object"),
        ({}, "no known shape"),
        ({"route": "x", "extra": 1}, "no known shape"),
        ({"route": 5}, "'route' should be text"),
        (_with(RUBRIC_REVIEW, points="two"), "'points' should be a number, found str"),
        (_with(RUBRIC_REVIEW, passed=1), "'passed' should be true or false"),
        (_with(RUBRIC_REVIEW, confidence=True), "'confidence' should be a number, found bool"),
        (_with(RUBRIC_REVIEW, rubric_version=2.5), "'rubric_version' should be a whole number"),
        (_with(RUBRIC_REVIEW, scores={"a": 1}), "'scores' should be a list"),
        (_with(RUBRIC_REVIEW, scores=["x"]), "criterion score is not a JSON object"),
        (_with(RUBRIC_REVIEW, reviewer=...), "'reviewer' should be text, found missing"),
        (_with(RUBRIC_REVIEW, agreement={"qwk": "high"}), "'qwk' should be a number"),
        (_with(CODE_REVIEW, criteria=[{"id": "w", "points": 1}]), "'maxPoints' should be a number"),
        (_with(CODE_REVIEW, audit="yes"), "'audit' should be true or false"),
        (_with(CODE_REVIEW, measuredAgreement={"audits": 1}), "'both_pass' should be a whole"),
        (
            _with(
                CODE_REVIEW, criteria=[{"id": "w", "points": 1, "maxPoints": 2, "failedTests": [3]}]
            ),
            "'failedTests' should be a list of text",
        ),
    ],
)
def test_garbage_reviews_are_refused_clearly(data: object, message: str) -> None:
    with pytest.raises(UnreadableReview, match=message):
        review_from_json(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "not a JSON object"),
        ({"passed": True}, "'decidedBy' should be text"),
        ({"decidedBy": "ai", "passed": True}, "no known shape"),
        ({"decidedBy": "robot", "passed": True}, "unknown decider 'robot'"),
        (_with(PLAIN_DECISION, passed=None), "'passed' should be true or false"),
        (_with(RUBRIC_DECISION, rubric="r-1"), "decision's rubric is not a JSON object"),
        (_with(RUBRIC_DECISION, criteria=[{"id": "review"}]), "'level' should be text"),
        (_with(RUBRIC_DECISION, decidedByUser=7), "'decidedByUser' should be text or null"),
        (_with(CODE_DECISION, aiConfidence=None), "'aiConfidence' should be a number"),
    ],
)
def test_garbage_decisions_are_refused_clearly(data: object, message: str) -> None:
    with pytest.raises(UnreadableReview, match=message):
        decision_from_json(data)
