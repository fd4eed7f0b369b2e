"""The learned fusion: hidden labels, label-centroid vectors, the title and sentence mixes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from microcred.adapters.ai import embeddings
from microcred.errors import InvalidInput
from microcred.skills import label_vectors
from microcred.skills.label_vectors import concept_centroids
from microcred.skills.skill_matching import SkillMatcher, Weights
from microcred.skills.taxonomy import Framework, Links, OccupationTable, SkillTable, Taxonomy
from microcred.skills.taxonomy_import import write_bundle
from microcred.skills.taxonomy_loader import read_bundle
from microcred.skills.text import vacancy_title

#: words the test embedder treats as meaning the same (one dimension per group)
_GROUPS = {
    "chef": 0, "cook": 0, "culinary": 0,
    "baker": 1, "pastry": 1, "bread": 1,
    "poet": 2, "verse": 2, "poetry": 2,
    "driver": 3, "chauffeur": 3,
}  # fmt: skip


class SynonymEmbedder:
    """Test double for an embedding model: words of one synonym group share a dimension."""

    name = "synonyms"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        rows = np.zeros((len(texts), 5), dtype=np.float64)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                rows[i, _GROUPS.get(word, 4)] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _taxonomy(hidden: bool = True) -> Taxonomy:
    skills = SkillTable(
        [f"https://t.example/s{i}" for i in range(3)],
        ["prepare meals", "bake bread", "write poetry"],
        [["cook food"], ["make dough"], []],
        ["Cook dishes.", "Knead and bake.", "Compose verse."],
        ["skill/competence"] * 3,
        [""] * 3,
        [["grub prep"], [], []] if hidden else [],
    )
    occupations = OccupationTable(
        [f"https://t.example/o{i}" for i in range(4)],
        ["kitchen worker", "baker", "poet", "cook"],
        [["culinary worker"], ["pastry maker"], [], []],
        ["Works in a kitchen.", "Bakes goods.", "Writes poems.", "Cooks."],
        [""] * 4,
        [""] * 4,
        [["hash slinger"], [], [], []] if hidden else [],
    )
    links = Links.from_pairs(4, [0, 1, 2, 3], [0, 1, 2, 0], [True, True, True, True])
    return Taxonomy(Framework.CUSTOM, "Tiny", "1", "", skills, occupations, links)


def test_a_hidden_label_finds_its_concept_but_is_never_shown() -> None:
    matcher = SkillMatcher(_taxonomy())
    best = matcher.match_skills("grub prep")[0]
    assert best.label == "prepare meals"
    assert best.matched_label == "prepare meals"  # the hidden label itself is not displayed
    assert matcher.match_occupations("hash slinger")[0].label == "kitchen worker"
    assert SkillMatcher(_taxonomy(hidden=False)).match_skills("grub prep") == []


def test_hidden_labels_survive_a_bundle_and_old_bundles_have_none(tmp_path: Path) -> None:
    folder = write_bundle(_taxonomy(), tmp_path / "tiny")
    tax = read_bundle(folder)
    assert tax.skills.hidden(0) == ["grub prep"] and tax.skills.hidden(2) == []
    assert tax.occupations.hidden(0) == ["hash slinger"]
    assert tax.skills.row(0).alt_labels == ("cook food",)  # hidden labels stay apart
    doc = json.loads(gzip.decompress((folder / "concepts.json.gz").read_bytes()))
    del doc["skills"]["hidden"]
    (folder / "concepts.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert read_bundle(folder).skills.hidden(0) == []
    doc["occupations"]["hidden"] = ["only one row"]
    (folder / "concepts.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    with pytest.raises(InvalidInput, match="hidden labels"):
        read_bundle(folder)


def test_concept_vectors_are_the_centroid_of_every_label(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label_vectors, "BATCH", 2)  # several batches
    vectors = concept_centroids(
        SynonymEmbedder(), [["chef"], ["chef", "baker", "baker"], [], ["poet", "", "verse"]]
    )
    assert vectors.shape == (4, 5)
    assert np.allclose(vectors[0], [1, 0, 0, 0, 0])
    # repeated labels count once: the mean of chef and baker
    assert np.allclose(vectors[1], np.array([1, 1, 0, 0, 0]) / np.sqrt(2))
    assert not vectors[2].any()  # no label: matches nothing
    assert np.allclose(vectors[3], [0, 0, 1, 0, 0])


def test_the_semantic_signal_reaches_a_concept_through_its_alternative_labels() -> None:
    """ "chef" names no label; the embedder puts it beside "culinary worker" (an alt label)
    and "cook" (a preferred label). Centroids of *all* labels find the first; a vector of the
    preferred label alone would miss it."""
    matcher = SkillMatcher(_taxonomy(), embedder=SynonymEmbedder())
    assert SkillMatcher(_taxonomy()).match_occupations("chef") == []
    found = {m.label: m.score for m in matcher.match_occupations("chef")}
    assert set(found) == {"kitchen worker", "cook"}
    assert found["cook"] == pytest.approx(1.0) and 0 < found["kitchen worker"] < 1.0


def test_the_title_mix_follows_its_weights() -> None:
    """ "culinary" is kitchen worker's word (lexical) but the embedder ties it equally to
    cook; the title weights decide which signal leads."""
    only_semantic = Weights(title_label=0.0, title_bm25=0.0, title_cosine=0.0, title_semantic=1.0)
    only_lexical = Weights(title_semantic=0.0)
    emb = SynonymEmbedder()
    lexical = SkillMatcher(_taxonomy(), embedder=emb, weights=only_lexical)
    assert [m.label for m in lexical.match_occupations("culinary")] == ["kitchen worker"]
    semantic = SkillMatcher(_taxonomy(), embedder=emb, weights=only_semantic)
    scores = {m.label: m.score for m in semantic.match_occupations("culinary")}
    assert scores["cook"] == pytest.approx(1.0)
    # the shipped mix: a title that *is* a label wins over its semantic neighbours
    shipped = SkillMatcher(_taxonomy(), embedder=emb)
    assert shipped.match_occupations("cook")[0].label == "cook"
    assert shipped.match_occupations("culinary")[0].label == "kitchen worker"


def test_the_short_text_mix_lets_the_embedder_break_a_lexical_tie() -> None:
    """Both "bake bread" and "make dough" ... : a sentence naming no skill exactly still ranks
    by meaning when the lexical signals are silent."""
    matcher = SkillMatcher(_taxonomy(), embedder=SynonymEmbedder())
    assert matcher.match_skills("pastry")[0].label == "bake bread"
    assert matcher.match_skills("we want verse")[0].label == "write poetry"
    weights = Weights()
    assert weights.short_label > weights.short_semantic > 0  # labels lead, meaning helps


class _Counting(embeddings._Cached):
    def __init__(self) -> None:
        super().__init__()
        self.computed = 0

    @property
    def dimension(self) -> int:
        return 2

    def _compute(self, texts: list[str]) -> embeddings.Vectors:
        self.computed += len(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float64)


def test_a_batch_larger_than_the_embedding_cache_is_embedded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before the fix, the cache evicted this batch's own vectors and raised KeyError."""
    monkeypatch.setattr(embeddings, "_CACHE_SIZE", 3)
    model = _Counting()
    texts = ["a", "bb", "ccc", "dddd", "eeeee", "a"]
    out = model.embed(texts)
    assert out[:, 0].tolist() == [1, 2, 3, 4, 5, 1]
    assert model.computed == 5
    assert model.embed(["eeeee"])[0, 0] == 5 and model.computed == 5  # cached


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("Senior Java Developer - London", "Java Developer"),
        ("Sales Executive (m/f)", "Sales Executive"),
        ("Head Chef | Bristol", "Head Chef"),
        ("front-end developer", "front-end developer"),  # a hyphen inside a word stays
        ("Senior", "Senior"),  # nothing would be left: unchanged
        ("Jnr. Accountant", "Accountant"),
    ],
)
def test_vacancy_titles_lose_seniority_and_location(title: str, cleaned: str) -> None:
    assert vacancy_title(title) == cleaned


def test_a_seniority_word_does_not_pick_the_occupation() -> None:
    """ "senior" shared with an unrelated alt label must not outrank the occupation."""
    tax = _taxonomy()
    tax.occupations.alt_labels[2] = ["senior verse writer"]
    matcher = SkillMatcher(tax)
    assert matcher.match_occupations("Senior Cook - Leeds")[0].label == "cook"
    cleaned = matcher.occupation_scores("Senior Cook - Leeds", title=True)
    assert np.array_equal(cleaned, matcher.occupation_scores("Cook", title=True))
    assert not np.array_equal(cleaned, matcher.occupation_scores("Senior Cook - Leeds"))


def test_label_vectors_do_not_fill_the_query_cache() -> None:
    model = _Counting()
    vectors = concept_centroids(model, [["a", "bb"], ["ccc"]])
    assert vectors.shape == (2, 2) and model.computed == 3
    assert len(model._cache) == 0  # the bulk path leaves the cache to queries
    model.embed(["a"])
    assert model.computed == 4 and len(model._cache) == 1


def test_short_texts_skip_occupation_evidence_without_changing_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    matcher = SkillMatcher(_taxonomy())
    with_evidence = matcher.combine_skills(
        *matcher.skill_signals("bake bread")[::2], matcher.occupation_scores("bake bread")
    )
    calls: list[str] = []
    original = matcher.occupation_scores
    monkeypatch.setattr(matcher, "occupation_scores", lambda t: calls.append(t) or original(t))
    scores, _ = matcher.skill_scores("bake bread")
    assert calls == [] and np.array_equal(scores, with_evidence)
    matcher.skill_scores(" ".join(["bakery baker bread"] * 5))
    assert len(calls) == 1  # long texts still borrow the occupations' skills
