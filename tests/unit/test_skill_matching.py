"""Skill and occupation matching from text: analyser, hybrid ranking, role drafts, caching."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.skills.index_store import analyse_taxonomy, analysed_taxonomy
from microcred.skills.skill_matching import (
    MAX_TEXT_CHARS,
    SkillMatcher,
    Weights,
    default_matcher,
    draft_role_profile,
    suggest_alignments,
)
from microcred.skills.taxonomy import (
    Framework,
    Links,
    OccupationTable,
    Relation,
    SkillTable,
    Taxonomy,
)
from microcred.skills.taxonomy_import import write_bundle
from microcred.skills.taxonomy_loader import read_bundle
from microcred.skills.text import stem as text_stem
from microcred.skills.text import stems

PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
SOFTWARE_DEVELOPER = "http://data.europa.eu/esco/occupation/f2b15a0e-e65a-438a-affb-29b9d50b77d1"


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("caresses", "caress"), ("ponies", "poni"), ("agreed", "agre"), ("motoring", "motor"),
        ("hopping", "hop"), ("filing", "file"), ("happy", "happi"), ("relational", "relat"),
        ("digitizer", "digit"), ("hopefulness", "hope"), ("triplicate", "triplic"),
        ("adjustment", "adjust"), ("adoption", "adopt"), ("controll", "control"),
        # Porter2 keeps "general" apart from "generate" (Porter 1980: "gener" for both)
        ("generalizations", "general"), ("oscillators", "oscil"),
    ],
)  # fmt: skip
def test_stemmer_matches_the_published_algorithm(word: str, stem: str) -> None:
    assert text_stem(word) == stem


def test_the_stemmer_gives_the_same_stems_from_many_threads() -> None:
    """Unlocked, the shared Snowball stemmer fails here (IndexError or wrong stems)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    words = [
        w + end
        for w in ("manag", "organiz", "communic", "develop", "technolog")
        for end in ("e", "ing", "ed", "ement", "ation", "es", "ations")
    ] * 100
    alone = [text_stem(w) for w in words]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(text_stem, words)) == alone
    finally:
        sys.setswitchinterval(interval)


def test_analyser_folds_spelling_and_drops_stop_words() -> None:
    assert stems("Organisation of the data analysed") == stems("organization data analyzed")
    assert stems("managing budgets") == stems("manage budget")
    assert stems("experience") != stems("experiment")
    assert stems("the and of") == []
    assert "c++" in stems("C++ and C#") and "c#" in stems("C++ and C#")


@pytest.fixture(scope="module")
def esco() -> SkillMatcher:
    return default_matcher()


def test_a_skill_named_in_the_text_ranks_first(esco: SkillMatcher) -> None:
    top = esco.match_skills("We need someone to manage budgets for the department.", 5)
    assert top[0].label == "manage budgets" and top[0].score == pytest.approx(1.0)
    python = esco.match_skills("Backend developer: Python, SQL and REST APIs", 5)
    assert PYTHON in [m.uri for m in python[:3]]
    assert next(m for m in python if m.uri == PYTHON).matched_label == "Python"
    assert all(0.0 < m.score <= 1.0 for m in python)
    assert [m.score for m in python] == sorted((m.score for m in python), reverse=True)


def test_job_titles_find_their_occupation(esco: SkillMatcher) -> None:
    assert esco.match_occupations("chef", 3)[0].label == "chef"
    dev = esco.match_occupations("Senior Software Engineer", 5)
    assert SOFTWARE_DEVELOPER in [m.uri for m in dev]
    assert not any(m.label.startswith("(") for m in esco.match_occupations("radiographer", 50))


def test_bad_input_is_refused(esco: SkillMatcher) -> None:
    with pytest.raises(InvalidInput):
        esco.match_skills("   ")
    with pytest.raises(PayloadTooLarge):
        esco.match_skills("x " * (MAX_TEXT_CHARS // 2 + 1))
    with pytest.raises(InvalidInput):
        esco.match_skills("python", 0)
    with pytest.raises(InvalidInput):
        esco.match_occupations("chef", 10_000)


def test_text_with_no_known_word_matches_nothing(esco: SkillMatcher) -> None:
    assert esco.match_skills("zzqx qqzz") == []
    assert esco.match_occupations("zzqx") == []


def test_suggest_alignments_returns_esco_skills(esco: SkillMatcher) -> None:
    suggestions = suggest_alignments("Secure a cloud bucket and rotate leaked access keys", 8)
    assert len(suggestions) == 8
    tax = esco.taxonomy
    assert all(tax.has_skill(s.uri) and tax.skill(s.uri).label == s.label for s in suggestions)


def test_role_profile_draft_comes_from_matching_occupations(esco: SkillMatcher) -> None:
    ad = (
        "Software developer. You will design, write and test software, debug code, and work "
        "with stakeholders to analyse requirements. Experience with Python and SQL."
    )
    draft = draft_role_profile(ad)
    tax = esco.taxonomy
    assert SOFTWARE_DEVELOPER in [o.uri for o in draft.occupations]
    assert draft.essential and draft.optional and draft.matched
    matched_occ = {o.uri for o in draft.occupations}
    for skill in draft.essential:
        assert set(skill.from_occupations) <= matched_occ
        relations = {
            link.relation
            for o in skill.from_occupations
            for link in tax.skills_of(o)
            if link.skill_uri == skill.uri
        }
        assert Relation.ESSENTIAL in relations
    assert any(s.named_in_text for s in draft.essential + draft.optional)


# --- mechanics on a small framework built in memory ------------------------------------------


def _tiny() -> Taxonomy:
    skills = SkillTable(
        [f"https://t.example/s{i}" for i in range(4)],
        ["bake bread", "decorate cakes", "operate ovens", "write poetry"],
        [["make bread"], [], ["oven operation"], []],
        ["Mix, knead and bake dough.", "Ice cakes.", "Run industrial ovens.", "Compose verse."],
        ["skill/competence"] * 4,
        [""] * 4,
    )
    occupations = OccupationTable(
        ["https://t.example/baker", "https://t.example/poet"],
        ["baker", "poet"],
        [["bread maker"], []],
        ["Bakers bake bread and pastries in a bakery.", "Poets write poems."],
        ["", ""],
        ["", ""],
    )
    links = Links.from_pairs(2, [0, 0, 0, 1], [0, 2, 1, 3], [True, True, False, True])
    return Taxonomy(Framework.CUSTOM, "Tiny", "1", "", skills, occupations, links)


def test_occupation_evidence_adds_skills_the_text_does_not_name() -> None:
    text = " ".join(["Our bakery is hiring a baker for the morning shift at the bakery."] * 5)
    with_occ = SkillMatcher(_tiny())
    ranked = [m.label for m in with_occ.match_skills(text, 4)]
    assert ranked[:2] == ["bake bread", "operate ovens"] or ranked[:2] == [
        "operate ovens",
        "bake bread",
    ]
    assert "write poetry" not in ranked
    lexical = SkillMatcher(_tiny(), weights=Weights(occupations=0.0))
    assert "operate ovens" not in [m.label for m in lexical.match_skills(text, 4)]
    ignoring = with_occ.match_skills(text, 4, ignore_occupations=["https://t.example/baker"])
    assert "operate ovens" not in [m.label for m in ignoring]


class _LetterEmbedder:
    """Test double for a sentence-embedding model (no model can be loaded in unit tests):
    embeds a text by its letter counts, L2-normalised."""

    name = "letters"

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        rows = np.zeros((len(texts), 26), dtype=np.float64)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    rows[i, ord(ch) - 97] += 1
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_an_embedder_adds_a_semantic_signal() -> None:
    plain = SkillMatcher(_tiny())
    semantic = SkillMatcher(_tiny(), embedder=_LetterEmbedder())
    assert plain.match_skills("poetic verses") != semantic.match_skills("poetic verses")
    assert semantic.match_skills("write poetry")[0].label == "write poetry"


def test_bundles_carry_a_current_index_and_stale_ones_are_ignored(tmp_path: Path) -> None:
    folder = write_bundle(_tiny(), tmp_path / "tiny")
    tax = read_bundle(folder)
    cached = analysed_taxonomy(tax)
    fresh = analyse_taxonomy(tax)
    assert cached[0].vocab == fresh[0].vocab
    assert (cached[1].doc_terms == fresh[1].doc_terms).all()
    (folder / "index.npz").write_bytes(b"garbage")
    assert analysed_taxonomy(tax)[0].vocab == fresh[0].vocab
    assert SkillMatcher(tax).match_skills("bread")[0].label == "bake bread"


@pytest.mark.parametrize("framework", ["esco", "onet"])
def test_shipped_bundles_carry_a_current_index(framework: str) -> None:
    """If the analyser changes, the shipped index.npz must be rebuilt (write_index)."""
    from microcred.skills.index_store import INDEX_FILE
    from microcred.skills.taxonomy_loader import load_taxonomy
    from microcred.skills.text import ANALYZER_VERSION

    tax = load_taxonomy(framework=framework)
    assert tax.folder is not None
    with np.load(tax.folder / INDEX_FILE) as data:
        assert bytes(data["analyzer"].item()).decode() == ANALYZER_VERSION
        assert bytes(data["fingerprint"].item()).decode() == tax.fingerprint
