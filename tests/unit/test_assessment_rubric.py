"""Rubric validation and the decision record."""

from __future__ import annotations

import pytest

from microcred.assessment.rubric import Criterion, Exemplar, InvalidRubric, Level, Rubric
from microcred.domain.review import Agreement, CriterionScore, DecidedBy, Review, RubricDecision
from microcred.domain.review_json import decision_to_json


def _rubric() -> Rubric:
    clarity = Criterion.scale("clarity", "Explains clearly", 2)
    correct = Criterion(
        "correct",
        "States why the bulbs stay lit",
        (Level("wrong", 0), Level("partly", 1, "One reason"), Level("right", 3, "Full reason")),
        references=("The bulbs are in parallel, so each has its own path.",),
        exemplars=(Exemplar("They are in parallel.", 3),),
    )
    return Rubric("bulbs", "Bulbs", "Why do the bulbs stay lit?", (clarity, correct))


def test_totals_and_pass_mark() -> None:
    r = _rubric()
    assert r.max_points == 5
    assert r.pass_mark == 2.5
    assert r.criterion("correct").level_index(3) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda: Criterion("c", "d", (Level("only", 1),)),
        lambda: Criterion("c", "d", (Level("a", 2), Level("b", 1))),
        lambda: Criterion("c", "d", (Level("a", 1), Level("b", 1))),
        lambda: Criterion(" ", "d", (Level("a", 0), Level("b", 1))),
        lambda: Criterion("c", "d", (Level("a", 0), Level("b", 1)), exemplars=(Exemplar("x", 5),)),
        lambda: Rubric("r", "t", "task", ()),
        lambda: Rubric("r", "t", "task", (Criterion.scale("c", "d", 1),) * 2),
        lambda: Criterion.scale("c", "d", 0),
    ],
)
def test_malformed_rubrics_are_refused(make: object) -> None:
    with pytest.raises(InvalidRubric):
        make()  # type: ignore[operator]


def test_points_between_levels_are_refused() -> None:
    with pytest.raises(InvalidRubric, match="not a level"):
        _rubric().criterion("correct").level_index(2)


def test_decisions_record_who_decided_and_the_measurement() -> None:
    r = _rubric()
    scores = (
        CriterionScore("clarity", "2 of 2", 2, 0.9),
        CriterionScore("correct", "right", 3, 0.8),
    )
    review = Review.from_scores(r, "trained/x", scores, "Good.")
    assert review.points == 5 and review.passed
    assert review.confidence == pytest.approx(0.72)
    agreement = Agreement(qwk=0.9, exact=0.8, n=100, auto_qwk=0.95, auto_share=0.6)
    ai = RubricDecision.by_ai(review, agreement)
    assert ai.decided_by is DecidedBy.AI
    result = decision_to_json(ai)
    assert result["decidedBy"] == "ai"
    assert result["measuredAgreement"]["qwk"] == 0.9
    assert result["reviewer"] == "trained/x"
    accepted = RubricDecision.accepted(review, agreement, "user-1")
    assert decision_to_json(accepted)["decidedBy"] == "ai_accepted_by_human"
    human = RubricDecision.by_human(
        r, {"clarity": 1, "correct": 0}, "Say why.", "user-2", review=review, agreement=agreement
    )
    assert human.decided_by is DecidedBy.HUMAN
    assert human.points == 1 and not human.passed
    assert decision_to_json(human)["aiConfidence"] == pytest.approx(0.72)


def test_a_human_grade_must_cover_every_criterion() -> None:
    with pytest.raises(InvalidRubric):
        RubricDecision.by_human(_rubric(), {"clarity": 1, "correct": 2}, "", "u")
    with pytest.raises(Exception, match="every criterion"):
        RubricDecision.by_human(_rubric(), {"clarity": 1}, "", "u")
