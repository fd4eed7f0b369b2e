"""Rank skills and occupations of a taxonomy for a piece of text, fully offline.

The ranking is a hybrid of signals, each normalised to [0, 1] per query and mixed by the length of
the text (:class:`Weights`):

* **label coverage** — how completely a skill's preferred or alternative label (ESCO lists ~7 per
  skill) is covered by the text, on word stems (:mod:`microcred.skills.text`) and weighted by
  inverse document frequency, so
  "managed the kitchen budget" covers "manage budgets"; rare, specific labels count more than
  one common word;
* **text relevance** — TF-IDF cosine and BM25 over each skill's labels and description;
* **occupation evidence** — the text is also matched against occupations, and the skills the
  best-matching occupations need (essential more than optional) gain weight. This is what makes
  a job description find the skills a role needs even when it does not name them;
* **semantic** (optional) — any :class:`~microcred.assessment.embedder.Embedder` (the one
  embedding protocol, shared with assessment) adds cosine similarity with each label.

Sentences are led by label coverage; job ads and descriptions by cosine and occupation evidence.
The lexical signals come from :class:`~microcred.skills.concept_index.ConceptIndex`, built from the
analysis :mod:`microcred.skills.index_store` keeps beside each bundle. ``bench/skills_match.py``
measures the ranking against a TF-IDF baseline.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from microcred.assessment.embedder import Embedder
from microcred.errors import InvalidInput, PayloadTooLarge
from microcred.skills.concept_index import ConceptIndex
from microcred.skills.index_store import analysed_taxonomy, search_labels
from microcred.skills.label_vectors import concept_centroids
from microcred.skills.taxonomy import Taxonomy
from microcred.skills.taxonomy_loader import load_taxonomy
from microcred.skills.text import stems, vacancy_title

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

#: Longest text accepted (characters); a long job advert is ~10,000.
MAX_TEXT_CHARS = 100_000
MAX_TOP_K = 500


@dataclass(frozen=True, slots=True)
class Match:
    """One ranked concept: its URI, preferred label and score in [0, 1]."""

    uri: str
    label: str
    score: float
    #: the label (preferred or alternative) that matched the text best, when one did
    matched_label: str = ""

    def to_dict(self) -> dict[str, str | float]:
        """A JSON-ready mapping with ``uri``, ``label`` and ``score``."""
        return {"uri": self.uri, "label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True, slots=True)
class ProfileSkill:
    """A skill proposed for a role profile, with where the proposal comes from."""

    uri: str
    label: str
    score: float
    #: occupations (URIs) that list this skill, among those matched
    from_occupations: tuple[str, ...] = ()
    #: whether the text itself names the skill (not only the occupations)
    named_in_text: bool = False


@dataclass(frozen=True, slots=True)
class RoleProfileDraft:
    """A role profile drafted from a job description, for a person to review."""

    occupations: list[Match]
    essential: list[ProfileSkill]
    optional: list[ProfileSkill]
    #: skills the text names directly, whatever the occupations say
    matched: list[Match] = field(default_factory=list)


def _normalised(x: FloatArray) -> FloatArray:
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else x


# --- the matcher ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weights:
    """How the signals combine.

    The defaults were chosen on the "dev" halves of the two benchmarks in ``bench/skills_match.py``
    (ESCO occupation descriptions, Green et al. job-ad sentences); the "test" halves are reported.
    """

    #: direct skill signals for long texts (job ads, descriptions): label coverage, BM25,
    #: TF-IDF cosine, embedding cosine
    label: float = 0.165
    bm25: float = 0.0
    cosine: float = 1.5
    semantic: float = 0.5
    #: the same for short texts (a sentence, a phrase): learned on the dev halves of Green et
    #: al. 2022 job-ad sentences and of held-out ESCO alternative labels (see the MANIFEST)
    short_label: float = 2.0
    short_bm25: float = 1.5
    short_cosine: float = 0.0
    short_semantic: float = 0.75
    #: texts of ≤ ``short_text`` content words use the short mix, ≥ ``long_text`` the long
    #: one, and those between a blend
    short_text: int = 10
    long_text: int = 40
    #: job title -> occupation mix, learned on the dev half of held-out ESCO alternative labels
    title_label: float = 1.0
    title_bm25: float = 1.0
    title_cosine: float = 0.5
    title_semantic: float = 1.0
    #: occupation signals (for occupation evidence; job titles use their own mix)
    occ_label: float = 0.3
    occ_bm25: float = 0.45
    occ_cosine: float = 1.0
    occ_semantic: float = 0.0
    #: weight of occupation evidence for texts of ≥ ``long_text`` content words; it grows
    #: linearly from zero at ``occupation_text`` content words
    occupations: float = 2.0
    occupation_text: int = 10
    #: how much occupation evidence multiplies the direct score of skills the text matched
    occ_boost: float = 0.0
    #: how many of the best occupations lend their skills, and how sharply they are weighted
    top_occupations: int = 20
    occ_power: float = 2.0
    optional_share: float = 0.5
    specificity: float = 8.0


def _check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("The text to match is empty.")
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLarge(f"The text to match is longer than {MAX_TEXT_CHARS:,} characters.")
    return text


def _check_k(top_k: int) -> int:
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be between 1 and {MAX_TOP_K}.")
    return top_k


def _top(scores: FloatArray, k: int) -> IntArray:
    k = min(k, int(scores.shape[0]))
    if k <= 0:
        return np.zeros(0, dtype=np.int32)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].astype(np.int32)


class SkillMatcher:
    """Ranks a taxonomy's skills and occupations for free text."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        embedder: Embedder | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.weights = weights or Weights()
        skills, occupations = analysed_taxonomy(taxonomy)
        self.skills = ConceptIndex.build(skills)
        self.occupations = ConceptIndex.build(occupations)
        #: weight of each occupation→skill link: 1 essential, optional_share optional
        self._link_value = np.where(
            taxonomy.links.essential, 1.0, self.weights.optional_share
        ).astype(np.float32)
        self._skill_vectors: FloatArray | None = None
        self._occupation_vectors: FloatArray | None = None
        self._lock = threading.Lock()

    def _evidence(self, occupations: IntArray, weights: FloatArray) -> FloatArray:
        """Per skill: the sum of the given occupations' weights times each link's value."""
        links = self.taxonomy.links
        out = np.zeros(len(self.taxonomy.skills), dtype=np.float32)
        for o, weight in zip(occupations, weights, strict=True):
            lo, hi = int(links.start[o]), int(links.start[o + 1])
            out[links.skill[lo:hi]] += float(weight) * self._link_value[lo:hi]
        return out

    def _label_text(self, skill: int, row: int) -> str:
        if row < 0:
            return ""
        k = row - int(self.skills.label_start[skill])
        t = self.taxonomy.skills
        if k == 0:
            return t.label[skill]
        alts = t.alt_labels[skill]
        # a hidden label matched: show the preferred label, never the hidden one
        return alts[k - 1] if k - 1 < len(alts) else t.label[skill]

    # --- semantic signal -------------------------------------------------------------------

    def _embed_concepts(self) -> tuple[FloatArray, FloatArray]:
        assert self.embedder is not None
        with self._lock:
            if self._skill_vectors is None or self._occupation_vectors is None:
                t = self.taxonomy
                self._skill_vectors = concept_centroids(self.embedder, search_labels(t.skills))
                self._occupation_vectors = concept_centroids(
                    self.embedder, search_labels(t.occupations)
                )
            return self._skill_vectors, self._occupation_vectors

    def _semantic(self, text: str, occupations: bool, weight: float = 1.0) -> FloatArray | None:
        if self.embedder is None or weight <= 0:
            return None
        skill_vecs, occ_vecs = self._embed_concepts()
        q = np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]
        # einsum, not BLAS: one thread, so a busy machine does not stall the query (measured)
        sims: FloatArray = np.clip(
            np.einsum("ij,j->i", occ_vecs if occupations else skill_vecs, q), 0.0, None
        )
        return sims.astype(np.float32)

    # --- scoring -------------------------------------------------------------------------------

    def occupation_signals(self, text: str, *, title: bool = False) -> dict[str, FloatArray]:
        """The raw per-occupation signals, each normalised to [0, 1]."""
        text = vacancy_title(_check_text(text)) if title else _check_text(text)
        words = stems(text)
        index = self.occupations
        q, mass = index.query_terms(words)
        label, _ = index.label_scores(
            q, mass, query_weight=1.0 if title else 0.0, specificity=self.weights.specificity
        )
        out = {
            "label": _normalised(label),
            "bm25": _normalised(index.bm25_scores(q)),
            "cosine": _normalised(index.cosine_scores(words)),
        }
        w = self.weights
        sem = self._semantic(text, True, w.title_semantic if title else w.occ_semantic)
        if sem is not None:
            out["semantic"] = _normalised(sem)
        return out

    def combine_occupations(self, signals: dict[str, FloatArray], title: bool) -> FloatArray:
        """Weighted sum of occupation signals, normalised."""
        w = self.weights
        weights = {
            "label": w.title_label if title else w.occ_label,
            "bm25": w.title_bm25 if title else w.occ_bm25,
            "cosine": w.title_cosine if title else w.occ_cosine,
            "semantic": w.title_semantic if title else w.occ_semantic,
        }
        total = sum(weights[k] * v for k, v in signals.items())
        return _normalised(np.asarray(total, dtype=np.float32))

    def occupation_scores(self, text: str, *, title: bool = False) -> FloatArray:
        """A score in [0, 1] for every occupation (``title``: the text is a job title)."""
        return self.combine_occupations(self.occupation_signals(text, title=title), title)

    def skill_signals(self, text: str) -> tuple[dict[str, FloatArray], IntArray, int]:
        """The raw per-skill signals (each in [0, 1]), best-label rows, content-word count."""
        words = stems(_check_text(text))
        index = self.skills
        q, mass = index.query_terms(words)
        label, rows = index.label_scores(
            q, mass, query_weight=0.0, specificity=self.weights.specificity
        )
        out = {
            "label": _normalised(label),
            "bm25": _normalised(index.bm25_scores(q)),
            "cosine": _normalised(index.cosine_scores(words)),
        }
        sem = self._semantic(text, occupations=False)
        if sem is not None:
            out["semantic"] = _normalised(sem)
        return out, rows, len(words)

    def combine_skills(
        self, signals: dict[str, FloatArray], n_words: int, occupations: FloatArray | None
    ) -> FloatArray:
        """Weighted sum of skill signals plus occupation evidence, normalised."""
        w = self.weights
        share = min(1.0, max(0.0, (n_words - w.short_text) / max(1, w.long_text - w.short_text)))
        weights = {
            "label": w.short_label + (w.label - w.short_label) * share,
            "bm25": w.short_bm25 + (w.bm25 - w.short_bm25) * share,
            "cosine": w.short_cosine + (w.cosine - w.short_cosine) * share,
            "semantic": w.short_semantic + (w.semantic - w.short_semantic) * share,
        }
        total = _normalised(
            np.asarray(sum(weights[k] * v for k, v in signals.items()), dtype=np.float32)
        )
        span = max(1, w.long_text - w.occupation_text)
        lend = min(1.0, max(0.0, (n_words - w.occupation_text) / span))
        if occupations is not None and len(self.taxonomy.links):
            best = _top(occupations, w.top_occupations)
            evidence = _normalised(self._evidence(best, occupations[best] ** w.occ_power))
            # short texts: evidence only reorders what the text itself matched;
            # long texts: it also adds skills the text does not name
            total = total * (1.0 + w.occ_boost * evidence) + w.occupations * lend * evidence
        return _normalised(np.asarray(total, dtype=np.float32))

    def skill_scores(
        self, text: str, *, ignore_occupations: Collection[str] = ()
    ) -> tuple[FloatArray, IntArray]:
        """A score in [0, 1] for every skill, and the row of each skill's best label.

        ``ignore_occupations`` leaves those occupations out of the occupation evidence (for
        evaluation, or when the text *is* that occupation's description).
        """
        signals, rows, n_words = self.skill_signals(text)
        occ = None
        w = self.weights
        # evidence changes nothing for texts this short unless it boosts direct matches
        lends = n_words > w.occupation_text or w.occ_boost > 0
        if w.occupations > 0 and lends and len(self.taxonomy.links):
            occ = self.occupation_scores(text).copy()
            for uri in ignore_occupations:
                occ[self.taxonomy.occupation_index(uri)] = 0.0
        return self.combine_skills(signals, n_words, occ), rows

    # --- public API ------------------------------------------------------------------------------

    def match_skills(
        self, text: str, top_k: int = 10, *, ignore_occupations: Collection[str] = ()
    ) -> list[Match]:
        """The ``top_k`` skills best matching ``text`` (a sentence, a job ad, evidence)."""
        scores, rows = self.skill_scores(text, ignore_occupations=ignore_occupations)
        t = self.taxonomy.skills
        return [
            Match(
                t.uri[i],
                t.label[i],
                float(scores[i]),
                self._label_text(i, int(rows[i])),
            )
            for i in _top(scores, _check_k(top_k))
            if scores[i] > 0
        ]

    def match_occupations(self, title: str, top_k: int = 10) -> list[Match]:
        """The ``top_k`` occupations best matching a job title (or a longer description)."""
        is_title = len(stems(_check_text(title))) <= 12
        scores = self.occupation_scores(title, title=is_title)
        t = self.taxonomy.occupations
        return [
            Match(t.uri[i], t.label[i], float(scores[i]))
            for i in _top(scores, _check_k(top_k))
            if scores[i] > 0 and t.label[i] and not t.label[i].startswith("(")
        ]

    def suggest_alignments(self, text: str, top_k: int = 10) -> list[Match]:
        """Skills to align a new micro-credential to, from its title, description or criteria."""
        return self.match_skills(text, top_k)

    def draft_role_profile(
        self,
        job_description: str,
        *,
        occupations: int = 3,
        max_skills: int = 30,
        matched: int = 15,
    ) -> RoleProfileDraft:
        """Draft a role profile: the best-matching occupations' essential and optional skills.

        Skills are weighted by how well their occupations match (a skill several matched
        occupations need ranks higher) and boosted when the description names them.
        """
        text = _check_text(job_description)
        occ_scores = self.occupation_scores(text, title=len(stems(text)) <= 12)
        best = [int(i) for i in _top(occ_scores, _check_k(occupations)) if occ_scores[i] > 0]
        direct, _ = self.skill_scores(text)
        named = {int(i) for i in _top(direct, _check_k(matched))}
        t = self.taxonomy
        votes: dict[int, list[float]] = {}
        sources: dict[int, list[str]] = {}
        for o in best:
            lo, hi = int(t.links.start[o]), int(t.links.start[o + 1])
            for s, essential in zip(t.links.skill[lo:hi], t.links.essential[lo:hi], strict=True):
                v = votes.setdefault(int(s), [0.0, 0.0])
                v[0 if essential else 1] += float(occ_scores[o])
                sources.setdefault(int(s), []).append(t.occupations.uri[o])
        total = sum(float(occ_scores[o]) for o in best) or 1.0

        def item(s: int, weight: float) -> ProfileSkill:
            score = min(1.0, weight / total + (0.25 if s in named else 0.0))
            return ProfileSkill(
                t.skills.uri[s], t.skills.label[s], score, tuple(sources[s]), s in named
            )

        essential = [item(s, v[0]) for s, v in votes.items() if v[0] >= v[1]]
        optional = [item(s, v[0] + v[1]) for s, v in votes.items() if v[0] < v[1]]
        essential.sort(key=lambda p: (-p.score, p.label))
        optional.sort(key=lambda p: (-p.score, p.label))
        return RoleProfileDraft(
            [
                Match(t.occupations.uri[o], t.occupations.label[o], float(occ_scores[o]))
                for o in best
            ],
            essential[:max_skills],
            optional[:max_skills],
            self.match_skills(text, matched),
        )


_default_lock = threading.Lock()
_default: SkillMatcher | None = None


def default_matcher() -> SkillMatcher:
    """The matcher over the shipped ESCO v1.1.1, built once per process."""
    global _default  # noqa: PLW0603 — one lazily built, read-only matcher per process
    with _default_lock:
        if _default is None:
            _default = SkillMatcher(load_taxonomy())
        return _default


def suggest_alignments(text: str, top_k: int = 10) -> list[Match]:
    """ESCO skills to align a micro-credential to, best first (shipped ESCO v1.1.1)."""
    return default_matcher().suggest_alignments(text, top_k)


def draft_role_profile(job_description: str, *, occupations: int = 3) -> RoleProfileDraft:
    """A draft role profile from a job description (shipped ESCO v1.1.1)."""
    return default_matcher().draft_role_profile(job_description, occupations=occupations)
