"""Quality and latency of ``skills match`` / ``skills occupation`` beside TF-IDF, in one run.

Test sets (built in ``bench/skills_match_sets.py``; each split into dev/test halves by a hash —
the shipped fusion weights were chosen on dev halves only, the **test** halves are held out):

1. **Job-ad sentences → skills** (Green et al. 2022, CC BY 4.0): gold Skill spans mapped to ESCO
   by a label rule. RP@5 and MAP, with each gold span a relevant item.
2. **Vacancy titles → occupations**: (a) held-out ESCO alternative labels, answered from a
   taxonomy that no longer holds them; (b) the Occupation spans of Green et al. mapped to ESCO
   by the same label rule. hit@1 and hit@10.
3. **ESCO occupation descriptions → essential skills** (the set the earlier weights were tuned
   on; occupation evidence leaves the query's own occupation out). MAP, RP@5.

Systems: ``tfidf`` (scikit-learn TfidfVectorizer over labels + description), ``previous`` (the
matcher's earlier weights, lexical), ``lexical`` (the new weights without the embedder,
``--lexical``) and ``shipped`` (the new weights with the shipped static embedder: what the CLI
and the services use). Latency is per query, p50/p95, in this process.

    python bench/skills_match.py [--json] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from microcred.adapters.ai.embeddings import load_embedder
from microcred.skills.skill_matching import SkillMatcher, Weights
from microcred.skills.taxonomy import Taxonomy
from microcred.skills.taxonomy_loader import load_taxonomy
from skills_match_sets import (
    GreenGold,
    TfIdfBaseline,
    average_precision,
    green_sentences,
    held_out_taxonomy,
    r_precision_at,
    span_scores,
    split_of,
)

Rank = Callable[[str], list[int]]
#: the matcher's weights before this fusion was learned (short texts and titles)
PREVIOUS = Weights(
    short_label=0.55,
    short_bm25=0.45,
    short_cosine=0.0,
    short_semantic=0.1,
    title_label=0.7,
    title_bm25=0.3,
    title_cosine=0.0,
    title_semantic=0.0,
)


def _ranked(scores: np.ndarray, depth: int = 100) -> list[int]:
    top = np.argpartition(-scores, depth)[:depth]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]


def skill_rankers(tax: Taxonomy, embedder: object) -> dict[str, Callable[[str, str], list[int]]]:
    """(text, occupation to leave out or "") -> skill indices, for each system."""
    base = TfIdfBaseline(tax.skills)
    systems: dict[str, Callable[[str, str], list[int]]] = {
        "tfidf": lambda text, occ: base.rank(text)
    }
    for name, matcher in (
        ("previous", SkillMatcher(tax, weights=PREVIOUS)),
        ("lexical", SkillMatcher(tax)),
        ("shipped", SkillMatcher(tax, embedder=embedder)),  # type: ignore[arg-type]
    ):

        def rank(text: str, occ: str, m: SkillMatcher = matcher) -> list[int]:
            return _ranked(m.skill_scores(text, ignore_occupations=[occ] if occ else [])[0])

        systems[name] = rank
    return systems


def occupation_rankers(tax: Taxonomy, embedder: object) -> dict[str, Rank]:
    """title -> occupation indices, for each system (titles of ≤ 12 content words)."""
    base = TfIdfBaseline(tax.occupations)
    systems: dict[str, Rank] = {"tfidf": base.rank}
    for name, matcher in (
        ("previous", SkillMatcher(tax, weights=PREVIOUS)),
        ("lexical", SkillMatcher(tax)),
        ("shipped", SkillMatcher(tax, embedder=embedder)),  # type: ignore[arg-type]
    ):
        systems[name] = lambda t, m=matcher: _ranked(m.occupation_scores(t, title=True))
    return systems


def _timed(rank: Callable[..., list[int]], times: list[float]) -> list[int]:
    t0 = time.perf_counter()
    out = rank()
    times.append(time.perf_counter() - t0)
    return out


def _latency(times: list[float]) -> dict[str, float]:
    ms = np.array(times) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def evaluate(
    queries: Sequence[tuple[str, str, str, object]],
    rank: Callable[[str, str], list[int]],
    score: Callable[[list[int], object], tuple[float, ...]],
    names: tuple[str, ...],
) -> dict[str, dict[str, float]]:
    """Mean of ``score`` per split over (split, text, occupation, gold) queries, and latency."""
    rows: dict[str, list[tuple[float, ...]]] = {"dev": [], "test": [], "all": []}
    times: list[float] = []
    for split, text, occ, gold in queries:
        row = score(_timed(lambda t=text, o=occ: rank(t, o), times), gold)
        rows[split].append(row)
        rows["all"].append(row)
    out: dict[str, dict[str, float]] = {}
    for split, values in rows.items():
        arr = np.array(values) if values else np.zeros((1, len(names)))
        out[split] = dict(zip(names, (float(x) for x in arr.mean(axis=0)), strict=True))
        out[split]["n"] = float(len(values))
    out["latency"] = _latency(times)
    return out


def _hits(ranked: list[int], gold: object) -> tuple[float, float]:
    assert isinstance(gold, set)
    return float(bool(ranked) and ranked[0] in gold), float(bool(gold & set(ranked[:10])))


def _spans(ranked: list[int], gold: object) -> tuple[float, float]:
    assert isinstance(gold, list)
    return span_scores(ranked, gold)


def _esco(ranked: list[int], gold: object) -> tuple[float, float]:
    assert isinstance(gold, set)
    return average_precision(ranked, gold), r_precision_at(ranked, gold, 5)


def build_sets(
    tax: Taxonomy, reduced: Taxonomy, o_held: list[str | None], limit: int
) -> dict[str, list[tuple[str, str, str, object]]]:
    """The query sets: (split, text, occupation to leave out, gold)."""
    skills_gold, occ_gold = GreenGold(tax.skills), GreenGold(tax.occupations)
    sentences = []
    for sentence, spans in green_sentences("Skill"):
        golds = [g for g in map(skills_gold.concepts, spans) if g]
        if golds:
            sentences.append((split_of(sentence), sentence, "", golds))
    green_titles = []
    for _, spans in green_sentences("Occupation"):
        for span in spans:
            gold = occ_gold.concepts(span)
            if gold:
                green_titles.append((split_of(span), span, "", gold))
    held = [
        (split_of(reduced.occupations.uri[i]), label, "", {i})
        for i, label in enumerate(o_held)
        if label
    ]
    esco = []
    for o, uri in enumerate(tax.occupations.uri):
        lo, hi = int(tax.links.start[o]), int(tax.links.start[o + 1])
        pairs = zip(tax.links.skill[lo:hi], tax.links.essential[lo:hi], strict=True)
        gold = {int(s) for s, e in pairs if e}
        if tax.occupations.description[o] and gold:
            esco.append((split_of(uri), tax.occupations.description[o], uri, gold))
    return {
        "sentences": sentences,
        "held_out_titles": held,
        "green_titles": green_titles,
        "esco_descriptions": esco[:limit] if limit else esco,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--limit", type=int, default=600, help="ESCO description queries (0: all 3,000)"
    )
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    tax = load_taxonomy()
    reduced, _, o_held = held_out_taxonomy(tax)
    embedder = load_embedder("static")
    skills = skill_rankers(tax, embedder)
    occupations = {"shipped taxonomy": occupation_rankers(tax, embedder)}
    occupations["held-out labels"] = occupation_rankers(reduced, embedder)
    sets = build_sets(tax, reduced, o_held, args.limit)
    for rankers in (skills, *occupations.values()):  # warm up: label vectors, caches
        rankers["shipped"]("warm up", "") if rankers is skills else rankers["shipped"]("warm up")
    setup_s = time.perf_counter() - t0

    result: dict[str, object] = {"taxonomy": f"{tax.name} {tax.version}", "setup_s": setup_s}
    tables: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for name, rank2 in skills.items():
        tables.setdefault("sentences", {})[name] = evaluate(
            sets["sentences"], rank2, _spans, ("RP@5", "MAP")
        )
        tables.setdefault("esco_descriptions", {})[name] = evaluate(
            sets["esco_descriptions"], rank2, _esco, ("MAP", "RP@5")
        )
    for set_name, which in (
        ("held_out_titles", "held-out labels"),
        ("green_titles", "shipped taxonomy"),
    ):
        for name, rank1 in occupations[which].items():
            tables.setdefault(set_name, {})[name] = evaluate(
                sets[set_name], lambda t, o, r=rank1: r(t), _hits, ("hit@1", "hit@10")
            )
    result["results"] = tables
    s_test = tables["sentences"]
    result["rp5_gain_points_test"] = 100 * (
        s_test["shipped"]["test"]["RP@5"] - s_test["tfidf"]["test"]["RP@5"]
    )
    if args.json:
        print(json.dumps(result))
        return 0
    titles = {
        "sentences": "Job-ad sentences -> ESCO skills (Green et al. 2022)",
        "held_out_titles": "Vacancy titles -> occupations: held-out ESCO alternative labels",
        "green_titles": "Vacancy titles -> occupations: Green et al. Occupation spans",
        "esco_descriptions": "ESCO occupation descriptions -> essential skills "
        + f"(first {args.limit or 'all'})",
    }
    for set_name, per_system in tables.items():
        print(f"\n{titles[set_name]}")
        metrics = [k for k in next(iter(per_system.values()))["test"] if k != "n"]
        head = "".join(f"{f'{s} {m}':>14}" for s in ("dev", "test") for m in metrics)
        print(f"{'system':<10}{head}{'n test':>8}{'p50 ms':>8}{'p95 ms':>8}")
        for name, m in per_system.items():
            cells = "".join(f"{m[s][k]:>14.3f}" for s in ("dev", "test") for k in metrics)
            lat = m["latency"]
            print(
                f"{name:<10}{cells}{m['test']['n']:>8.0f}{lat['p50_ms']:>8.1f}{lat['p95_ms']:>8.1f}"
            )
    print(
        f"\nRP@5 gain over TF-IDF, held-out sentences: {result['rp5_gain_points_test']:+.1f} points"
    )
    print(f"setup (load, build, embed labels of 3 matchers) {setup_s:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
