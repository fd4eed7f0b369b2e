"""How the shipped fusion weights were chosen: coordinate ascent on the **dev** halves only.

Skills (short texts): Green et al. dev sentences (RP@5 + MAP) and held-out ESCO skill labels of
the dev half (MAP, weight 0.5). Titles: held-out ESCO occupation labels of the dev half and the
dev half of Green et al. Occupation spans (hit@1 + 0.2 hit@10 each). Each query's signals are
computed once; only their mix is searched. Prints the weights to put in ``Weights``.

    python bench/skills_match_tune.py
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from microcred.adapters.ai.embeddings import load_embedder
from microcred.skills.skill_matching import SkillMatcher
from microcred.skills.taxonomy_loader import load_taxonomy
from skills_match_sets import GreenGold, green_sentences, held_out_taxonomy, span_scores, split_of

GRID = (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0)
SKILL_KEYS = ("short_label", "short_bm25", "short_cosine", "short_semantic")
TITLE_KEYS = ("title_label", "title_bm25", "title_cosine", "title_semantic")


def _ranked(scores: np.ndarray, depth: int = 100) -> list[int]:
    top = np.argpartition(-scores, depth)[:depth]
    return [int(i) for i in top[np.argsort(-scores[top], kind="stable")] if scores[i] > 0]


def ascend(
    matchers: list[SkillMatcher], keys: tuple[str, ...], objective: Callable[[], float]
) -> dict[str, float]:
    """Coordinate ascent over ``keys`` of every matcher's weights (three rounds)."""
    best = objective()
    for _ in range(3):
        for key in keys:
            for value in GRID:
                old = matchers[0].weights
                trial = dataclasses.replace(old, **{key: value})
                if not any(getattr(trial, k) for k in keys):
                    continue
                for m in matchers:
                    m.weights = trial
                score = objective()
                if score > best + 1e-9:
                    best = score
                else:
                    for m in matchers:
                        m.weights = old
        print(f"  round: objective {best:.4f}", {k: getattr(matchers[0].weights, k) for k in keys})
    return {k: getattr(matchers[0].weights, k) for k in keys}


def main() -> int:
    tax = load_taxonomy()
    reduced, s_held, o_held = held_out_taxonomy(tax)
    emb = load_embedder("static")
    full_m, red_m = SkillMatcher(tax, embedder=emb), SkillMatcher(reduced, embedder=emb)
    skills_gold, occ_gold = GreenGold(tax.skills), GreenGold(tax.occupations)

    sentences = []
    for text, spans in green_sentences("Skill"):
        golds = [g for g in map(skills_gold.concepts, spans) if g]
        if golds and split_of(text) == "dev":
            sig, _, n = full_m.skill_signals(text)
            occ = full_m.occupation_scores(text)
            sentences.append((full_m, sig, n, occ, golds))
    rng = np.random.default_rng(0)
    dev_labels = [i for i, h in enumerate(s_held) if h and split_of(reduced.skills.uri[i]) == "dev"]
    phrases = []
    for i in sorted(rng.choice(dev_labels, min(800, len(dev_labels)), replace=False)):
        sig, _, n = red_m.skill_signals(str(s_held[i]))
        phrases.append((red_m, sig, n, red_m.occupation_scores(str(s_held[i])), [{int(i)}]))

    def skill_objective() -> float:
        def mean(
            rows: list[tuple[SkillMatcher, dict, int, np.ndarray, list[set[int]]]],
        ) -> np.ndarray:
            return np.mean(
                [span_scores(_ranked(m.combine_skills(s, n, o)), g) for m, s, n, o, g in rows],
                axis=0,
            )

        return float(mean(sentences).sum() + 0.5 * mean(phrases)[1])

    print("skills:")
    ascend([full_m, red_m], SKILL_KEYS, skill_objective)

    titles = []
    for i, label in enumerate(o_held):
        if label and split_of(reduced.occupations.uri[i]) == "dev":
            titles.append((red_m, red_m.occupation_signals(label, title=True), {i}, 1.0))
    green = []
    for _, spans in green_sentences("Occupation"):
        for span in spans:
            gold = occ_gold.concepts(span)
            if gold and split_of(span) == "dev":
                green.append((full_m, full_m.occupation_signals(span, title=True), gold, 1.0))

    def title_objective() -> float:
        def mean(rows: list[tuple[SkillMatcher, dict, set[int], float]]) -> float:
            out = []
            for m, sig, gold, _ in rows:
                ranked = _ranked(m.combine_occupations(sig, True), 10)
                out.append(
                    float(bool(ranked) and ranked[0] in gold) + 0.2 * bool(gold & set(ranked))
                )
            return float(np.mean(out))

        return mean(titles) + mean(green)

    print("titles:")
    ascend([full_m, red_m], TITLE_KEYS, title_objective)
    print(
        f"dev queries: {len(sentences)} sentences, {len(phrases)} skill labels, "
        f"{len(titles)} held-out titles, {len(green)} Green titles"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
