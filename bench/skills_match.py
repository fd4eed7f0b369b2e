"""Ranking quality and latency of ``skills match`` beside a TF-IDF baseline, in one process.

Two test sets:

* **ESCO relations** — each ESCO occupation's description is a query; its *essential* skills are
  the relevant answers. Reported: MAP (over the top 100), MRR, RP@5 and RP@10 (hits in the top K
  divided by min(K, number relevant)). The hybrid's occupation evidence never sees the query's
  own occupation (leave-one-out), and in the strict setting not any occupation of the same
  ISCO-08 unit group either. Weights were tuned on the "dev" half of the occupations (split by a
  hash of the URI); the "test" half is reported separately.
* **Green et al. 2022** (CC BY 4.0, job-ad sentences with gold skill spans). The data set is not
  linked to ESCO, so each gold Skill span is mapped to ESCO here by a rule neither ranker uses:
  an ESCO label (preferred or alternative) whose lower-cased content words equal the span's, or
  that has ≥ 2 content words, all inside the span, making up ≥ half of it. Reported: the share of
  spans that map, and recall@K — the share of mapped spans with one of their ESCO skills in the
  sentence's top K — on the same dev/test split by hash (the length-dependent weights were chosen
  on the dev halves of both sets).

The baseline is scikit-learn's TfidfVectorizer (English stop words, sublinear tf) over each
skill's preferred label, alternative labels and description, ranked by cosine similarity.

    python bench/skills_match.py [--json] [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from microcred.skills.skill_matching import SkillMatcher, Weights
from microcred.skills.taxonomy import Taxonomy
from microcred.skills.taxonomy_loader import load_taxonomy

GREEN = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "skill-extraction-green2022"
)
Ranker = Callable[
    [str, str], list[int]
]  # (text, occupation uri or "") -> skill indices, best first


# --- metrics -------------------------------------------------------------------------------------


def average_precision(ranked: Sequence[int], relevant: set[int], depth: int = 100) -> float:
    hits, total = 0, 0.0
    for i, s in enumerate(ranked[:depth], start=1):
        if s in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), depth) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: set[int]) -> float:
    for i, s in enumerate(ranked, start=1):
        if s in relevant:
            return 1.0 / i
    return 0.0


def r_precision_at(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return sum(1 for s in ranked[:k] if s in relevant) / min(k, len(relevant))


# --- rankers -------------------------------------------------------------------------------------


class TfIdfBaseline:
    """Cosine similarity of TF-IDF vectors of the text and each skill's labels + description."""

    def __init__(self, tax: Taxonomy) -> None:
        docs = [
            " ".join([lab, *alts, desc])
            for lab, alts, desc in zip(
                tax.skills.label, tax.skills.alt_labels, tax.skills.description, strict=True
            )
        ]
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(docs).T.tocsr()

    def rank(self, text: str, depth: int = 100) -> list[int]:
        q = self.vectorizer.transform([text])
        scores = np.asarray((q @ self.matrix).todense()).ravel()
        top = np.argpartition(-scores, depth)[:depth]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]


def hybrid_ranker(matcher: SkillMatcher, tax: Taxonomy, strict: bool) -> Ranker:
    by_group: dict[str, list[str]] = {}
    for uri, group in zip(tax.occupations.uri, tax.occupations.isco_group, strict=True):
        by_group.setdefault(group, []).append(uri)

    def rank(text: str, occupation: str, depth: int = 100) -> list[int]:
        ignore: list[str] = []
        if occupation:
            i = tax.occupation_index(occupation)
            group = tax.occupations.isco_group[i]
            ignore = by_group[group] if strict and group else [occupation]
        scores, _ = matcher.skill_scores(text, ignore_occupations=ignore)
        top = np.argpartition(-scores, depth)[:depth]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]

    return rank


# --- test sets -----------------------------------------------------------------------------------


def split_of(uri: str) -> str:
    return "dev" if hashlib.sha256(uri.encode()).digest()[0] % 2 == 0 else "test"


def esco_queries(tax: Taxonomy) -> list[tuple[str, str, set[int]]]:
    out = []
    for o, uri in enumerate(tax.occupations.uri):
        lo, hi = int(tax.links.start[o]), int(tax.links.start[o + 1])
        pairs = zip(tax.links.skill[lo:hi], tax.links.essential[lo:hi], strict=True)
        gold = {int(s) for s, e in pairs if e}
        desc = tax.occupations.description[o]
        if desc and gold:
            out.append((uri, desc, gold))
    return out


def evaluate_esco(
    rank: Ranker, queries: list[tuple[str, str, set[int]]]
) -> tuple[dict[str, dict[str, float]], list[float]]:
    per: dict[str, list[tuple[float, float, float, float]]] = {"dev": [], "test": [], "all": []}
    times: list[float] = []
    for uri, text, gold in queries:
        t0 = time.perf_counter()
        ranked = rank(text, uri)
        times.append(time.perf_counter() - t0)
        row = (
            average_precision(ranked, gold),
            reciprocal_rank(ranked, gold),
            r_precision_at(ranked, gold, 5),
            r_precision_at(ranked, gold, 10),
        )
        per[split_of(uri)].append(row)
        per["all"].append(row)
    out = {}
    for name, rows in per.items():
        arr = np.array(rows) if rows else np.zeros((1, 4))
        out[name] = dict(
            zip(("MAP", "MRR", "RP@5", "RP@10"), (float(x) for x in arr.mean(axis=0)), strict=True)
        )
        out[name]["n"] = float(len(rows))
    return out, times


_WORD = re.compile(r"[a-z0-9]+")


def _norm(text: str) -> tuple[str, ...]:
    words = [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]
    return tuple(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    )


def green_sentences() -> list[tuple[str, list[str]]]:
    """(sentence, gold Skill spans) from the CoNLL-style gold test set."""
    sentences: list[tuple[str, list[str]]] = []
    tokens: list[str] = []
    spans: list[list[str]] = []
    current: list[str] | None = None
    path = GREEN / "raw_data" / "testset.txt"
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if not parts:
            if tokens:
                sentences.append((" ".join(tokens), [" ".join(s) for s in spans]))
            tokens, spans, current = [], [], None
            continue
        word, tag = parts[0], parts[1] if len(parts) > 1 else "O"
        tokens.append(word)
        if tag == "B-Skill":
            current = [word]
            spans.append(current)
        elif tag == "I-Skill" and current is not None:
            current.append(word)
        else:
            current = None
    return sentences


class GreenGold:
    """Maps gold spans to ESCO skills by the label rule in this module's docstring."""

    def __init__(self, tax: Taxonomy) -> None:
        self.by_label: dict[tuple[str, ...], set[int]] = {}
        self.by_word: dict[str, list[tuple[frozenset[str], int]]] = {}
        labels = zip(tax.skills.label, tax.skills.alt_labels, strict=True)
        for i, (lab, alts) in enumerate(labels):
            for name in (lab, *alts):
                key = _norm(name)
                if key:
                    self.by_label.setdefault(tuple(sorted(key)), set()).add(i)
                    if len(set(key)) >= 2:
                        self.by_word.setdefault(key[0], []).append((frozenset(key), i))

    def skills(self, span: str) -> set[int]:
        key = _norm(span)
        found = set(self.by_label.get(tuple(sorted(key)), set()))
        words = set(key)
        for word in words:
            for label_words, i in self.by_word.get(word, ()):
                if len(label_words) * 2 >= len(words) and label_words <= words:
                    found.add(i)
        return found


def evaluate_green(
    rank: Callable[[str], list[int]], items: list[tuple[str, list[set[int]]]]
) -> tuple[dict[str, dict[str, float]], list[float]]:
    hits = {split: {5: 0, 10: 0, 20: 0} for split in ("dev", "test", "all")}
    total = dict.fromkeys(hits, 0)
    times: list[float] = []
    for sentence, golds in items:
        if not golds:
            continue
        t0 = time.perf_counter()
        ranked = rank(sentence)
        times.append(time.perf_counter() - t0)
        for split in (split_of(sentence), "all"):
            for gold in golds:
                total[split] += 1
                for k in hits[split]:
                    hits[split][k] += bool(gold & set(ranked[:k]))
    out = {
        split: {f"R@{k}": v / max(total[split], 1) for k, v in h.items()} | {"n": total[split]}
        for split, h in hits.items()
    }
    return out, times


# --- cold start --------------------------------------------------------------------------------

_COLD = """
import json, time
def rss():  # current resident set, MB
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024
t0 = time.perf_counter()
from microcred.skills.skill_matching import SkillMatcher
from microcred.skills.taxonomy_loader import load_taxonomy
t1, r1 = time.perf_counter(), rss()
tax = load_taxonomy()
t2, r2 = time.perf_counter(), rss()
matcher = SkillMatcher(tax)
t3, r3 = time.perf_counter(), rss()
matcher.match_skills("manage budgets")
t4 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "build_s": t3 - t2,
                  "first_query_s": t4 - t3, "load_mb": r2 - r1, "build_mb": r3 - r2,
                  "rss_mb": r3}))
"""


def cold_start(runs: int = 3) -> dict[str, float]:
    """Medians over fresh processes: imports, taxonomy load, matcher build, first query, memory."""
    rows = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(out.stdout))
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


# --- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N ESCO queries")
    parser.add_argument(
        "--no-embedder", action="store_true", help="skip the run with the shipped static embedder"
    )
    args = parser.parse_args(argv)

    cold = cold_start()
    t0 = time.perf_counter()
    tax = load_taxonomy()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    matcher = SkillMatcher(tax)
    build_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    baseline = TfIdfBaseline(tax)
    baseline_build_s = time.perf_counter() - t0
    lexical = SkillMatcher(tax, weights=Weights(occupations=0.0))
    semantic: SkillMatcher | None = None
    embed_s = 0.0
    if not args.no_embedder:
        from microcred.adapters.ai.embeddings import load_embedder  # noqa: PLC0415

        t0 = time.perf_counter()
        semantic = SkillMatcher(tax, embedder=load_embedder("static"))
        semantic.match_skills("warm up: embed every skill and occupation label once")
        embed_s = time.perf_counter() - t0

    queries = esco_queries(tax)
    if args.limit:
        queries = queries[: args.limit]
    systems: dict[str, Ranker] = {
        "tfidf-baseline": lambda text, occ: baseline.rank(text),
        "hybrid-lexical-only": hybrid_ranker(lexical, tax, strict=False),
        "hybrid": hybrid_ranker(matcher, tax, strict=False),
        "hybrid-strict-isco": hybrid_ranker(matcher, tax, strict=True),
    }
    if semantic is not None:
        systems["hybrid+static-embedder"] = hybrid_ranker(semantic, tax, strict=False)
    esco: dict[str, dict[str, dict[str, float]]] = {}
    latency: dict[str, float] = {}
    for name, rank in systems.items():
        esco[name], times = evaluate_esco(rank, queries)
        latency[f"esco-{name}"] = statistics.median(times) * 1000

    sentences = green_sentences()
    mapper = GreenGold(tax)
    items = [(s, [g for g in map(mapper.skills, spans) if g]) for s, spans in sentences]
    n_spans = sum(len(spans) for _, spans in sentences)
    n_mapped = sum(len(golds) for _, golds in items)
    green: dict[str, dict[str, dict[str, float]]] = {}
    green_systems: dict[str, Callable[[str], list[int]]] = {
        "tfidf-baseline": baseline.rank,
        "hybrid-lexical-only": lambda s: systems["hybrid-lexical-only"](s, ""),
        "hybrid": lambda s: systems["hybrid"](s, ""),
    }
    if semantic is not None:
        green_systems["hybrid+static-embedder"] = lambda s: systems["hybrid+static-embedder"](s, "")
    for name, rank_s in green_systems.items():
        green[name], times = evaluate_green(rank_s, items)
        latency[f"green-{name}"] = statistics.median(times) * 1000

    result = {
        "taxonomy": f"{tax.name} {tax.version}",
        "esco_queries": len(queries),
        "esco": esco,
        "green": {"spans": n_spans, "mapped_spans": n_mapped, **green},
        "latency_ms_median": latency,
        "load_s": load_s,
        "matcher_build_s": build_s,
        "baseline_build_s": baseline_build_s,
        "embedder_warmup_s": embed_s,
        "cold_start_median": cold,
        "max_rss_mb_after_build": rss_mb,
        "rp5_gain_points_test": 100
        * (esco["hybrid"]["test"]["RP@5"] - esco["tfidf-baseline"]["test"]["RP@5"]),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"ESCO relations: {len(queries)} occupation descriptions → essential skills")
    print(f"{'system':<24}{'split':<6}{'MAP':>7}{'MRR':>7}{'RP@5':>7}{'RP@10':>7}")
    for name, splits in esco.items():
        for split in ("dev", "test", "all"):
            m = splits[split]
            print(
                f"{name:<24}{split:<6}{m['MAP']:>7.3f}{m['MRR']:>7.3f}{m['RP@5']:>7.3f}"
                f"{m['RP@10']:>7.3f}"
            )
    print(f"RP@5 gain on the test half: {result['rp5_gain_points_test']:+.1f} points")
    print(f"\nGreen et al. 2022: {n_mapped}/{n_spans} gold skill spans map to ESCO labels")
    for name, splits in green.items():
        for split in ("dev", "test", "all"):
            m = splits[split]
            print(
                f"{name:<24}{split:<6}"
                + "".join(f"{k}={v:.3f}  " for k, v in m.items() if k != "n")
                + f"(spans {m['n']:.0f})"
            )
    print(
        "\ncold start, median of 3 fresh processes: "
        + ", ".join(f"{k} {v:.2f}" for k, v in cold.items())
    )
    print("median latency per query (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in latency.items()))
    print(
        f"taxonomy load {load_s:.2f} s, matcher build {build_s:.2f} s, "
        f"baseline build {baseline_build_s:.2f} s, embedder warm-up {embed_s:.2f} s, "
        f"max RSS after matcher build {rss_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
