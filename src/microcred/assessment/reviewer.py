"""What every reviewer returns, and the decision that is finally recorded.

A ``Reviewer`` (embedding, trained, code-runner, LLM) turns an answer into a ``Review``: a level
per criterion, the total, pass or fail, feedback that cites the rubric and a calibrated confidence
(the probability that a human grader would put every criterion on the same level). A review is a
suggestion. Routing (``microcred.assessment.routing``) decides whether it stands alone; the result
is a ``RubricDecision`` that records who decided and how reliable the AI has measured to be on the
rubric. Reviews, decisions and their parts are domain types (``microcred.domain.review``): a
submission records them, and assessment produces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from microcred.assessment.rubric import Rubric
from microcred.domain.review import Review


class Reviewer(Protocol):
    """Anything that reviews answers against a rubric."""

    @property
    def name(self) -> str:
        """A stable name recorded with every review (e.g. ``trained/minilm-static``)."""

    def review(self, rubric: Rubric, answers: Sequence[str]) -> list[Review]:
        """One review per answer, in order."""
