"""The trained reviewer: learns each rubric from the answers humans have already graded.

Per criterion, two stages:

1. Kernel ridge regressions on eight similarity kernels between answers — character n-gram
   TF-IDF cosine, word n-gram TF-IDF cosine (both on the answers with misspellings corrected
   against the rubric's own vocabulary, ``spelling.Speller``, once ``SPELLING_MIN_GRADED``
   answers are graded), embedding cosine and their
   mean, and the Gaussian kernel of each of the four (local: it learns rubrics that count key
   ideas, which a sum of phrases cannot) — each with its regularisation chosen by exact
   leave-one-out error.
2. A multinomial logistic regression over the eight leave-one-out predictions, the similarity to
   the closest graded answers of each level and closeness to the references. The expected score
   is cut into levels at thresholds tuned for QWK. The confidence starts from how tightly the
   level probabilities sit around the chosen level (``raw_confidence``: QWK punishes a miss by its
   squared distance) and is calibrated on out-of-fold answers into the probability of agreeing
   with a human.

Training also yields out-of-fold predictions for every graded answer: the measurement routing uses
to decide whether the AI may decide alone on this rubric. Retrain as grades accumulate
(``should_retrain``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import EllipsisType

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from microcred.assessment.calibration import Calibrator
from microcred.assessment.confidence import ConfidenceModel, confidence_features
from microcred.assessment.embedder import Embedder
from microcred.assessment.embedding_reviewer import reference_features
from microcred.assessment.feedback import criterion_feedback
from microcred.assessment.learning import (
    KernelRidge,
    SoftmaxRegression,
    cross_val_proba,
    gaussian,
    nearest_by_level,
    qwk_cut_points,
)
from microcred.assessment.lexical import TfidfVectorizer, char_ngrams, word_ngrams
from microcred.assessment.routing import RoutingPolicy, Trust, measure
from microcred.assessment.rubric import Criterion, Rubric
from microcred.assessment.spelling import Speller
from microcred.domain.review import CriterionScore, Review
from microcred.errors import InvalidInput

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Fewest graded answers (with at least two distinct levels) before a criterion can be learned.
MIN_GRADED = 20
NEIGHBOURS = 5
#: Width of the Gaussian kernels, ``exp(GAMMA * (cosine - 1))``; measured on ASAP-SAS, values from
#: 1 to 6 gave the same QWK within 0.005 (ADR 0004).
GAMMA = 3.0
#: Graded answers from which misspellings are corrected before the n-gram kernels. Measured on
#: ASAP-SAS training subsets (ADR 0006): with 100 answers correcting cost 0.009 mean QWK (the
#: vocabulary is too small to tell a misspelling from a rare word), with 200 it was neutral
#: (+0.001), from 300 it helped (+0.004; +0.005 with about 1,340).
SPELLING_MIN_GRADED = 300


class NotEnoughGradedWork(InvalidInput):
    """Too few human-graded answers to learn a rubric from."""

    code = "not_enough_graded_work"


@dataclass(frozen=True, slots=True)
class GradedAnswer:
    """An answer a human graded: points on each criterion of the rubric."""

    text: str
    points: Mapping[str, float]
    #: A second human's points for the same answer, when it was graded twice.
    second: Mapping[str, float] | None = None


def _char(text: str) -> list[str]:
    return char_ngrams(text, 2, 5)


def _word(text: str) -> list[str]:
    return word_ngrams(text, 1, 2)


@dataclass(frozen=True, slots=True)
class OutOfFold:
    """Held-out predictions on the training answers: what the measurement is made of."""

    predicted: IntArray
    truth: IntArray
    confidence: Array


@dataclass(slots=True)
class CriterionModel:
    """The learned model of one criterion."""

    criterion: Criterion
    speller: Speller | None
    chars: TfidfVectorizer
    words: TfidfVectorizer
    train_chars: sp.csr_matrix
    train_words: sp.csr_matrix
    train_vectors: Array
    train_levels: IntArray
    ridges: tuple[KernelRidge, ...]
    stage2: SoftmaxRegression
    cuts: Array
    calibrator: Calibrator
    oof: OutOfFold
    #: The learned confidence (``confidence.py``); ``None``: the calibrated spread alone.
    confidence: ConfidenceModel | None = None

    @property
    def n_levels(self) -> int:
        """Number of levels of the criterion."""
        return len(self.criterion.levels)

    @classmethod
    def fit(
        cls,
        criterion: Criterion,
        texts: Sequence[str],
        levels: IntArray,
        embedder: Embedder,
        vectors: Array | None = None,
        speller: Speller | EllipsisType | None = ...,
    ) -> CriterionModel:
        """Learn ``criterion`` from graded ``texts`` on level indices ``levels``; ``vectors``
        and ``speller`` (``...``: learn it here) may be shared by a rubric's criteria."""
        n_levels = len(criterion.levels)
        if len(texts) < MIN_GRADED or np.unique(levels).size < 2:
            raise NotEnoughGradedWork(
                f"Criterion {criterion.id!r} needs at least {MIN_GRADED} graded answers on two "
                f"or more levels; it has {len(texts)}."
            )
        vecs = embedder.embed(texts) if vectors is None else vectors
        if isinstance(speller, EllipsisType):
            speller = speller_for(texts)
        spelled = _spelled(speller, texts)
        chars = TfidfVectorizer(_char).fit(spelled)
        wordv = TfidfVectorizer(_word).fit(spelled)
        xc, xw = chars.transform(spelled), wordv.transform(spelled)
        cosines = _cosines(xc, xw, vecs, xc, xw, vecs)
        y = levels.astype(np.float64)
        ridges, loo = [], []
        for k in _kernels(cosines):  # one Gaussian kernel at a time: n × n each
            model, pred = KernelRidge.fit_loo(k, y)
            ridges.append(model)
            loo.append(pred)
        feats = _stage2_features(
            np.column_stack(loo),
            nearest_by_level(cosines[-1], levels, n_levels, k=NEIGHBOURS, exclude_self=True),
            reference_features(criterion, texts, vecs, embedder),
        )
        oof_p = cross_val_proba(feats, levels, n_levels)
        grid = np.arange(n_levels, dtype=np.float64)
        cuts = qwk_cut_points(oof_p @ grid, levels, n_levels)
        oof_levels = np.searchsorted(cuts, oof_p @ grid).astype(np.int64)
        raw = raw_confidence(oof_p, oof_levels)
        calibrator = Calibrator.fit(raw, oof_levels == levels)
        novelty = cosines[-1].copy()
        np.fill_diagonal(novelty, -1.0)
        confidence, oof_confidence = ConfidenceModel.fit(
            confidence_features(oof_p, oof_levels, cuts, np.column_stack(loo), novelty.max(axis=1)),
            oof_levels == levels,
        )
        stage2 = SoftmaxRegression.fit(feats, levels, n_levels)
        return cls(
            criterion=criterion,
            speller=speller,
            chars=chars,
            words=wordv,
            train_chars=xc,
            train_words=xw,
            train_vectors=vecs,
            train_levels=levels,
            ridges=tuple(ridges),
            stage2=stage2,
            cuts=cuts,
            calibrator=calibrator,
            oof=OutOfFold(
                oof_levels, levels, calibrator(raw) if oof_confidence is None else oof_confidence
            ),
            confidence=confidence,
        )

    def predict(
        self, texts: Sequence[str], vectors: Array, embedder: Embedder
    ) -> tuple[IntArray, Array]:
        """Level index and calibrated confidence per answer."""
        spelled = _spelled(self.speller, texts)
        xc, xw = self.chars.transform(spelled), self.words.transform(spelled)
        cosines = _cosines(xc, xw, vectors, self.train_chars, self.train_words, self.train_vectors)
        stage1 = np.column_stack(
            [r.predict(k) for r, k in zip(self.ridges, _kernels(cosines), strict=True)]
        )
        feats = _stage2_features(
            stage1,
            nearest_by_level(cosines[-1], self.train_levels, self.n_levels, k=NEIGHBOURS),
            reference_features(self.criterion, texts, vectors, embedder),
        )
        p = self.stage2.predict_proba(feats)
        expected = p @ np.arange(self.n_levels, dtype=np.float64)
        levels = np.searchsorted(self.cuts, expected).astype(np.int64)
        if self.confidence is None:
            return levels, self.calibrator(raw_confidence(p, levels))
        similarity = cosines[-1].max(axis=1)
        return levels, self.confidence(
            confidence_features(p, levels, self.cuts, stage1, similarity)
        )


def speller_for(texts: Sequence[str]) -> Speller | None:
    """The spelling corrector learned from a rubric's graded ``texts``; none with fewer than
    ``SPELLING_MIN_GRADED`` of them."""
    return Speller.fit(texts) if len(texts) >= SPELLING_MIN_GRADED else None


def _spelled(speller: Speller | None, texts: Sequence[str]) -> Sequence[str]:
    return texts if speller is None else speller.normalise(texts)


def _cosines(
    xc: sp.csr_matrix,
    xw: sp.csr_matrix,
    vecs: Array,
    tc: sp.csr_matrix,
    tw: sp.csr_matrix,
    tvecs: Array,
) -> list[Array]:
    kc = np.asarray((xc @ tc.T).toarray(), dtype=np.float64)
    kw = np.asarray((xw @ tw.T).toarray(), dtype=np.float64)
    ke = np.asarray(vecs @ tvecs.T, dtype=np.float64)
    return [kc, kw, ke, (kc + kw + ke) / 3.0]


def _kernels(cosines: Sequence[Array]) -> Iterator[Array]:
    """The stage-1 kernels, in the order of ``CriterionModel.ridges``: the cosines, then their
    Gaussian kernels (made one at a time, so at most one extra n × n matrix is alive)."""
    yield from cosines
    for k in cosines:
        yield gaussian(k, GAMMA)


def raw_confidence(proba: Array, levels: IntArray) -> Array:
    """Certainty before calibration: ``exp(-E[(level - chosen)²])`` under the level probabilities.

    QWK penalises a disagreement by its squared distance, so an answer whose probability mass sits
    next to the chosen level is safer than one split between distant levels.
    """
    grid = np.arange(proba.shape[1], dtype=np.float64)
    spread = (proba * (grid[None, :] - levels[:, None].astype(np.float64)) ** 2).sum(axis=1)
    return np.asarray(np.exp(-spread), dtype=np.float64)


def _stage2_features(stage1: Array, neighbours: Array, refs: Array) -> Array:
    return np.hstack([stage1, neighbours, refs])


def _second_levels(rubric: Rubric, graded: Sequence[GradedAnswer]) -> IntArray | None:
    """Second grades on the scale ``trust`` measures on (summed over criteria); ``-1`` where an
    answer was graded once."""
    if not any(g.second for g in graded):
        return None
    out = np.full(len(graded), -1, dtype=np.int64)
    for i, g in enumerate(graded):
        if g.second and set(g.second) == {c.id for c in rubric.criteria}:
            out[i] = sum(c.level_index(g.second[c.id]) for c in rubric.criteria)
    return out


def should_retrain(trained_on: int, graded_now: int) -> bool:
    """Whether enough new grades have accumulated to retrain a rubric's model.

    Retrain on first reaching ``MIN_GRADED``, then whenever the graded work has grown by a
    tenth (at least five answers) since the last training.
    """
    if graded_now < MIN_GRADED:
        return False
    if trained_on < MIN_GRADED:
        return True
    return graded_now - trained_on >= max(5, trained_on // 10)


class TrainedReviewer:
    """A reviewer for one rubric, learned from its graded answers; see the module docstring."""

    def __init__(
        self, rubric: Rubric, models: Sequence[CriterionModel], embedder: Embedder, trained_on: int
    ) -> None:
        self.rubric = rubric
        self.models = tuple(models)
        self._embedder = embedder
        self.trained_on = trained_on
        #: The second human's level of each graded answer (``-1``: graded once), when any.
        self.second: IntArray | None = None

    @property
    def name(self) -> str:
        """``trained/<model>``."""
        return f"trained/{self._embedder.name}"

    @classmethod
    def train(
        cls, rubric: Rubric, graded: Sequence[GradedAnswer], embedder: Embedder
    ) -> TrainedReviewer:
        """Learn every criterion of ``rubric`` from ``graded`` answers."""
        texts = [g.text for g in graded]
        vectors = embedder.embed(texts)
        speller = speller_for(texts)
        models = []
        for c in rubric.criteria:
            levels = np.array([c.level_index(g.points[c.id]) for g in graded], dtype=np.int64)
            models.append(CriterionModel.fit(c, texts, levels, embedder, vectors, speller))
        reviewer = cls(rubric, models, embedder, len(graded))
        reviewer.second = _second_levels(rubric, graded)
        return reviewer

    def trust(self, policy: RoutingPolicy) -> Trust:
        """The measured agreement on held-out graded answers and the routing threshold.

        For several criteria, an answer counts as agreed only when every criterion agrees; the
        measurement then uses the total points' level on the first criterion's scale.
        """
        first = self.models[0].oof
        confidence = np.prod([m.oof.confidence for m in self.models], axis=0)
        if len(self.models) == 1:
            predicted, truth, n_levels = first.predicted, first.truth, self.models[0].n_levels
        else:
            predicted = np.sum([m.oof.predicted for m in self.models], axis=0)
            truth = np.sum([m.oof.truth for m in self.models], axis=0)
            n_levels = sum(m.n_levels - 1 for m in self.models) + 1
        return measure(
            confidence,
            predicted,
            truth,
            n_levels,
            policy=policy,
            human_qwk=self.rubric.human_agreement,
            second=self.second,
            method=f"out-of-fold on {self.trained_on} human-graded answers",
        )

    def review(self, rubric: Rubric, answers: Sequence[str]) -> list[Review]:
        """One review per answer (``rubric`` must be the rubric this reviewer learned)."""
        if rubric.id != self.rubric.id or rubric.version != self.rubric.version:
            raise InvalidInput(
                f"This reviewer learned rubric {self.rubric.id!r} v{self.rubric.version}; "
                f"it cannot grade {rubric.id!r} v{rubric.version}.",
                hint="Retrain it on the new rubric version's graded work.",
            )
        vectors = self._embedder.embed(answers)
        per = [m.predict(answers, vectors, self._embedder) for m in self.models]
        reviews = []
        for i, text in enumerate(answers):
            scores = []
            for m, (levels, conf) in zip(self.models, per, strict=True):
                c, lv = m.criterion, int(levels[i])
                scores.append(
                    CriterionScore(
                        c.id,
                        c.levels[lv].name,
                        c.levels[lv].points,
                        float(conf[i]),
                        criterion_feedback(c, lv, text),
                    )
                )
            feedback = "\n".join(s.feedback for s in scores)
            reviews.append(Review.from_scores(rubric, self.name, scores, feedback))
        return reviews
