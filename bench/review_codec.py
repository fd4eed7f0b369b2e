"""What reading and writing typed reviews and decisions costs per submission row, beside the JSON
parse and dump every row pays anyway (the database driver's part).

Each row of the table is one shape, timed over ``--count`` rows in one run:

- ``json.loads`` / ``json.dumps``: the column's JSON text to a dict and back, the baseline;
- ``decode``: ``json.loads`` and then ``review_from_json`` / ``decision_from_json`` (what
  loading a submission does);
- ``encode``: ``review_to_json`` / ``decision_to_json`` and then ``json.dumps`` (what storing it
  does).

A review-queue page loads at most 200 submissions, so 200 × the decode median is the codec's
share of a full page.

    python bench/review_codec.py [--json] [--count 5000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from microcred.domain.review import (
    Agreement,
    AuditSummary,
    CodeDecision,
    CriterionScore,
    NoAIReview,
    PlainDecision,
    Review,
    RubricDecision,
    RubricReview,
    TestedCriterion,
    TestsReview,
    TestsVerdict,
)
from microcred.domain.review_json import (
    decision_from_json,
    decision_to_json,
    review_from_json,
    review_to_json,
)

AGREEMENT = Agreement(0.8123, 0.7, 90, 0.91, 0.4, None, "out-of-fold on 90 answers")
SCORES = tuple(
    CriterionScore(f"c{i}", "partial", 1.0, 0.8, "Name the root cause and the timeline.")
    for i in range(4)
)
REVIEW = Review("r-1", 2, "trained/minilm-static", SCORES, 4.0, 8.0, True, 0.41, "Good start.")
VERDICT = TestsVerdict(
    2.0,
    3.0,
    False,
    0.95,
    tuple(TestedCriterion(f"c{i}", 1.0, 1.0, ("test_a.py::test_b",)) for i in range(3)),
    "1 of 3 tests failed.",
    AuditSummary(12, 0.9167, 0.8, 6, 5, 1, 0, 0.3387, 10, 0.95, False),
)
REVIEWS: dict[str, Any] = {
    "rubric review": RubricReview(REVIEW, "Confidence 0.41 is below 0.80.", AGREEMENT),
    "tests review": TestsReview(VERDICT, "Sampled for a human audit.", True, "ab" * 32),
    "no AI review": NoAIReview("No rubric: a person reviews this submission."),
}
DECISIONS: dict[str, Any] = {
    "rubric decision": RubricDecision.accepted(REVIEW, AGREEMENT, "user-1"),
    "plain decision": PlainDecision(True, "Clear steps.", "user-1"),
    "code decision": CodeDecision(VERDICT),
}


def _time(fn: Callable[[], object], count: int) -> dict[str, float]:
    """Median and p95 of ``count`` calls, in microseconds."""
    for _ in range(min(count, 200)):  # warm-up
        fn()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    return {
        "median_us": statistics.median(samples),
        "p95_us": samples[int(0.95 * (len(samples) - 1))],
    }


def _row(
    name: str,
    value: Any,
    to_json: Callable[[Any], dict[str, Any]],
    from_json: Callable[[object], Any],
    count: int,
) -> dict[str, Any]:
    text = json.dumps(to_json(value))
    data = json.loads(text)
    assert from_json(data) == value  # the bench measures a faithful round trip

    def decode() -> object:
        return from_json(json.loads(text))

    def encode() -> str:
        return json.dumps(to_json(value))

    return {
        "shape": name,
        "bytes": len(text),
        "loads": _time(partial(json.loads, text), count),
        "dumps": _time(partial(json.dumps, data), count),
        "decode": _time(decode, count),
        "encode": _time(encode, count),
    }


def run(count: int) -> list[dict[str, Any]]:
    """One row per shape: baseline JSON, decode and encode timings."""
    rows = [_row(n, v, review_to_json, review_from_json, count) for n, v in REVIEWS.items()]
    rows += [_row(n, v, decision_to_json, decision_from_json, count) for n, v in DECISIONS.items()]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.count)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{args.count} rows per shape; microseconds per row (median / p95)")
    print(
        f"{'shape':<17}{'bytes':>6}{'json.loads':>14}{'decode':>14}"
        f"{'json.dumps':>14}{'encode':>14}{'page of 200':>13}"
    )
    for r in rows:

        def cell(key: str, r: dict[str, Any] = r) -> str:
            return f"{r[key]['median_us']:.1f} / {r[key]['p95_us']:.1f}"

        page_ms = 200 * r["decode"]["median_us"] / 1000
        print(
            f"{r['shape']:<17}{r['bytes']:>6}{cell('loads'):>14}{cell('decode'):>14}"
            f"{cell('dumps'):>14}{cell('encode'):>14}{page_ms:>10.2f} ms"
        )


if __name__ == "__main__":
    main()
