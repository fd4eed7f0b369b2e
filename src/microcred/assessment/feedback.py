"""Feedback that cites the rubric: the level reached and what the answer misses of the reference.

The text is built from the rubric itself (level names and descriptions, reference answers split
into points), never invented, so every sentence can be traced to something the instructor wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from microcred.assessment.lexical import content_words
from microcred.assessment.rubric import Criterion

_SENTENCE = re.compile(r"(?<=[.;!?])\s+|\n+")

#: A reference point counts as covered when the answer uses this share of its content words.
COVERED = 0.5
MAX_POINTS_LISTED = 2


@dataclass(frozen=True, slots=True)
class ReferencePoint:
    """One sentence of a reference answer and how much of it the answer covers."""

    text: str
    coverage: float


def reference_points(criterion: Criterion, answer: str) -> list[ReferencePoint]:
    """The sentences of the criterion's references with their coverage by ``answer``."""
    said = content_words(answer)
    points: list[ReferencePoint] = []
    seen: set[str] = set()
    for ref in criterion.references:
        for sentence in _SENTENCE.split(ref):
            text = " ".join(sentence.split())
            words = content_words(text)
            if len(words) < 2 or text.lower() in seen:
                continue
            seen.add(text.lower())
            points.append(ReferencePoint(text, len(words & said) / len(words)))
    return points


def _verdict(criterion: Criterion, level_index: int) -> str:
    if level_index == len(criterion.levels) - 1:
        return "correct"
    return "incorrect" if level_index == 0 else "partially correct"


def criterion_feedback(criterion: Criterion, level_index: int, answer: str) -> str:
    """Feedback on one criterion for an answer placed on ``level_index``.

    The verdict comes first (as graders write it), then what the reference answer covers that the
    answer does not, then the rubric level and points it was placed on.
    """
    level = criterion.levels[level_index]
    grade = f"Level “{level.name}”: {level.points:g} of {criterion.max_points:g} points."
    if not answer.strip():
        return f"The response is empty. {grade}"
    top = level_index == len(criterion.levels) - 1
    missing = sorted(
        (p for p in reference_points(criterion, answer) if p.coverage < COVERED),
        key=lambda p: p.coverage,
    )
    verdict = f"The response is {_verdict(criterion, level_index)}"
    if not top and missing:
        listed = " ".join(f"“{p.text}”" for p in missing[:MAX_POINTS_LISTED])
        parts = [f"{verdict} because it does not address this part of the reference: {listed}"]
    else:
        parts = [f"{verdict}."]
    if level.description:
        parts.append(f"The rubric describes this level as: {level.description}")
    parts.append(grade)
    return " ".join(parts)
