"""Spelling normalisation against a rubric's own vocabulary."""

from __future__ import annotations

import itertools
import random

import numpy as np
import numpy.typing as npt
import pytest

from microcred.adapters.ai.embeddings import load_embedder
from microcred.assessment.rubric import Criterion, Level
from microcred.assessment.spelling import CACHE_LIMIT, Speller, edit_distance
from microcred.assessment.trained_reviewer import SPELLING_MIN_GRADED, CriterionModel

ANSWERS = [
    "Photosynthesis happens in the chloroplast and makes glucose.",
    "The chloroplast uses light for photosynthesis, producing glucose and oxygen.",
    "Plants do photosynthesis in the chloroplast; glucose is stored.",
    "glucose, oxygen, chloroplast, photosynthesis",
    "Oxygen is released.",
]


@pytest.fixture
def speller() -> Speller:
    return Speller.fit(ANSWERS)


def test_misspellings_become_the_rubric_words(speller: Speller) -> None:
    text = "Photosynthesys in the cloroplast makes glucoes and oxigen."
    assert speller(text) == "photosynthesis in the chloroplast makes glucose and oxygen"


def test_known_short_and_unplaceable_words_stay(speller: Speller) -> None:
    assert speller.correct("glucose") == "glucose"
    assert speller.correct("teh") == "teh"  # shorter than four letters
    assert speller.correct("mitochondria") == "mitochondria"  # nothing known is close
    assert speller.correct("oxygne") == "oxygen"  # a swap of neighbours is one edit


def test_reach_depends_on_length() -> None:
    s = Speller.fit(["light light light", "plant plant plant", "energy energy energy"])
    assert s.correct("lihgt") == "light"  # one edit away
    assert s.correct("pxxnt") == "pxxnt"  # two edits: too far for five letters
    assert s.correct("enxxgy") == "energy"  # two edits, six letters


def test_ties_go_to_the_more_frequent_word() -> None:
    s = Speller.fit(["cells " * 5, "cello " * 3])
    assert s.correct("cellx") == "cells"


def test_vocabulary_needs_repeated_words() -> None:
    s = Speller.fit(["unique words appear once only"], min_count=3)
    assert not s.known("unique")
    assert s.correct("uniqe") == "uniqe"


def test_edit_distance_matches_a_reference_implementation() -> None:
    def reference(a: str, b: str) -> int:
        d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i, j in itertools.product(range(len(a) + 1), range(len(b) + 1)):
            if min(i, j) == 0:
                d[i][j] = max(i, j)
                continue
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[-1][-1]

    rng = random.Random(7)
    for _ in range(500):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        limit = rng.randint(0, 3)
        assert edit_distance(a, b, limit) == min(reference(a, b), limit + 1), (a, b, limit)


def test_cache_is_bounded(speller: Speller) -> None:
    for i in range(CACHE_LIMIT + 10):
        speller.correct(f"zz{i}qq")
    assert len(speller._cache) <= CACHE_LIMIT


def test_hostile_text_is_handled() -> None:
    s = Speller.fit(["a" * 5000 + " word word word"])
    assert s("b" * 5000 + " wrod") == "b" * 5000 + " word"
    assert s("") == ""
    assert s("!!! ??? ...") == ""


def _graded(n: int) -> tuple[list[str], npt.NDArray[np.int64]]:
    texts, levels = [], []
    for i in range(n):
        right = i % 2 == 0
        word = ("cloroplast" if i in (0, 2) else "chloroplast") if right else "nucleus"
        opener = ("I think", "Surely", "The answer:", "Maybe", "Clearly")[i % 5]
        texts.append(f"{opener} it is the {word}.")
        levels.append(int(right))
    return texts, np.array(levels, dtype=np.int64)


def test_the_trained_reviewer_corrects_spelling_only_with_enough_graded_work() -> None:
    criterion = Criterion("c", "Name the organelle", (Level("wrong", 0), Level("right", 1)))
    embedder = load_embedder("static")
    few = CriterionModel.fit(criterion, *_graded(40), embedder)
    many = CriterionModel.fit(criterion, *_graded(SPELLING_MIN_GRADED), embedder)
    assert few.speller is None
    assert many.speller is not None
    assert many.speller.correct("cloroplast") == "chloroplast"
    answers = ["It is the chloroplsat.", "It is the nucleus."]
    levels, _ = many.predict(answers, embedder.embed(answers), embedder)
    assert levels.tolist() == [1, 0]
