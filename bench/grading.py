"""AI review against human graders, through ``microcred assess evaluate``'s own code path.

Data sets from ../shared/data/grading, converted to the evaluation CSV at run time in a temporary
directory (never into the repository):

- ASAP-SAS (training part): 5-fold cross-validation per prompt; both human raters are given, so
  the routing rule compares the AI with rater 2 on the answers it would take; per prompt and
  overall, on the test folds (threshold chosen on the other folds): share decided alone, plain
  QWK of the AI, of rater 2 and of the baseline on those answers, beside the routing shipped
  before (``grading_routing.py``).
- SemEval-2013 Task 7, SciEntsBank and Beetle, 2-way labels (correct = 1): unseen answers (items
  with graded work) and unseen questions (new items, no graded work: the embedding reviewer).
- SAF (English): 3 levels from the graders' verdicts; the generated feedback is compared with the
  graders' written feedback by ROUGE-L F1 and by embedding cosine, beside two baselines.

Beside each, a baseline run in the same process: TF-IDF (word 1–2-grams and character 2–5-grams)
+ ridge regression per item (scikit-learn, rounded to the nearest level); for unseen questions,
TF-IDF cosine to the reference with one threshold fitted on the training questions. Throughput:
reviews per second of a trained reviewer in one process (2-core machine; shared and noisy, so
medians of repeats).

    python bench/grading.py [--json] [--sets asap,semeval,saf] [--folds 5] [--embedder static]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import Ridge  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from microcred.adapters.ai.embeddings import load_embedder
from microcred.assessment.embedder import Embedder
from microcred.assessment.evaluation import ItemRun, Row, item_rubric, load_dataset, run_items
from microcred.assessment.metrics import exact_agreement, quadratic_weighted_kappa
from microcred.assessment.routing import RoutingPolicy, route
from microcred.assessment.trained_reviewer import GradedAnswer, TrainedReviewer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grading_data import DATA, asap_answers, saf_rows, semeval_rows, write_csv
from grading_routing import RULES, old_threshold, overall, print_routing, routing_entry

ASAP_MAX = {1: 3, 2: 3, 5: 3, 6: 3}
HUMAN_HUMAN_ASAP = 0.881
TARGET_MEAN_QWK = 0.75
TARGET_AUTO_SHARE, TARGET_AUTO_QWK = 0.50, 0.88


def evaluate_rows(rows: Sequence[Row], embedder: Embedder, tmp: Path) -> list[ItemRun]:
    """Through the CSV and the command's code path."""
    path = tmp / "dataset.csv"
    write_csv(rows, path)
    try:
        return run_items(load_dataset(path), embedder)
    finally:
        path.unlink()


# ---------------------------------------------------------------- baselines


def ridge_baseline(
    train: Sequence[str], y: np.ndarray, test: Sequence[str], top: int
) -> np.ndarray:
    """TF-IDF (word 1–2-grams and character 2–5-grams) + ridge, rounded to the nearest level."""
    vecs = [
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    ]
    try:
        x = hstack([v.fit_transform(train) for v in vecs]).tocsr()
    except ValueError:  # empty vocabulary
        return np.zeros(len(test), dtype=int)
    model = Ridge(alpha=1.0).fit(x, y)
    pred = model.predict(hstack([v.transform(test) for v in vecs]).tocsr())
    return np.asarray(np.clip(np.rint(pred), 0, top), dtype=int)


def reference_cosine_baseline(train: Sequence[Row], test: Sequence[Row]) -> np.ndarray:
    """TF-IDF cosine to the reference; one threshold, fitted on the training questions."""
    vec = TfidfVectorizer(sublinear_tf=True).fit(
        [r.answer for r in train] + [r.reference for r in train]
    )

    def sims(rows: Sequence[Row]) -> np.ndarray:
        a = vec.transform([r.answer for r in rows])
        b = vec.transform([r.reference for r in rows])
        return np.asarray(a.multiply(b).sum(axis=1)).ravel()

    s_train, y_train = sims(train), np.array([int(r.score) for r in train])
    best = max(
        np.linspace(0, 1, 101),
        key=lambda t: quadratic_weighted_kappa(y_train, (s_train >= t).astype(int), 2),
    )
    return np.asarray(sims(test) >= best, dtype=int)


# ---------------------------------------------------------------- ASAP-SAS


def _auto_flags(run: ItemRun, policy: RoutingPolicy) -> np.ndarray:
    trust = run.trust(policy)
    return np.array([route(r, trust).auto for r in run.reviews], dtype=bool)


def bench_asap(embedder: Embedder, folds: int, tmp: Path, prompts: Sequence[int]) -> dict[str, Any]:
    """5-fold cross-validation per prompt; AI vs baseline vs second human."""
    answers = [a for a in asap_answers() if a["set"] in prompts]
    fold_of: dict[str, int] = {}
    for s in prompts:  # folds per prompt, the same whichever prompts are chosen
        ids = [a["id"] for a in answers if a["set"] == s]
        rng = np.random.default_rng(s)
        for k, part in enumerate(np.array_split(rng.permutation(len(ids)), folds)):
            for i in part:
                fold_of[ids[i]] = k
    per: dict[int, dict[str, list[Any]]] = {
        s: {"truth": [], "ai": [], "base": [], "conf": [], "second": [], **{r: [] for r in RULES}}
        for s in prompts
    }
    train_seconds = []
    for k in range(folds):
        rows = [
            Row(
                f"asap-{a['set']}",
                "",
                "",
                a["text"],
                float(a["s1"]),
                float(ASAP_MAX.get(a["set"], 2)),
                "test" if fold_of[a["id"]] == k else "train",
                float(a["s2"]),
            )
            for a in answers
        ]
        t0 = time.perf_counter()
        runs = evaluate_rows(rows, embedder, tmp)
        train_seconds.append(time.perf_counter() - t0)
        for run in runs:
            s = int(run.rubric.id.split("-")[1])
            per[s]["truth"] += run.truth
            per[s]["ai"] += run.predicted
            per[s]["conf"] += [r.confidence for r in run.reviews]
            per[s]["second"] += run.second
            per[s]["rule"] += _auto_flags(run, RoutingPolicy()).tolist()
            old = old_threshold(run)
            per[s]["old"] += [r.confidence >= old for r in run.reviews]
            tr = [a for a in answers if a["set"] == s and fold_of[a["id"]] != k]
            te = [a for a in answers if a["set"] == s and fold_of[a["id"]] == k]
            per[s]["base"] += ridge_baseline(
                [a["text"] for a in tr],
                np.array([a["s1"] for a in tr]),
                [a["text"] for a in te],
                ASAP_MAX.get(s, 2),
            ).tolist()
        print(f"  asap fold {k + 1}/{folds}: {train_seconds[-1]:.0f} s", file=sys.stderr)
    items: dict[str, Any] = {}
    for s in prompts:
        n_levels = ASAP_MAX.get(s, 2) + 1
        truth, ai, base = (np.array(per[s][key]) for key in ("truth", "ai", "base"))
        human = [a for a in answers if a["set"] == s]
        entry: dict[str, Any] = {
            "n": int(truth.size),
            "qwk": quadratic_weighted_kappa(truth, ai, n_levels),
            "accuracy": exact_agreement(truth, ai),
            "baseline_qwk": quadratic_weighted_kappa(truth, base, n_levels),
            "human_qwk": quadratic_weighted_kappa(
                [a["s1"] for a in human], [a["s2"] for a in human], n_levels
            ),
        }
        entry["routing"] = routing_entry(per[s], n_levels)
        # Fixed shares by confidence (no policy): what a given workload split buys.
        conf = np.array(per[s]["conf"])
        for share in (0.6, 0.7):
            top = np.argsort(-conf)[: int(share * conf.size)]
            chosen = np.zeros(conf.size, dtype=bool)
            chosen[top] = True
            entry[f"top{int(share * 100)}_qwk"] = quadratic_weighted_kappa(
                truth[top], ai[top], n_levels
            )
            mixed = truth.copy()
            mixed[top] = ai[top]
            entry[f"overall_qwk_top{int(share * 100)}_ai_rest_human"] = quadratic_weighted_kappa(
                truth, mixed, n_levels
            )
        items[f"asap-{s}"] = entry
    out: dict[str, Any] = {"items": items}
    for key in (
        "qwk",
        "baseline_qwk",
        "human_qwk",
        "top60_qwk",
        "overall_qwk_top70_ai_rest_human",
    ):
        out[f"mean_{key}"] = float(np.mean([e[key] for e in items.values()]))
    out["routing"] = overall(items)
    out["train_and_review_seconds_per_fold_median"] = statistics.median(train_seconds)
    return out


# ---------------------------------------------------------------- SemEval-2013 and SAF


def bench_semeval(embedder: Embedder, tmp: Path) -> dict[str, Any]:
    """Unseen answers and unseen questions, per corpus, with the baselines."""
    out: dict[str, Any] = {}
    for corpus in ("sciEntsBank", "beetle"):
        rows, which = semeval_rows(corpus)
        runs = evaluate_rows(rows, embedder, tmp)
        train = [r for r in rows if r.split == "train"]
        for name in ("test-unseen-answers", "test-unseen-questions"):
            chosen = [run for run in runs if which.get(run.rubric.id) == name]
            truth = np.array([t for run in chosen for t in run.truth])
            ai = np.array([p for run in chosen for p in run.predicted])
            base: list[int] = []
            for run in chosen:
                test = [r for r in rows if r.item_id == run.rubric.id and r.split == "test"]
                tr = [r for r in train if r.item_id == run.rubric.id]
                if name == "test-unseen-answers" and len({r.score for r in tr}) > 1:
                    base += ridge_baseline(
                        [r.answer for r in tr],
                        np.array([r.score for r in tr]),
                        [r.answer for r in test],
                        1,
                    ).tolist()
                else:
                    base += reference_cosine_baseline(train, test).tolist()
            auto = np.concatenate([_auto_flags(run, RoutingPolicy()) for run in chosen])
            out[f"{corpus}/{name.removeprefix('test-')}"] = {
                "n": int(truth.size),
                "items": len(chosen),
                "qwk": quadratic_weighted_kappa(truth, ai, 2),
                "accuracy": exact_agreement(truth, ai),
                "baseline_qwk": quadratic_weighted_kappa(truth, np.array(base), 2),
                "baseline_accuracy": exact_agreement(truth, np.array(base)),
                "auto_share": float(auto.mean()),
                "reviewers": sorted({run.reviewer.name for run in chosen}),
            }
    return out


def rouge_l(candidate: str, reference: str) -> tuple[float, float]:
    """ROUGE-L (recall, F1) on lower-cased word tokens (longest common subsequence)."""
    a, b = candidate.lower().split(), reference.lower().split()
    if not a or not b:
        return 0.0, 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0, 0.0
    p, r = lcs / len(a), lcs / len(b)
    return r, 2 * p * r / (p + r)


def bench_saf(embedder: Embedder, tmp: Path) -> dict[str, Any]:
    """Verdict agreement, and generated feedback against the graders' feedback."""
    rows, written = saf_rows()
    runs = evaluate_rows(rows, embedder, tmp)
    tests = {
        run.rubric.id: [r for r in rows if r.item_id == run.rubric.id and r.split == "test"]
        for run in runs
    }
    truth = np.array([t for run in runs for t in run.truth])
    ai = np.array([p for run in runs for p in run.predicted])
    verdicts = ("incorrect", "partially correct", "correct")
    ours, label_only, reference_copy, graders = [], [], [], []
    for run in runs:
        for row, review in zip(tests[run.rubric.id], run.reviews, strict=True):
            graders.append(written[(row.item_id, row.answer)])
            ours.append(review.feedback)
            level = run.rubric.criteria[0].level_index(review.points)
            label_only.append(f"The response is {verdicts[level]}.")
            reference_copy.append(row.reference)

    def score(texts: list[str]) -> dict[str, float]:
        a, b = embedder.embed(texts), embedder.embed(graders)
        rouge = np.array([rouge_l(t, g) for t, g in zip(texts, graders, strict=True)])
        return {
            "rouge_l_recall": float(rouge[:, 0].mean()),
            "rouge_l_f1": float(rouge[:, 1].mean()),
            "cosine": float(np.mean((a * b).sum(axis=1))),
        }

    return {
        "n": int(truth.size),
        "qwk": quadratic_weighted_kappa(truth, ai, 3),
        "accuracy": exact_agreement(truth, ai),
        "feedback": {
            "microcred": score(ours),
            "baseline_verdict_only": score(label_only),
            "baseline_reference_answer": score(reference_copy),
        },
    }


# ---------------------------------------------------------------- throughput


def bench_throughput(embedder: Embedder, repeats: int = 5) -> dict[str, Any]:
    """Reviews per second of a reviewer trained on ASAP prompt 1 (80%), one process."""
    answers = [a for a in asap_answers() if a["set"] == 1]
    cut = int(0.8 * len(answers))
    rows = [Row("asap-1", "", "", a["text"], float(a["s1"]), 3.0, "train") for a in answers[:cut]]
    rubric = item_rubric(rows)
    t0 = time.perf_counter()
    graded = [GradedAnswer(a["text"], {"answer": float(a["s1"])}) for a in answers[:cut]]
    reviewer = TrainedReviewer.train(rubric, graded, embedder)
    train_s = time.perf_counter() - t0
    test = [a["text"] + " " for a in answers[cut:]]  # a space defeats the embedding cache
    batch, single = [], []
    for i in range(repeats):
        texts = [t + " " * (i + 1) for t in test]
        t0 = time.perf_counter()
        reviewer.review(rubric, texts)
        batch.append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for t in texts[:50]:
            reviewer.review(rubric, [t + "."])
        single.append(50 / (time.perf_counter() - t0))
    texts = [a["text"] for a in answers[:1000]]
    emb_rates = []
    for i in range(repeats):
        fresh = [t + "!" * (i + 1) for t in texts]
        t0 = time.perf_counter()
        embedder.embed(fresh)
        emb_rates.append(len(fresh) / (time.perf_counter() - t0))
    return {
        "train_seconds": train_s,
        "trained_on": len(graded),
        "reviews_per_second_batch_median": statistics.median(batch),
        "reviews_per_second_one_by_one_median": statistics.median(single),
        "embeddings_per_second_median": statistics.median(emb_rates),
        "cpu_count": os.cpu_count(),
    }


# ---------------------------------------------------------------- report


def _f(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_table(result: dict[str, Any]) -> None:
    """Human-readable report."""
    print(f"embedder: {result['embedder']}")
    if "asap" in result:
        a = result["asap"]
        print("\nASAP-SAS, 5-fold CV per prompt (QWK with rater 1)")
        print(f"{'prompt':<8} {'n':>5} {'AI':>6} {'base':>6} {'human':>6} | {'top60':>6}")
        for name, e in a["items"].items():
            print(
                f"{name:<8} {e['n']:>5} {_f(e['qwk'])} {_f(e['baseline_qwk'])} "
                f"{_f(e['human_qwk'])} | {_f(e['top60_qwk'])}"
            )
        print(
            f"mean QWK: AI {a['mean_qwk']:.3f} (target {TARGET_MEAN_QWK}), baseline "
            f"{a['mean_baseline_qwk']:.3f}, human–human {a['mean_human_qwk']:.3f}"
        )
        print_routing(a)
        r = a["routing"]["rule"]
        print(
            f"target: ≥ {TARGET_AUTO_SHARE:.0%} decided alone at plain QWK ≥ {TARGET_AUTO_QWK}; "
            f"measured {r['share']:.1%} at {_f(r['ai_qwk']).strip()}"
        )
        print(
            f"most confident 60% by the AI: mean QWK {a['mean_top60_qwk']:.3f}; AI on the top 70% "
            f"+ humans on the rest: {a['mean_overall_qwk_top70_ai_rest_human']:.3f}"
        )
    if "semeval" in result:
        print("\nSemEval-2013 Task 7, 2-way (QWK = Cohen's kappa; accuracy)")
        for name, e in result["semeval"].items():
            print(
                f"{name:<36} n={e['n']:>5} AI {_f(e['qwk'])} acc {e['accuracy']:.3f} | baseline "
                f"{_f(e['baseline_qwk'])} acc {e['baseline_accuracy']:.3f} | auto "
                f"{e['auto_share']:.0%} | {', '.join(e['reviewers'])}"
            )
    if "saf" in result:
        s = result["saf"]
        print(
            f"\nSAF (English), 3 verdict levels: n={s['n']} QWK {s['qwk']:.3f} "
            f"acc {s['accuracy']:.3f}"
        )
        for name, e in s["feedback"].items():
            print(
                f"  feedback {name:<28} ROUGE-L F1 {e['rouge_l_f1']:.3f} recall "
                f"{e['rouge_l_recall']:.3f}  cosine {e['cosine']:.3f}"
            )
    if "throughput" in result:
        t = result["throughput"]
        print(
            f"\nthroughput: trained on {t['trained_on']} answers in {t['train_seconds']:.1f} s; "
            f"{t['reviews_per_second_batch_median']:.0f} reviews/s batched, "
            f"{t['reviews_per_second_one_by_one_median']:.0f} reviews/s one by one, "
            f"{t['embeddings_per_second_median']:.0f} embeddings/s (one process)"
        )


def main() -> None:
    """Run the selected data sets and print a table or one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sets", default="asap,semeval,saf,throughput")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--prompts", default="1,2,3,4,5,6,7,8,9,10")
    parser.add_argument("--embedder", default="static", choices=("static", "minilm"))
    args = parser.parse_args()
    # One BLAS thread: on a shared 2-core machine, threads spinning against other jobs cost ten
    # times the CPU (measured: 54 s against 5 s to train on ASAP prompt 1).
    threadpool_limits(1)
    if not DATA.is_dir():
        sys.exit(f"No grading data at {DATA}.")
    embedder = load_embedder(args.embedder)
    sets = set(args.sets.split(","))
    result: dict[str, Any] = {"embedder": embedder.name}
    with tempfile.TemporaryDirectory(prefix="microcred-grading-") as tmp:
        if "asap" in sets:
            prompts = [int(p) for p in args.prompts.split(",")]
            result["asap"] = bench_asap(embedder, args.folds, Path(tmp), prompts)
        if "semeval" in sets:
            result["semeval"] = bench_semeval(embedder, Path(tmp))
        if "saf" in sets:
            result["saf"] = bench_saf(embedder, Path(tmp))
        if "throughput" in sets:
            result["throughput"] = bench_throughput(embedder)
    if args.json:
        print(json.dumps(result))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
