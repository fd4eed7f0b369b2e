"""The trained and embedding reviewers on a small synthetic rubric, with the shipped model.

The answers are generated: each names some of three key points (the level is how many), padded
with filler and misspellings, so that a reviewer has something real to learn and to miss.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from microcred.adapters.ai.embeddings import StaticEmbedder, load_embedder
from microcred.assessment.embedding_reviewer import EmbeddingReviewer
from microcred.assessment.metrics import quadratic_weighted_kappa
from microcred.assessment.routing import RoutingPolicy, route
from microcred.assessment.rubric import Criterion, Exemplar, Rubric
from microcred.assessment.trained_reviewer import (
    GradedAnswer,
    NotEnoughGradedWork,
    TrainedReviewer,
    should_retrain,
)
from microcred.domain.review import RubricDecision
from microcred.domain.review_json import decision_to_json

POINTS = (
    "chlorophyll in the leaves absorbs the light",
    "photosynthesis turns carbon dioxide and water into glucose sugar",
    "the plant releases oxygen into the air",
)
FILLER = (
    "I think",
    "plants are living things",
    "this is what we learned in class",
    "the sun is very bright",
    "it is important for nature",
)
REFERENCE = ". ".join(p.capitalize() for p in POINTS) + "."


def _typo(word: str, rng: random.Random) -> str:
    if len(word) > 4 and rng.random() < 0.15:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :]
    return word


def synthetic_answers(n: int, seed: int = 0) -> list[tuple[str, int]]:
    """``n`` (answer, level) pairs, levels 0..3 by the number of key points named."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        level = rng.randrange(4)
        parts = rng.sample(POINTS, level) + rng.sample(FILLER, rng.randrange(1, 3))
        rng.shuffle(parts)
        text = ". ".join(" ".join(_typo(w, rng) for w in p.split()) for p in parts)
        out.append((text, level))
    return out


def _rubric() -> Rubric:
    crit = Criterion.scale("answer", "Why do plants need sunlight?", 3, references=(REFERENCE,))
    return Rubric("plants", "Plants", "Why do plants need sunlight?", (crit,))


@pytest.fixture(scope="module")
def embedder() -> StaticEmbedder:
    e = load_embedder("static")
    assert isinstance(e, StaticEmbedder)
    return e


@pytest.fixture(scope="module")
def trained(embedder: StaticEmbedder) -> TrainedReviewer:
    graded = [GradedAnswer(t, {"answer": lv}) for t, lv in synthetic_answers(160, seed=1)]
    return TrainedReviewer.train(_rubric(), graded, embedder)


def test_static_embedder_gives_unit_vectors_and_similar_texts_are_close(
    embedder: StaticEmbedder,
) -> None:
    v = embedder.embed(["Plants make sugar from light.", "Photosynthesis produces glucose.", ""])
    assert v.shape == (3, 256)
    assert np.allclose(np.linalg.norm(v[:2], axis=1), 1.0)
    assert not v[2].any()
    other = embedder.embed(["The stock market fell on Tuesday."])[0]
    assert v[0] @ v[1] > v[0] @ other
    assert embedder.embed([]).shape == (0, 256)


def test_static_embedder_matches_model2vec(embedder: StaticEmbedder) -> None:
    model2vec = pytest.importorskip("model2vec")
    from microcred.adapters.ai import embeddings

    folder = embeddings._static_dir(embeddings.STATIC_MODEL)
    # model2vec reads its own config file name; give it ours through a temporary copy.
    import json
    import shutil
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("model.safetensors", "tokenizer.json"):
            shutil.copy(folder / name, Path(tmp) / name)
        (Path(tmp) / "config.json").write_text(
            json.dumps({"model_type": "model2vec", "normalize": True, "hidden_dim": 256})
        )
        theirs = model2vec.StaticModel.from_pretrained(tmp).encode(
            ["Terminal 1 is not connected to the positive terminal", "ünïcödé text, [UNK]!"]
        )
    ours = embedder.embed(
        ["Terminal 1 is not connected to the positive terminal", "ünïcödé text, [UNK]!"]
    )
    assert np.abs(ours - theirs).max() < 1e-3


def test_trained_reviewer_learns_the_rubric(trained: TrainedReviewer) -> None:
    test = synthetic_answers(80, seed=2)
    reviews = trained.review(_rubric(), [t for t, _ in test])
    predicted = [int(r.points) for r in reviews]
    truth = [lv for _, lv in test]
    assert quadratic_weighted_kappa(truth, predicted, 4) > 0.8
    assert all(0.0 <= r.confidence <= 1.0 for r in reviews)
    assert all(r.reviewer == "trained/minilm-static-256" for r in reviews)
    # Confident reviews agree with the truth more often than unsure ones.
    conf = np.array([r.confidence for r in reviews])
    right = np.array(predicted) == np.array(truth)
    top = conf >= np.median(conf)
    assert right[top].mean() >= right[~top].mean()


def test_feedback_cites_the_rubric(trained: TrainedReviewer) -> None:
    answer = "Chlorophyll in the leaves absorbs the light. I think."
    review = trained.review(_rubric(), [answer])[0]
    assert "of 3 points" in review.feedback and review.feedback.startswith("The response is")
    if review.points < 3:
        assert "does not address" in review.feedback
        assert "glucose" in review.feedback or "oxygen" in review.feedback
    empty = trained.review(_rubric(), [""])[0]
    assert "empty" in empty.feedback


def test_measured_trust_and_routing(trained: TrainedReviewer) -> None:
    trust = trained.trust(RoutingPolicy(required_qwk=0.8))
    assert trust.agreement is not None
    assert trust.agreement.n == 160
    assert trust.agreement.method.startswith("out-of-fold on 160")
    review = trained.review(_rubric(), [synthetic_answers(1, seed=9)[0][0]])[0]
    decision_route = route(review, trust)
    if decision_route.auto:
        result = decision_to_json(RubricDecision.by_ai(review, trust.agreement))
        assert result["decidedBy"] == "ai"
        assert result["measuredAgreement"]["n"] == 160
    impossible = trained.trust(RoutingPolicy(required_qwk=1.0, min_support=500))
    assert not route(review, impossible).auto


def test_reviewer_refuses_another_rubric(trained: TrainedReviewer) -> None:
    other = Rubric.single("other", "Something else", 3)
    with pytest.raises(Exception, match="cannot grade"):
        trained.review(other, ["x"])


def test_too_little_graded_work(embedder: StaticEmbedder) -> None:
    graded = [GradedAnswer(t, {"answer": lv}) for t, lv in synthetic_answers(5)]
    with pytest.raises(NotEnoughGradedWork):
        TrainedReviewer.train(_rubric(), graded, embedder)


def test_retraining_schedule() -> None:
    assert not should_retrain(0, 10)
    assert should_retrain(0, 20)
    assert not should_retrain(100, 104)
    assert should_retrain(100, 110)


def test_embedding_reviewer_grades_with_no_graded_work(embedder: StaticEmbedder) -> None:
    reviewer = EmbeddingReviewer(embedder)
    good, poor = reviewer.review(
        _rubric(), [REFERENCE, "The sun is very bright and it is important for nature."]
    )
    assert good.points > poor.points
    assert reviewer.name == "embedding/minilm-static-256"


def test_embedding_reviewer_uses_exemplars(embedder: StaticEmbedder) -> None:
    crit = Criterion.scale(
        "answer",
        "Why do plants need sunlight?",
        3,
        exemplars=(
            Exemplar("It is bright.", 0),
            Exemplar(POINTS[0], 1),
            Exemplar(". ".join(POINTS), 3),
        ),
    )
    rubric = Rubric("p2", "Plants", "Why?", (crit,))
    reviews = EmbeddingReviewer(embedder).review(rubric, [". ".join(POINTS), "bright it is"])
    assert reviews[0].points == 3
    assert reviews[1].points == 0
