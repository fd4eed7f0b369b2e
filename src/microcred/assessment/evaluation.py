"""``microcred assess evaluate``: measure the AI reviewer on a human-graded data set.

The data set is a CSV with the columns ``item_id, question, reference, answer, score, max_score,
split`` (``split`` is ``train`` or ``test``; ``reference`` may be empty) and optionally
``second_score`` (a second human grade, from which the human–human agreement of the item is
measured). For every item the product's own path runs: a one-criterion rubric is built, the
reviewer learns from the ``train`` rows exactly as it learns from graded work (the trained reviewer
when the item has enough graded answers, otherwise the embedding reviewer, scaled on the other
items' graded work), the ``test`` rows are reviewed, and the routing policy decides which reviews
would have stood alone.

Reported: QWK, exact agreement and count per item, the mean QWK over items, the overall exact
agreement, the share of test answers the AI decided alone (``auto_share``) and the QWK on those
(``auto_qwk``: plain QWK per item, weighted by the number of answers the AI decided there), and
the second grader's plain QWK with the first on those same answers (``auto_human_qwk``, when
``second_score`` is given).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from microcred.assessment.embedder import Embedder
from microcred.assessment.embedding_reviewer import (
    EmbeddingReviewer,
    SimilarityScale,
    reference_features,
)
from microcred.assessment.metrics import exact_agreement, quadratic_weighted_kappa
from microcred.assessment.routing import RoutingPolicy, Trust, route
from microcred.assessment.rubric import Criterion, Level, Rubric
from microcred.assessment.trained_reviewer import MIN_GRADED, GradedAnswer, TrainedReviewer
from microcred.domain.review import Review
from microcred.errors import InvalidInput, PayloadTooLarge

COLUMNS = ("item_id", "question", "reference", "answer", "score", "max_score", "split")
MAX_BYTES = 100_000_000
MAX_ROWS = 500_000
MAX_FIELD = 100_000
MAX_LEVELS = 101


@dataclass(frozen=True, slots=True)
class Row:
    """One graded answer of the data set."""

    item_id: str
    question: str
    reference: str
    answer: str
    score: float
    max_score: float
    split: str
    second_score: float | None = None


def _number(value: str, column: str, line: int) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"Line {line}: {column} {value[:40]!r} is not a number.") from None
    if not math.isfinite(number):
        raise InvalidInput(f"Line {line}: {column} must be a finite number.")
    return number


def parse_dataset(data: bytes, *, what: str = "the data set") -> list[Row]:
    """Rows of a data set CSV, refusing anything malformed with a clear message."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge(f"{what} is larger than {MAX_BYTES:,} bytes.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{what} is not UTF-8 text (byte {exc.start} cannot be decoded).",
            hint="Save the CSV as UTF-8.",
        ) from None
    if "\x00" in text:
        raise InvalidInput(f"{what} contains NUL bytes; it is not a CSV text file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{what} is empty.") from None
    except csv.Error as exc:
        raise InvalidInput(f"{what} is not valid CSV: {exc}.") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{what} lacks the column(s) {', '.join(missing)}.",
            hint="Required: " + ", ".join(COLUMNS) + ".",
        )
    pos = {name: header.index(name) for name in (*COLUMNS, "second_score") if name in header}
    rows: list[Row] = []
    try:
        for line, record in enumerate(reader, start=2):
            if not record or all(not f.strip() for f in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise PayloadTooLarge(f"{what} has more than {MAX_ROWS:,} rows.")
            if len(record) != len(header):
                raise InvalidInput(
                    f"Line {line}: {len(record)} fields where the header has {len(header)}."
                )
            if any(len(f) > MAX_FIELD for f in record):
                raise PayloadTooLarge(
                    f"Line {line}: a field is longer than {MAX_FIELD:,} characters."
                )
            rows.append(_row(record, pos, line))
    except csv.Error as exc:
        raise InvalidInput(f"{what} is not valid CSV: {exc}.") from None
    if not rows:
        raise InvalidInput(f"{what} has no rows.")
    if not any(r.split == "test" for r in rows):
        raise InvalidInput(f"{what} has no test rows to evaluate on.")
    _check_items(rows)
    return rows


def _row(record: list[str], pos: dict[str, int], line: int) -> Row:
    item = record[pos["item_id"]].strip()
    if not item:
        raise InvalidInput(f"Line {line}: item_id is empty.")
    split = record[pos["split"]].strip().lower()
    if split not in ("train", "test"):
        raise InvalidInput(f"Line {line}: split must be 'train' or 'test', not {split[:20]!r}.")
    score = _number(record[pos["score"]].strip(), "score", line)
    max_score = _number(record[pos["max_score"]].strip(), "max_score", line)
    if max_score <= 0:
        raise InvalidInput(f"Line {line}: max_score must be positive.")
    if not 0 <= score <= max_score:
        raise InvalidInput(f"Line {line}: score {score:g} is outside 0..{max_score:g}.")
    second: float | None = None
    if "second_score" in pos and record[pos["second_score"]].strip():
        second = _number(record[pos["second_score"]].strip(), "second_score", line)
        if not 0 <= second <= max_score:
            raise InvalidInput(f"Line {line}: second_score is outside 0..{max_score:g}.")
    return Row(
        item,
        record[pos["question"]],
        record[pos["reference"]],
        record[pos["answer"]],
        score,
        max_score,
        split,
        second,
    )


def _check_items(rows: Sequence[Row]) -> None:
    maxima: dict[str, float] = {}
    for r in rows:
        if maxima.setdefault(r.item_id, r.max_score) != r.max_score:
            raise InvalidInput(f"Item {r.item_id!r} has more than one max_score.")


def load_dataset(path: Path) -> list[Row]:
    """Read and check a data set CSV file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PayloadTooLarge(f"{path} is larger than {MAX_BYTES:,} bytes.")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}.") from None
    return parse_dataset(data, what=str(path))


def item_rubric(rows: Sequence[Row], human_qwk: float | None = None) -> Rubric:
    """The one-criterion rubric of an item: whole points, or the distinct scores seen."""
    first = rows[0]
    scores = {r.score for r in rows} | {0.0, first.max_score}
    scores |= {r.second_score for r in rows if r.second_score is not None}
    if all(float(s).is_integer() for s in scores):
        scores = {float(p) for p in range(int(first.max_score) + 1)}
    if len(scores) > MAX_LEVELS:
        raise InvalidInput(f"Item {first.item_id!r} has more than {MAX_LEVELS} distinct scores.")
    ordered = sorted(scores)
    levels = tuple(Level(f"{p:g} of {first.max_score:g}", p) for p in ordered)
    references = tuple(dict.fromkeys(r.reference.strip() for r in rows if r.reference.strip()))
    criterion = Criterion("answer", first.question or first.item_id, levels, references)
    return Rubric(
        first.item_id, first.item_id, first.question, (criterion,), human_agreement=human_qwk
    )


def _human_qwk(rubric: Rubric, rows: Sequence[Row]) -> float | None:
    pairs = [(r.score, r.second_score) for r in rows if r.second_score is not None]
    if len(pairs) < MIN_GRADED:
        return None
    c = rubric.criteria[0]
    a = [c.level_index(x) for x, _ in pairs]
    b = [c.level_index(y) for _, y in pairs if y is not None]
    return quadratic_weighted_kappa(a, b, len(c.levels))


@dataclass(slots=True)
class ItemRun:
    """One item reviewed: its rubric, the reviewer used, the test answers' reviews and truth."""

    rubric: Rubric
    reviewer: TrainedReviewer | EmbeddingReviewer
    reviews: list[Review]
    truth: list[int]
    #: The second human's level of each test answer, ``-1`` where it was graded once.
    second: list[int] = field(default_factory=list)

    @property
    def predicted(self) -> list[int]:
        """Level index the AI gave each test answer."""
        c = self.rubric.criteria[0]
        return [c.level_index(r.scores[0].points) for r in self.reviews]

    def trust(self, policy: RoutingPolicy) -> Trust | None:
        """The rubric's measurement and threshold (``None`` without graded work)."""
        if isinstance(self.reviewer, TrainedReviewer):
            return self.reviewer.trust(policy)
        return None


def _scale(runs_rows: dict[str, list[Row]], embedder: Embedder) -> SimilarityScale | None:
    feats, fractions = [], []
    for rows in runs_rows.values():
        graded = [r for r in rows if r.split == "train"]
        if not graded or not any(r.reference.strip() for r in rows):
            continue
        rubric = item_rubric(rows)
        texts = [r.answer for r in graded]
        feats.append(reference_features(rubric.criteria[0], texts, embedder.embed(texts), embedder))
        fractions.append(np.array([r.score / r.max_score for r in graded]))
    if not feats or sum(f.shape[0] for f in feats) < MIN_GRADED:
        return None
    return SimilarityScale.fit(np.vstack(feats), np.concatenate(fractions))


def run_items(rows: Sequence[Row], embedder: Embedder) -> list[ItemRun]:
    """Learn every item from its train rows and review its test rows."""
    by_item: dict[str, list[Row]] = {}
    for r in rows:
        by_item.setdefault(r.item_id, []).append(r)
    scale: SimilarityScale | None = None
    scale_done = False
    runs = []
    for rows_of_item in by_item.values():
        test = [r for r in rows_of_item if r.split == "test"]
        if not test:
            continue
        train = [r for r in rows_of_item if r.split == "train"]
        rubric = item_rubric(rows_of_item)
        rubric = item_rubric(rows_of_item, _human_qwk(rubric, train))
        c = rubric.criteria[0]
        reviewer: TrainedReviewer | EmbeddingReviewer
        if len(train) >= MIN_GRADED and len({r.score for r in train}) >= 2:
            graded = [
                GradedAnswer(
                    r.answer,
                    {c.id: r.score},
                    None if r.second_score is None else {c.id: r.second_score},
                )
                for r in train
            ]
            reviewer = TrainedReviewer.train(rubric, graded, embedder)
        else:
            if not scale_done:
                scale, scale_done = _scale(by_item, embedder), True
            reviewer = EmbeddingReviewer(embedder, scale)
        reviews = reviewer.review(rubric, [r.answer for r in test])
        second = [-1 if r.second_score is None else c.level_index(r.second_score) for r in test]
        truth = [c.level_index(r.score) for r in test]
        runs.append(ItemRun(rubric, reviewer, reviews, truth, second))
    return runs


@dataclass(frozen=True, slots=True)
class ItemResult:
    """Agreement on one item's test answers, and on those the AI decided alone."""

    item_id: str
    reviewer: str
    qwk: float
    accuracy: float
    n: int
    auto: int
    #: Plain QWK of the AI with the first grader on the test answers it decided alone.
    auto_qwk: float | None
    #: The second grader's plain QWK with the first on those same answers (when given).
    auto_human_qwk: float | None
    threshold: float
    #: Why routing allowed or refused autonomy on this item (the rule's figures, out of fold).
    reason: str = ""


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """The outcome of an evaluation; ``as_json`` is the ``--json`` output."""

    items: tuple[ItemResult, ...]
    mean_qwk: float
    accuracy: float
    auto_share: float
    auto_qwk: float | None
    auto_human_qwk: float | None = None
    policy: RoutingPolicy = field(default_factory=RoutingPolicy)

    def as_json(self) -> dict[str, Any]:
        """``{"items": {ITEM: {"qwk", "accuracy", "n", "auto_share", ...}}, "mean_qwk", ...}``."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "items": {
                i.item_id: {
                    "qwk": round(i.qwk, 4),
                    "accuracy": round(i.accuracy, 4),
                    "n": i.n,
                    "auto_share": round(i.auto / i.n, 4) if i.n else 0.0,
                    "auto_qwk": r(i.auto_qwk),
                    "auto_human_qwk": r(i.auto_human_qwk),
                    "routing": i.reason,
                }
                for i in self.items
            },
            "mean_qwk": round(self.mean_qwk, 4),
            "accuracy": round(self.accuracy, 4),
            "auto_share": round(self.auto_share, 4),
            "auto_qwk": r(self.auto_qwk),
            "auto_human_qwk": r(self.auto_human_qwk),
        }

    def table(self) -> str:
        """A plain-text table for people."""
        lines = [
            f"{'item':<24} {'reviewer':<34} {'n':>6} {'QWK':>6} {'exact':>6} {'alone':>6} "
            f"{'AI QWK':>6} {'2nd':>6}"
        ]
        for i in self.items:
            share = i.auto / i.n if i.n else 0.0
            lines.append(
                f"{i.item_id[:24]:<24} {i.reviewer[:34]:<34} {i.n:>6} {i.qwk:>6.3f} "
                f"{i.accuracy:>6.3f} {share:>6.1%} {_fmt(i.auto_qwk):>6} "
                f"{_fmt(i.auto_human_qwk):>6}"
            )
        lines.append(
            f"mean QWK {self.mean_qwk:.3f} · exact agreement {self.accuracy:.3f} · decided by the "
            f"AI alone {self.auto_share:.1%} of test answers, plain QWK on those "
            f"{_fmt(self.auto_qwk)} (second grader on the same answers: "
            f"{_fmt(self.auto_human_qwk)})"
        )
        return "\n".join(lines)


def summarise(runs: Sequence[ItemRun], policy: RoutingPolicy) -> EvaluationReport:
    """Agreement per item and overall, and what the routing policy would have let stand."""
    results = []
    total = correct = auto_total = human_total = 0
    weighted_auto = weighted_human = 0.0
    for run in runs:
        c = run.rubric.criteria[0]
        n_levels = len(c.levels)
        truth = np.array(run.truth, dtype=np.int64)
        pred = np.array(run.predicted, dtype=np.int64)
        second = np.array(run.second or [-1] * truth.size, dtype=np.int64)
        trust = run.trust(policy)
        auto = np.array([route(r, trust).auto for r in run.reviews], dtype=bool)
        auto_qwk = (
            quadratic_weighted_kappa(truth[auto], pred[auto], n_levels) if auto.any() else None
        )
        twice = auto & (second >= 0)
        human = (
            quadratic_weighted_kappa(truth[twice], second[twice], n_levels) if twice.any() else None
        )
        n, k = int(truth.size), int(auto.sum())
        results.append(
            ItemResult(
                item_id=run.rubric.id,
                reviewer=run.reviewer.name,
                qwk=quadratic_weighted_kappa(truth, pred, n_levels),
                accuracy=exact_agreement(truth, pred),
                n=n,
                auto=k,
                auto_qwk=auto_qwk,
                auto_human_qwk=human,
                threshold=math.inf if trust is None else trust.threshold,
                reason="no graded work" if trust is None else trust.reason,
            )
        )
        total += n
        correct += int((truth == pred).sum())
        if auto_qwk is not None:
            auto_total += k
            weighted_auto += auto_qwk * k
        if human is not None:
            human_total += int(twice.sum())
            weighted_human += human * int(twice.sum())
    return EvaluationReport(
        items=tuple(results),
        mean_qwk=float(np.mean([r.qwk for r in results])) if results else 0.0,
        accuracy=correct / total if total else 0.0,
        auto_share=auto_total / total if total else 0.0,
        auto_qwk=weighted_auto / auto_total if auto_total else None,
        auto_human_qwk=weighted_human / human_total if human_total else None,
        policy=policy,
    )


def evaluate(rows: Sequence[Row], embedder: Embedder, policy: RoutingPolicy) -> EvaluationReport:
    """Train on the train rows, review the test rows and report agreement and routing."""
    return summarise(run_items(rows, embedder), policy)
