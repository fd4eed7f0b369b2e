"""The LLM reviewer: any OpenAI-compatible chat-completions endpoint, off by default.

Configured by a base URL (for example ``http://127.0.0.1:8080/v1`` for a local llama.cpp or vLLM
server) and a model name, and optionally an API key. The rubric and the answer are sent; the model
must answer with one JSON object giving, per criterion, points equal to one of the rubric's levels
and feedback. Anything else is refused with a clear error rather than guessed at.

The model's self-reported confidence is not calibrated; pass a ``Calibrator`` fitted on graded
answers, and remember that routing lets no review stand alone on a rubric without a measurement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np

from microcred.assessment.calibration import Calibrator
from microcred.assessment.rubric import Rubric
from microcred.domain.review import CriterionScore, Review
from microcred.errors import MicrocredError, Unavailable, UpstreamFailed

MAX_RESPONSE_BYTES = 1_000_000
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)

SYSTEM_PROMPT = (
    "You grade a learner's answer against a rubric. For every criterion choose exactly one of its "
    "levels. Reply with one JSON object and nothing else: "
    '{"criteria": [{"id": "<criterion id>", "points": <points of the chosen level>, '
    '"feedback": "<one or two sentences citing the rubric or the reference>"}], '
    '"confidence": <0..1, how sure you are a human grader would agree>}'
)


class ReviewerUnavailable(Unavailable):
    """The LLM endpoint could not be reached or answered with an error."""

    code = "reviewer_unavailable"


class UnusableReview(UpstreamFailed):
    """The LLM answered, but not with a review that fits the rubric."""

    code = "unusable_review"


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """Where the model runs and how to call it."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_seconds: float = 60.0
    temperature: float = 0.0


def rubric_prompt(rubric: Rubric, answer: str) -> str:
    """The user message: the rubric (levels, references, exemplars) and the answer, as JSON."""
    criteria = [
        {
            "id": c.id,
            "description": c.description,
            "levels": [
                {"name": lv.name, "points": lv.points, "description": lv.description}
                for lv in c.levels
            ],
            "reference_answers": list(c.references),
            "exemplars": [{"answer": e.text, "points": e.points} for e in c.exemplars],
        }
        for c in rubric.criteria
    ]
    payload = {"task": rubric.task, "criteria": criteria, "answer": answer}
    return json.dumps(payload, ensure_ascii=False)


class LLMReviewer:
    """Reviews through an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        calibrator: Calibrator | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self._settings = settings
        self._calibrator = calibrator or Calibrator()
        headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
        self._client = client or httpx.Client(
            base_url=settings.base_url.rstrip("/"),
            timeout=settings.timeout_seconds,
            headers=headers,
        )

    @property
    def name(self) -> str:
        """``llm/<model>``."""
        return f"llm/{self._settings.model}"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _complete(self, rubric: Rubric, answer: str) -> str:
        body = {
            "model": self._settings.model,
            "temperature": self._settings.temperature,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": rubric_prompt(rubric, answer)},
            ],
        }
        try:
            response = self._client.post("/chat/completions", json=body)
        except httpx.HTTPError as exc:
            raise ReviewerUnavailable(
                f"The LLM endpoint {self._settings.base_url} cannot be reached: {exc}."
            ) from None
        if response.status_code != 200:
            raise ReviewerUnavailable(
                f"The LLM endpoint answered HTTP {response.status_code}.",
                hint=response.text[:200],
            )
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise UnusableReview("The LLM's answer is too large.")
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise UnusableReview("The LLM endpoint's answer is not a chat completion.") from None
        if not isinstance(content, str):
            raise UnusableReview("The LLM's message has no text content.")
        return content

    def _parse(self, rubric: Rubric, content: str) -> tuple[list[tuple[int, str]], float]:
        match = _JSON_OBJECT.search(content)
        try:
            obj: Any = json.loads(match.group(0) if match else content)
            given = {str(c["id"]): c for c in obj["criteria"]}
            raw_conf = float(obj.get("confidence", 0.5))
        except (ValueError, KeyError, TypeError):
            raise UnusableReview("The LLM did not answer with the review JSON asked for.") from None
        chosen = []
        for c in rubric.criteria:
            if c.id not in given:
                raise UnusableReview(f"The LLM gave no level for criterion {c.id!r}.")
            try:
                points = float(given[c.id]["points"])
            except (KeyError, TypeError, ValueError):
                raise UnusableReview(f"The LLM gave no points for criterion {c.id!r}.") from None
            try:
                index = c.level_index(points)
            except MicrocredError:
                raise UnusableReview(
                    f"The LLM gave {points:g} points on {c.id!r}, which is not a level."
                ) from None
            chosen.append((index, str(given[c.id].get("feedback", ""))[:2000]))
        return chosen, min(max(raw_conf, 0.0), 1.0)

    def review(self, rubric: Rubric, answers: Sequence[str]) -> list[Review]:
        """One review per answer (one request each)."""
        reviews = []
        for answer in answers:
            chosen, raw = self._parse(rubric, self._complete(rubric, answer))
            confidence = float(self._calibrator(np.array([raw]))[0])
            scores = [
                CriterionScore(c.id, c.levels[i].name, c.levels[i].points, confidence, text)
                for c, (i, text) in zip(rubric.criteria, chosen, strict=True)
            ]
            feedback = "\n".join(s.feedback for s in scores if s.feedback)
            review = Review.from_scores(rubric, self.name, scores, feedback)
            # One judgement covers every criterion: the overall confidence is the calibrated one.
            reviews.append(
                Review(
                    review.rubric_id,
                    review.rubric_version,
                    review.reviewer,
                    review.scores,
                    review.points,
                    review.max_points,
                    review.passed,
                    confidence,
                    review.feedback,
                )
            )
        return reviews
